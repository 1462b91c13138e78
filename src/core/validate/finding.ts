/** What validation reports: findings with a severity, a rule id and, where it has one, a place. */

export type Severity = 'error' | 'warning';

export interface Finding {
  severity: Severity;
  rule: string;
  /** App-relative path of the file concerned; absent for spec-level findings (start command, limits). */
  path?: string;
  /** 1-based line number in that file. */
  line?: number;
  message: string;
}

export function hasErrors(findings: readonly Finding[]): boolean {
  return findings.some((f) => f.severity === 'error');
}

/** One line per finding, for a terminal or a log. */
export function formatFinding(f: Finding): string {
  const where = f.path ? `${f.path}${f.line ? `:${f.line}` : ''}: ` : '';
  return `${f.severity}: ${where}${f.message} [${f.rule}]`;
}

/** A rule that matches a line or a command: its id, its pattern and the sentence it reports. */
export interface Rule {
  rule: string;
  re: RegExp;
  message: string;
}
