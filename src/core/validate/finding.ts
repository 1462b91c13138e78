/** What validation reports (the Finding type lives in base/finding.ts): errors or not, one line each, and a rule. */

import type { Finding } from '../base/finding';

export type { Finding, Severity } from '../base/finding';

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
