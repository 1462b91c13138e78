/**
 * The fix loop after a failed verification, in words and numbers every front shows the same way: each round's
 * patch, cost and result, and why the loop stopped. The loop itself is AppSession.deploy's (core/session: one
 * place, every front).
 */
import { formatUsd } from './pricing';
import type { VerifyState } from './verification';

/** One round: the model's patch applied as a new version, redeployed and verified again. */
export interface FixRound {
  round: number;
  /** The model's own words for its change. */
  summary?: string;
  /** Files the patch changed, added or deleted. */
  paths: string[];
  /** What the round's request cost (null: the price is unknown). */
  usd: number | null;
  /** The verification after the redeploy. */
  state: VerifyState;
  problems: number;
}

/** Why the loop ended before the app verified. */
export type FixStop = 'rounds' | 'cap' | 'no-key' | 'no-change' | 'invalid' | 'failed';

export interface FixOutcome {
  /** The rounds that ran, in order. */
  rounds: FixRound[];
  /** Their cost together (null: some price was unknown). */
  usd: number | null;
  /** Why it stopped with the app still failing its checks (undefined: verified, or no round was needed). */
  stopped?: { reason: FixStop; message: string };
}

/** Adds a round's price to a running total (unknown stays unknown). */
export function addUsd(total: number | null, usd: number | null): number | null {
  return total === null || usd === null ? null : total + usd;
}

/** The rounds as lines of text (agent tool results, logs): one per round, then why it stopped. */
export function fixLines(o: FixOutcome): string[] {
  const lines = o.rounds.map((r) => `Fix round ${r.round}: ${r.summary || 'changed'} (${r.paths.join(', ') || 'no files'}; ${formatUsd(r.usd)}) → ${r.state === 'problems' ? `${r.problems} problem${r.problems === 1 ? '' : 's'} left` : r.state}.`);
  if (o.rounds.length > 1) lines.push(`The fix rounds cost ${formatUsd(o.usd)} together.`);
  if (o.stopped) lines.push(o.stopped.message);
  return lines;
}
