/** A validator's finding: what every front shows for an app (the validator in validate/, events, drafts, the fronts). */
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
