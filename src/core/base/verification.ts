/** What a verification finds: one sentence per problem, the state, the page's title and pictures. */

export type VerifyState = 'verified' | 'problems' | 'http-only';

export type ProblemKind = 'exception' | 'console' | 'request' | 'blank' | 'load' | 'http' | 'check';

export interface VerifyProblem {
  kind: ProblemKind;
  /** One sentence. */
  message: string;
  /** The app's file (a path from its root) and line, when the browser gave them. */
  file?: string;
  line?: number;
}

export interface Screenshots {
  /** PNG at 1280×800. */
  wide: Uint8Array;
  /** PNG at 390×844 (a phone). */
  narrow: Uint8Array;
}

export interface VerifyResult {
  state: VerifyState;
  problems: VerifyProblem[];
  title?: string;
  screenshots?: Screenshots;
  /** How long the check took, browser start included when it started here. */
  ms: number;
  /** When the check finished (ms since epoch), set by the deploy step. */
  at?: number;
  /** One sentence when only the HTTP checks ran: why, and how to get the full check. */
  note?: string;
}

/** What every front says of an app deployed with the check off (SPAWN_APP_VERIFY=0, `spawnApp.verifyDeploys`). */
export const NOT_CHECKED = 'The app was not checked in a browser.';

export const WIDE_VIEWPORT = { width: 1280, height: 800 } as const;
export const NARROW_VIEWPORT = { width: 390, height: 844 } as const;

/** The one line a front shows for a result: `verified (N ms)`, or how many problems. */
export function verifySummary(r: Pick<VerifyResult, 'state' | 'problems' | 'ms'>): string {
  if (r.state === 'verified') return `verified (${r.ms} ms)`;
  if (r.state === 'http-only' && r.problems.length === 0) return `HTTP checks passed (${r.ms} ms); no browser for the full check`;
  const n = r.problems.length;
  return `${n} problem${n === 1 ? '' : 's'} found (${r.ms} ms)`;
}

/** A result in a word or two (the trees' descriptions): `verified`, `2 problems`, `HTTP-checked`. */
export function verifyWord(r: { state: VerifyState; problems: readonly unknown[] } | undefined): string | undefined {
  if (!r) return undefined;
  if (r.problems.length) return `${r.problems.length} problem${r.problems.length === 1 ? '' : 's'}`;
  return r.state === 'verified' ? 'verified' : 'HTTP-checked';
}

/** A problem as one line: its sentence and, when known, where (`app.js:12`). */
export function formatProblem(p: VerifyProblem): string {
  const where = p.file ? ` (${p.file}${p.line !== undefined ? `:${p.line}` : ''})` : '';
  return `${p.message}${where}`;
}

/** The result as lines of text (agent tool results, logs): the summary, each problem, the note. */
export function verifyLines(r: Pick<VerifyResult, 'state' | 'problems' | 'ms' | 'note'>): string[] {
  return [`Verification: ${verifySummary(r)}${r.problems.length ? ':' : '.'}`, ...r.problems.map((p) => `- ${formatProblem(p)}`), ...(r.note ? [r.note] : [])];
}
