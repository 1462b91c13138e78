/**
 * `spawn-app list`: every provider's sandboxes with their state and cost (the session's: an unknown price stays
 * unknown). A provider that cannot be reached (E2B down, a proxy in the way) does not hide the others: what could be
 * listed is shown first, then the provider is named in one sentence and the command exits non-zero (5 for E2B's
 * network and API errors). Each sandbox's data folder shows as the Sandboxes view shows it (`dataLabel`: "data 12 KB",
 * nothing when empty); `--json` gives `dataBytes` when known.
 */
import { SpawnError } from '../../core/base/errors';
import type { ProviderFailure } from '../../core/session';
import { dataLabel } from '../../core/session';
import type { Ctx } from '../context';

export function age(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/**
 * One error for what could not be reached, said after the rest was printed: the provider's own sentence ("Could not
 * reach E2B at … (…)") and what that left out, one line (no detail). Its code (and so the exit code) and hints are
 * the first failure's.
 */
export function unreachable(failed: readonly ProviderFailure[], leftOut: string): SpawnError {
  const sentences = failed.map((f) => `${f.error.message.replace(/\.$/, '')}; ${leftOut}.`);
  const first = failed[0]!.error;
  return new SpawnError(first.code, sentences.join(' '), undefined, { hint: [...first.hints] });
}

export async function cmdList(ctx: Ctx): Promise<number> {
  const now = Date.now();
  const { sandboxes, failed } = await ctx.session.listSandboxes(now);
  const { io } = ctx;
  if (ctx.opts.json) {
    for (const { cost, costText: _text, isolation: _iso, ...s } of sandboxes) {
      // costUsd: null when its price is unknown (never 0 for that); costAtMost: paused at a moment not known here.
      io.out(JSON.stringify({ event: 'sandbox', ...s, ageMs: now - s.startedAt, timeLeftMs: s.endAt ? s.endAt - now : null, costUsd: cost.usd, ...(cost.atMost ? { costAtMost: true } : {}) }));
    }
  } else if (sandboxes.length === 0) {
    io.err(failed.length ? 'No sandboxes where they could be listed.' : 'No sandboxes.');
  } else {
    for (const s of sandboxes) {
      const left = s.state === 'paused' ? 'paused (a request to its URL resumes it)' : s.endAt ? `${age(s.endAt - now)} left${s.onTimeout === 'pause' ? ', then paused' : ''}` : 'while its owner runs';
      const data = dataLabel(s.dataBytes);
      io.out(`${s.id}  ${s.provider}  ${s.state ? `${s.state}  ` : ''}${s.appName}  ${s.url ?? ''}  age ${age(now - s.startedAt)}, ${left}, ${s.costText}${s.isolation ? `, ${s.isolation}` : ''}${data ? `, ${data}` : ''}${s.orphan ? '  (orphan: its owner is gone)' : ''}`);
    }
  }
  if (failed.length) throw unreachable(failed, 'its sandboxes are not listed');
  return 0;
}
