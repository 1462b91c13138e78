/**
 * Validation of an app spec before anything touches a disk or a sandbox.
 * Errors always block a deploy; warnings are shown and the user decides.
 */
import type { AppSecrets } from '../base/secrets';
import { CREDENTIAL_SHAPES } from '../base/secrets';
import type { AppSpec } from '../app/spec';
import { SEED_APP_ROOT } from '../app/spec';
import { dependenciesOf } from '../stacks/stacks';
import type { Finding } from '../base/finding';

/** Documented limits (docs/security.md, Validation). */
export const LIMITS = {
  maxFiles: 500,
  maxTotalBytes: 10 * 1024 * 1024,
  maxPathLength: 1024,
  maxSegmentLength: 255,
  maxDependencies: 100,
  /** Far below what the kernel takes for one argument (128 KiB): no start command needs more. */
  maxStartCommandLength: 8192,
} as const;

/** The on-disk manifest name; an app file may not take it. */
export const MANIFEST_NAME = 'spawn-app.json';

/**
 * The one sentence for a file that is not text: not UTF-8, or holding a NUL byte (which no text file does, and
 * which would make line-based rules useless). The folder reader, the editor's workspace and the validator say it.
 */
export function binaryFileSentence(shown: string, why: 'not UTF-8 text' | 'it holds a NUL byte', fix = 'so it cannot be deployed or saved'): string {
  return `${shown} is a binary file (${why}); Spawn App apps hold text files only, ${fix}.`;
}

export function hasErrors(findings: readonly Finding[]): boolean {
  return findings.some((f) => f.severity === 'error');
}

/**
 * Checks one path as written by a user or a model. Returns the normalised app-relative path, or the
 * reason it is refused. Accepts the seed's `/app/...` form.
 */
export function checkPath(raw: string): { ok: true; path: string } | { ok: false; rule: string; message: string } {
  const bad = (rule: string, message: string) => ({ ok: false as const, rule, message });
  if (typeof raw !== 'string' || raw.length === 0) return bad('path.empty', 'A file has an empty path.');
  if (raw.includes('\0')) return bad('path.nul', `The path ${JSON.stringify(raw)} contains a NUL byte.`);
  if (raw.includes('\\')) return bad('path.backslash', `The path ${JSON.stringify(raw)} uses a backslash; use forward slashes.`);
  if (/^[a-zA-Z]:/.test(raw)) return bad('path.drive', `The path ${JSON.stringify(raw)} names a drive.`);
  if (raw.length > LIMITS.maxPathLength) return bad('path.too_long', `A path is longer than ${LIMITS.maxPathLength} characters.`);
  let p = raw;
  if (p.startsWith('/')) {
    if (p === SEED_APP_ROOT || p === SEED_APP_ROOT + '/') return bad('path.root', 'A file cannot be the app folder itself.');
    if (!p.startsWith(SEED_APP_ROOT + '/')) return bad('path.absolute', `The path ${JSON.stringify(raw)} is outside the app folder.`);
    p = p.slice(SEED_APP_ROOT.length + 1);
  }
  while (p.startsWith('./')) p = p.slice(2);
  if (p === '' || p === '.' || p === '/') return bad('path.root', 'A file cannot be the app folder itself.');
  const segments = p.split('/');
  for (const s of segments) {
    if (s === '..') return bad('path.traversal', `The path ${JSON.stringify(raw)} escapes the app folder.`);
    if (s === '' || s === '.') return bad('path.invalid', `The path ${JSON.stringify(raw)} has an empty or "." segment.`);
    if (s.length > LIMITS.maxSegmentLength) return bad('path.too_long', `A name in ${JSON.stringify(raw.slice(0, 60))}… is longer than ${LIMITS.maxSegmentLength} characters.`);
    // eslint-disable-next-line no-control-regex
    if (/[\x00-\x1f\x7f-\x9f]/.test(s)) return bad('path.invalid', `The path ${JSON.stringify(raw)} contains control characters.`);
  }
  if (p === MANIFEST_NAME) return bad('path.reserved', `${MANIFEST_NAME} is reserved for the app's manifest.`);
  return { ok: true, path: p };
}

const NPM_NAME = /^(@[a-z0-9][a-z0-9._~-]*\/)?[a-z0-9][a-z0-9._~-]*$/;
const NPM_VERSION = /^[0-9A-Za-z.^~<>=*+-]+$/;
const PIP_SPEC = /^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?(?:\[[A-Za-z0-9._,-]+\])?(?:(?:==|>=|<=|~=|!=|>|<)[A-Za-z0-9.*+!-]+(?:,(?:==|>=|<=|~=|!=|>|<)[A-Za-z0-9.*+!-]+)*)?$/;

/** A plain npm name (optionally `@version`) for Node apps, a plain pip requirement for scripts. */
export function isPlainDependency(dep: string, ecosystem: 'npm' | 'pip'): boolean {
  if (!dep || dep.length > 214) return false;
  if (ecosystem === 'pip') return PIP_SPEC.test(dep);
  const at = dep.lastIndexOf('@');
  if (at > 0) return NPM_NAME.test(dep.slice(0, at)) && NPM_VERSION.test(dep.slice(at + 1));
  return NPM_NAME.test(dep);
}

export function ecosystemOf(spec: Pick<AppSpec, 'appType'>): 'npm' | 'pip' {
  return spec.appType === 'script' ? 'pip' : 'npm';
}

interface Rule {
  rule: string;
  re: RegExp;
  message: string;
}

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

/** Code patterns worth a warning; each must not fire on harmless look-alikes (see the unit tests). */
const CODE_WARNINGS: Rule[] = [
  { rule: 'code.eval', re: /(?<![\w.$])eval\s*\(/, message: 'eval() runs arbitrary code.' },
  { rule: 'code.new_function', re: /\bnew\s+Function\s*\(/, message: 'new Function() runs arbitrary code.' },
  {
    rule: 'code.child_process',
    re: /\brequire\s*\(\s*['"`](?:node:)?child_process['"`]\s*\)|\bfrom\s+['"](?:node:)?child_process['"]|\bimport\s*\(\s*['"](?:node:)?child_process['"]\s*\)/,
    message: 'child_process can run shell commands.',
  },
  { rule: 'code.exec', re: /(?<![\w.$])exec(?:Sync)?\s*\(|\bchild_process\.exec(?:Sync)?\s*\(/, message: 'exec() runs code or shell commands.' },
  { rule: 'code.os_system', re: /\bos\.(?:system|popen)\s*\(/, message: 'os.system/os.popen run shell commands.' },
  { rule: 'code.subprocess_shell', re: /\bsubprocess\.\w+\s*\([^)]*\bshell\s*=\s*True/, message: 'subprocess with shell=True runs shell commands.' },
  {
    rule: 'code.dynamic_require',
    re: /(?<![\w.$])require\s*\(\s*(?!['"]|`[^`$]*`\s*\))[^)\s]|(?<![\w.$])import\s*\(\s*(?!['"]|`[^`$]*`\s*\))[^)\s]|\b__import__\s*\(\s*(?!['"])|\bimportlib\.import_module\s*\(\s*(?!['"])/,
    message: 'A module name computed at run time may load code chosen by user input.',
  },
  {
    rule: 'code.rm_rf',
    re: /\brm\s+-[a-zA-Z]*(?:r[a-zA-Z]*f|f[a-zA-Z]*r)|\bshutil\.rmtree\s*\(|\brmSync\s*\([^)]*recursive\s*:\s*true/,
    message: 'Recursive delete (rm -rf) inside the code.',
  },
];

const START_COMMAND_WARNINGS: Rule[] = [
  { rule: 'start.sudo', re: /\bsudo\b/, message: 'The start command uses sudo.' },
  { rule: 'start.rm_rf', re: /\brm\s+-[a-zA-Z]*(?:r[a-zA-Z]*f|f[a-zA-Z]*r)/, message: 'The start command deletes files recursively.' },
];

/** Validates a whole spec and returns every finding (never throws). `secrets`: the app's secrets (values are looked for, never reported). */
export function validateSpec(spec: AppSpec, opts: { secrets?: AppSecrets } = {}): Finding[] {
  const findings: Finding[] = [];
  const seen = new Set<string>();
  let total = 0;

  if (spec.files.length === 0) findings.push({ severity: 'error', rule: 'files.empty', message: 'The app has no files.' });
  if (spec.files.length > LIMITS.maxFiles) {
    findings.push({ severity: 'error', rule: 'limits.files', message: `The app has ${spec.files.length} files; the limit is ${LIMITS.maxFiles}.` });
  }

  for (const file of spec.files) {
    const checked = checkPath(file.path);
    if (!checked.ok) {
      findings.push({ severity: 'error', rule: checked.rule, path: file.path, message: checked.message });
      continue;
    }
    const key = checked.path;
    if (seen.has(key)) {
      findings.push({ severity: 'error', rule: 'path.duplicate', path: key, message: `The path ${key} appears more than once.` });
    }
    seen.add(key);
    total += Buffer.byteLength(file.content, 'utf8');
    findings.push(...scanPlace(key));
    // A NUL byte makes a file binary: refused whole, so no rule is skipped for a file that then runs.
    if (file.content.includes('\0')) findings.push({ severity: 'error', rule: 'file.binary', path: file.path, message: binaryFileSentence(key, 'it holds a NUL byte') });
    else findings.push(...scanCode(key, file.content));
  }
  findings.push(...scanDependencyFiles(spec));
  // A file and a folder of the same name cannot both exist.
  for (const p of seen) {
    const parts = p.split('/');
    for (let i = 1; i < parts.length; i++) {
      const dir = parts.slice(0, i).join('/');
      if (seen.has(dir)) findings.push({ severity: 'error', rule: 'path.conflict', path: dir, message: `${dir} is both a file and a folder.` });
    }
  }
  if (total > LIMITS.maxTotalBytes) {
    findings.push({ severity: 'error', rule: 'limits.bytes', message: `The app holds ${(total / 1048576).toFixed(1)} MB; the limit is ${LIMITS.maxTotalBytes / 1048576} MB.` });
  }

  const ecosystem = ecosystemOf(spec);
  if (spec.dependencies.length > LIMITS.maxDependencies) {
    findings.push({ severity: 'error', rule: 'limits.dependencies', message: `The app lists ${spec.dependencies.length} dependencies; the limit is ${LIMITS.maxDependencies}.` });
  }
  for (const dep of spec.dependencies) {
    if (!isPlainDependency(dep, ecosystem)) {
      findings.push({
        severity: 'error',
        rule: 'dependency.invalid',
        message: `${JSON.stringify(dep.slice(0, 80))} is not a plain ${ecosystem} package name (optionally with a version).`,
      });
    }
  }

  const cmd = spec.startCommand;
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
  if (spec.port !== 3000) findings.push({ severity: 'warning', rule: 'port.nonstandard', message: `The app says it listens on port ${spec.port}; Spawn App expects 3000.` });
  if (spec.appType === 'react') findings.push(...reactFindings(spec));
  findings.push(...secretFindings(spec, opts.secrets ?? {}));
  return findings;
}

/** Environment variables a browser file may name without leaking anything. */
const HARMLESS_ENV = /^(?:PORT|HOST|NODE_ENV|DEV|PROD|MODE|BASE_URL|SSR|SPAWN_APP_PUBLIC_HOST|SPAWN_APP_PUBLIC_PROTOCOL)$/;

/**
 * Whether a file is sent to the browser as it is: HTML anywhere; a react app's `src/` (Vite bundles it for the
 * browser); a webapp's scripts other than its server; `public/` or `static/` folders.
 */
export function isClientFile(spec: Pick<AppSpec, 'appType' | 'startCommand'>, p: string): boolean {
  if (/\.html?$/i.test(p)) return true;
  if (/^(?:public|static)\//.test(p)) return true;
  if (spec.appType === 'react') return p.startsWith('src/');
  if (spec.appType === 'webapp' && /\.[cm]?js$/.test(p)) {
    const server = /\bnode\s+(\S+)/.exec(spec.startCommand)?.[1]?.replace(/^\.\//, '');
    return p !== (server ?? 'server.js');
  }
  return false;
}

/**
 * Hard-coded credentials (well-known key shapes, or a value the user set as a secret) and secrets read in code the
 * browser gets. Messages name the rule and the place, never the value.
 */
export function secretFindings(spec: AppSpec, secrets: AppSecrets): Finding[] {
  const out: Finding[] = [];
  const values = Object.entries(secrets).filter(([, v]) => v.length >= 6);
  const names = Object.keys(secrets);
  for (const file of spec.files) {
    if (file.content.includes('\0')) continue;
    const lines = file.content.split('\n');
    const client = isClientFile(spec, file.path);
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!;
      if (line.length > 10000) continue;
      for (const s of CREDENTIAL_SHAPES) {
        if (s.re.test(line)) out.push({ severity: 'warning', rule: s.rule, path: file.path, line: i + 1, message: `This looks like ${s.what} written into the file; set it as an app secret instead.` });
      }
      for (const [name, value] of values) {
        if (line.includes(value)) out.push({ severity: 'warning', rule: 'secret.value_in_file', path: file.path, line: i + 1, message: `The value of the secret ${name} is written into the file; read it from process.env.${name} instead.` });
      }
      if (!client) continue;
      const env = /\b(?:process\.env|import\.meta\.env)\.([A-Za-z_]\w*)|\bprocess\.env\[\s*['"]([A-Za-z_]\w*)['"]\s*\]/.exec(line);
      const used = env ? (env[1] ?? env[2])! : names.find((n) => new RegExp(`\\b${n}\\b`).test(line));
      if (used && !HARMLESS_ENV.test(used)) {
        out.push({ severity: 'warning', rule: 'secret.client_side', path: file.path, line: i + 1, message: `${used} is read in a file the browser gets: anyone can see it there. Read secrets only in server code.` });
      }
    }
  }
  return out;
}

/**
 * A react app installs from its package.json and starts through its scripts (`npm run dev`; npm also runs
 * install scripts), so those are checked like dependencies and start commands are; the scaffold's files should be there.
 */
function reactFindings(spec: AppSpec): Finding[] {
  const out: Finding[] = [];
  const byPath = new Map(spec.files.map((f) => [checkPath(f.path).ok ? (checkPath(f.path) as { path: string }).path : f.path, f.content]));
  const raw = byPath.get('package.json');
  let pkg: Record<string, unknown> | undefined;
  try {
    const parsed: unknown = raw === undefined ? undefined : JSON.parse(raw);
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) pkg = parsed as Record<string, unknown>;
  } catch {
    // reported below
  }
  if (!pkg) {
    out.push({ severity: 'error', rule: 'react.package_json', path: 'package.json', message: raw === undefined ? 'A react app needs its package.json (the scaffold\'s).' : 'package.json is not a valid JSON object.' });
    return out;
  }
  for (const key of ['dependencies', 'devDependencies'] as const) {
    const deps = pkg[key];
    if (deps === undefined) continue;
    if (!deps || typeof deps !== 'object' || Array.isArray(deps)) {
      out.push({ severity: 'error', rule: 'dependency.invalid', path: 'package.json', message: `package.json's ${key} must be an object of name → version.` });
      continue;
    }
    for (const [name, version] of Object.entries(deps as Record<string, unknown>)) {
      const dep = typeof version === 'string' && version !== 'latest' ? `${name}@${version}` : name;
      if (typeof version !== 'string' || !isPlainDependency(dep, 'npm')) {
        out.push({ severity: 'error', rule: 'dependency.invalid', path: 'package.json', message: `${JSON.stringify(`${name}: ${String(version)}`.slice(0, 80))} in ${key} is not a plain npm package name with a version.` });
      }
    }
  }
  const scripts = pkg.scripts && typeof pkg.scripts === 'object' ? (pkg.scripts as Record<string, unknown>) : {};
  for (const [name, value] of Object.entries(scripts)) {
    if (typeof value !== 'string') continue;
    if (value.length > LIMITS.maxStartCommandLength) {
      out.push({ severity: 'error', rule: 'limits.start_command', path: 'package.json', message: `The "${name}" script is ${value.length} characters long; the limit is ${LIMITS.maxStartCommandLength}.` });
      continue;
    }
    for (const r of START_COMMAND_ERRORS) if (r.re.test(value)) out.push({ severity: 'error', rule: r.rule, path: 'package.json', message: `The "${name}" script: ${r.message.replace(/^The start command /, '')}` });
    for (const r of START_COMMAND_WARNINGS) if (r.re.test(value)) out.push({ severity: 'warning', rule: r.rule, path: 'package.json', message: `The "${name}" script: ${r.message.replace(/^The start command /, '')}` });
  }
  for (const p of ['vite.config.ts', 'index.html', 'src/main.tsx']) {
    if (!byPath.has(p)) out.push({ severity: 'warning', rule: 'react.scaffold', path: p, message: `${p} is missing: the React scaffold needs it to start.` });
  }
  return out;
}

/**
 * Package-manager configuration an app may carry (npm, yarn, pnpm, bun, pip, conda). Each changes what an install
 * does behind the deploy dialog's "Installs" line (another registry serving other code under the same name, a
 * script shell, auth tokens), and a generated app never needs one: errors, fixed by deleting the file.
 */
const PACKAGE_CONFIG = new Set(['.npmrc', '.yarnrc', '.yarnrc.yml', '.pnpmfile.cjs', 'bunfig.toml', 'pip.conf', 'pip.ini', '.pypirc', '.condarc', 'uv.toml']);

/**
 * Findings about where a file is, whatever it holds: folders other tools act on (`.git/`: hooks and config that git
 * runs; `.vscode/`: tasks and settings the editor applies when the saved app is opened) are errors; `.idea/` and
 * `.env*` files (secrets that would be shipped to the sandbox) are warnings.
 */
export function scanPlace(p: string): Finding[] {
  const segs = p.split('/');
  const base = segs[segs.length - 1]!;
  const dirs = segs.slice(0, -1);
  const out: Finding[] = [];
  if (dirs.includes('.git') || base === '.git') {
    out.push({ severity: 'error', rule: 'place.git', path: p, message: `${p} is inside .git/, where git runs hooks and reads its config; an app may not write there.` });
  } else if (dirs.includes('.vscode')) {
    out.push({ severity: 'error', rule: 'place.vscode', path: p, message: `${p} is inside .vscode/, whose tasks and settings an editor applies when the folder is opened; an app may not write there.` });
  } else if (dirs.includes('.idea')) {
    out.push({ severity: 'warning', rule: 'place.idea', path: p, message: `${p} is inside .idea/, whose run configurations an IDE applies when the folder is opened.` });
  }
  if (/^\.env(?:\..+|rc)?$/.test(base)) {
    out.push({ severity: 'warning', rule: 'place.env', path: p, message: `${p} is an environment file: it may hold secrets, and it is copied into the sandbox with the app.` });
  }
  if (PACKAGE_CONFIG.has(base) || (dirs.at(-1) === 'pip' && dirs.at(-2) === '.config') || (dirs.at(-1) === '.pip' && base.endsWith('.conf'))) {
    out.push({ severity: 'error', rule: 'install.config', path: p, message: `${p} configures the package manager (registry, scripts, credentials), so the install could differ from what the deploy dialog lists; delete it.` });
  }
  return out;
}

/** The package name of a declared dependency (`express@^4`, `@a/b@1`, `Flask==2.0`, `requests[socks]`). */
function dependencyName(dep: string, ecosystem: 'npm' | 'pip'): string {
  if (ecosystem === 'pip') return pipName(dep);
  const at = dep.lastIndexOf('@');
  return at > 0 ? dep.slice(0, at) : dep;
}

function pipName(req: string): string {
  const m = /^[A-Za-z0-9][A-Za-z0-9._-]*/.exec(req.trim());
  return (m ? m[0] : req.trim()).toLowerCase().replace(/[-_.]+/g, '-');
}

/** npm specs that fetch something other than a registry package: local paths, links, git, URLs, GitHub shorthands. */
function isNonRegistrySpec(spec: string): boolean {
  const v = spec.trim();
  return /^(?:file|link|portal|git|git\+[a-z]+|github|gitlab|bitbucket|gist|https?|ftp):/i.test(v) || /^(?:\.{0,2}\/|~\/|[A-Za-z]:[\\/])/.test(v) || /\.(?:tgz|tar\.gz|tar)$/i.test(v) || /^[\w.-]+\/[\w.-]+(?:#.*)?$/.test(v);
}

const LIFECYCLE_SCRIPTS = ['preinstall', 'install', 'postinstall', 'prepare', 'preprepare', 'postprepare'];

function lineOf(text: string, re: RegExp): number | undefined {
  const i = text.split('\n').findIndex((l) => re.test(l));
  return i >= 0 ? i + 1 : undefined;
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * The app's own dependency manifests against the spec's declared dependencies (what the deploy dialog lists): a
 * package installed from a path, git or a URL is an error (it runs code no registry vetted, with install scripts);
 * a registry package the spec does not declare, and an install lifecycle script, are warnings shown in the dialog.
 */
export function scanDependencyFiles(spec: Pick<AppSpec, 'appType' | 'files' | 'dependencies'>): Finding[] {
  const out: Finding[] = [];
  const ecosystem = ecosystemOf(spec);
  // A react app's package.json is its declared list (the scaffold's packages and the extras; the dialog lists them).
  const declared = new Set(dependenciesOf(spec).map((d) => dependencyName(d, ecosystem)));
  const declaredPip = new Set(spec.dependencies.map(pipName));
  for (const file of spec.files) {
    const checked = checkPath(file.path);
    if (!checked.ok) continue;
    const p = checked.path;
    const base = p.split('/').pop()!;
    if (base === 'package.json' && !p.includes('/')) {
      let pkg: unknown;
      try {
        pkg = JSON.parse(file.content);
      } catch {
        out.push({ severity: 'warning', rule: 'install.package_json', path: p, message: 'package.json is not valid JSON, so an install would fail.' });
        continue;
      }
      if (!pkg || typeof pkg !== 'object') continue;
      const rec = pkg as Record<string, unknown>;
      for (const field of ['dependencies', 'devDependencies', 'optionalDependencies', 'peerDependencies', 'bundleDependencies', 'bundledDependencies']) {
        const deps = rec[field];
        if (!deps || typeof deps !== 'object' || Array.isArray(deps)) continue;
        for (const [name, version] of Object.entries(deps as Record<string, unknown>)) {
          const shown = JSON.stringify(name.slice(0, 80));
          const line = lineOf(file.content, new RegExp(`"${escapeRe(name)}"\\s*:`));
          if (typeof version === 'string' && isNonRegistrySpec(version)) {
            out.push({ severity: 'error', rule: 'install.non_registry', path: p, line, message: `package.json installs ${shown} from a path, git or a URL, not from the registry; its install scripts would run code nobody reviewed.` });
          } else if (!declared.has(name)) {
            out.push({ severity: 'warning', rule: 'install.undeclared', path: p, line, message: `package.json adds ${shown}, which the app's declared dependencies (the deploy dialog's list) do not include.` });
          }
        }
      }
      const scripts = rec.scripts;
      if (scripts && typeof scripts === 'object') {
        for (const name of LIFECYCLE_SCRIPTS) {
          if (typeof (scripts as Record<string, unknown>)[name] === 'string') {
            out.push({ severity: 'warning', rule: 'install.script', path: p, line: lineOf(file.content, new RegExp(`"${name}"\\s*:`)), message: `package.json has a "${name}" script, which runs when dependencies are installed.` });
          }
        }
      }
    } else if (/^requirements.*\.txt$/.test(base) || base === 'constraints.txt') {
      const lines = file.content.split('\n');
      for (let i = 0; i < lines.length; i++) {
        const raw = lines[i]!.replace(/(^|\s)#.*$/, '').trim();
        if (!raw) continue;
        const line = i + 1;
        if (raw.startsWith('-') || /^(?:[a-z+]+:\/\/|file:|\.{0,2}\/|~\/)/i.test(raw) || /\s@\s|^[A-Za-z0-9._-]+\s*@/.test(raw) || /\.(?:whl|tar\.gz|zip)$/i.test(raw)) {
          out.push({ severity: 'error', rule: 'install.non_registry', path: p, line, message: `${p} line ${line} installs from a path, URL, other index or another file, not a plain package from the index.` });
        } else if (!declaredPip.has(pipName(raw))) {
          out.push({ severity: 'warning', rule: 'install.undeclared', path: p, line, message: `${p} adds ${JSON.stringify(pipName(raw).slice(0, 80))}, which the app's declared dependencies (the deploy dialog's list) do not include.` });
        }
      }
    }
  }
  return out;
}

/** Line-by-line warnings for one file's code. */
export function scanCode(path: string, content: string): Finding[] {
  const out: Finding[] = [];
  const lines = content.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.length > 10000) continue; // minified blobs: not worth a regex pass per rule
    for (const r of CODE_WARNINGS) {
      if (r.re.test(line)) out.push({ severity: 'warning', rule: r.rule, path, line: i + 1, message: r.message });
    }
  }
  return out;
}

/** One line per finding, for a terminal or a log. */
export function formatFinding(f: Finding): string {
  const where = f.path ? `${f.path}${f.line ? `:${f.line}` : ''}: ` : '';
  return `${f.severity}: ${where}${f.message} [${f.rule}]`;
}
