/** Code patterns worth a warning, line by line. */
import type { Finding, Rule } from './finding';

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
