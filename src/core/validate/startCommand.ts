/** The start command (and the package.json scripts that stand for one): shell that blocks a deploy, or is worth a warning. */
import type { Finding, Rule } from './finding';
import { LIMITS } from './limits';

/** Shell in the start command that always blocks a deploy. */
const START_COMMAND_ERRORS: Rule[] = [
  {
    rule: 'start.rm_root',
    re: /\brm\s+(?:-{1,2}[\w-]+\s+)*-[a-zA-Z]*[rR][a-zA-Z]*\s+(?:-{1,2}[\w-]+\s+)*(?:\/\*?|~\/?|\$HOME\/?|\$\{HOME\}\/?)(?=\s|$|[;&|)])/,
    message: 'The start command deletes the root or home folder (rm -r of / or ~).',
  },
  {
    rule: 'start.piped_download',
    re: /\b(?:curl|wget|fetch)\b[^;&\n]*\|\s*(?:sudo\s+)?(?:ba|z|da|k|fi)?sh\b|\b(?:curl|wget)\b[^;&\n]*\|\s*(?:sudo\s+)?(?:python3?|node|perl|ruby)\b|\b(?:ba|z)?sh\s+<\(\s*(?:curl|wget)\b/,
    message: 'The start command pipes a download into a shell or interpreter.',
  },
  {
    rule: 'start.fork_bomb',
    re: /(\w+|:)\s*\(\)\s*\{[^}]*\1\s*\|\s*\1\s*&[^}]*\}\s*;?\s*\1/,
    message: 'The start command contains a fork bomb.',
  },
  {
    rule: 'start.system_write',
    re: /(?:>>?\s*|\btee\s+(?:-a\s+)?|\b(?:cp|mv|ln)\s+(?:-\w+\s+)*\S+\s+)\/(?:etc|bin|sbin|usr|boot|lib|lib64|sys|proc|dev\/(?!(?:null|stdout|stderr|tty)\b)|root)\b|\bdd\s+[^;&|]*\bof=\/dev\/|\bmkfs(?:\.\w+)?\b|\bchmod\s+(?:-\w+\s+)*[0-7]{3,4}\s+\/(?:\s|$)|\bchown\s+-R\s+\S+\s+\/(?:\s|$)/,
    message: 'The start command writes to a system path.',
  },
];

const START_COMMAND_WARNINGS: Rule[] = [
  { rule: 'start.sudo', re: /\bsudo\b/, message: 'The start command uses sudo.' },
  { rule: 'start.rm_rf', re: /\brm\s+-[a-zA-Z]*(?:r[a-zA-Z]*f|f[a-zA-Z]*r)/, message: 'The start command deletes files recursively.' },
];

/** The start command's findings: too long, control characters, the error and warning rules. */
export function startCommandFindings(cmd: string): Finding[] {
  const findings: Finding[] = [];
  if (cmd.length > LIMITS.maxStartCommandLength) {
    findings.push({ severity: 'error', rule: 'limits.start_command', message: `The start command is ${cmd.length} characters long; the limit is ${LIMITS.maxStartCommandLength}.` });
  }
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x08\x0b-\x1f\x7f]/.test(cmd)) {
    findings.push({ severity: 'error', rule: 'start.control', message: 'The start command contains a NUL or another control character (only tabs and line breaks are allowed).' });
  }
  // A command over the limit is refused already; the rules' regexes would take minutes on it.
  const scanned = cmd.length > LIMITS.maxStartCommandLength ? '' : cmd;
  for (const r of START_COMMAND_ERRORS) if (r.re.test(scanned)) findings.push({ severity: 'error', rule: r.rule, message: r.message });
  for (const r of START_COMMAND_WARNINGS) if (r.re.test(scanned)) findings.push({ severity: 'warning', rule: r.rule, message: r.message });
  return findings;
}

/** A package.json script (`npm run dev` runs it; npm also runs install scripts), checked like a start command. */
export function scriptFindings(name: string, value: string, path: string): Finding[] {
  const out: Finding[] = [];
  if (value.length > LIMITS.maxStartCommandLength) {
    out.push({ severity: 'error', rule: 'limits.start_command', path, message: `The "${name}" script is ${value.length} characters long; the limit is ${LIMITS.maxStartCommandLength}.` });
    return out;
  }
  for (const r of START_COMMAND_ERRORS) if (r.re.test(value)) out.push({ severity: 'error', rule: r.rule, path, message: `The "${name}" script: ${r.message.replace(/^The start command /, '')}` });
  for (const r of START_COMMAND_WARNINGS) if (r.re.test(value)) out.push({ severity: 'warning', rule: r.rule, path, message: `The "${name}" script: ${r.message.replace(/^The start command /, '')}` });
  return out;
}
