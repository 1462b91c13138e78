/**
 * The CLI's `list` and `destroy ID|--all`: every provider's sandboxes. A provider that cannot be reached (E2B down,
 * a proxy in the way) does not hide the others: what could be listed is shown (or destroyed) first, then the
 * provider is named in one sentence and the command exits non-zero (5 for E2B's network and API errors).
 */
import { asSpawnError, SpawnError } from './core/base/errors';
import { formatSandboxSpend, sandboxSpend } from './core/deploy/cost';
import { providerInfo } from './core/sandbox/providers';
import { isolationWords } from './core/deploy/whereItRuns';
import { providerOfSandbox } from './core/deploy/sandboxes';
import type { LocalProvider } from './core/sandbox/local/provider';
import type { SandboxInfo, SandboxProvider } from './core/sandbox/types';

interface ListIo {
  out: (s: string) => void;
  err: (s: string) => void;
}

interface Failure {
  provider: SandboxProvider;
  error: SpawnError;
}

function age(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** Each provider's sandboxes; a provider whose list fails is a Failure, never the end of the listing. */
async function listEach(providers: readonly SandboxProvider[]): Promise<{ listed: { provider: SandboxProvider; sandboxes: SandboxInfo[] }[]; failed: Failure[] }> {
  const listed: { provider: SandboxProvider; sandboxes: SandboxInfo[] }[] = [];
  const failed: Failure[] = [];
  for (const provider of providers) {
    try {
      listed.push({ provider, sandboxes: await provider.list() });
    } catch (err) {
      failed.push({ provider, error: asSpawnError(err) });
    }
  }
  return { listed, failed };
}

/**
 * One error for what could not be reached, said after the rest was printed: the provider's own sentence ("Could not
 * reach E2B at … (…)") and what that left out, one line (no detail). Its code (and so the exit code) and hints are
 * the first failure's.
 */
function unreachable(failed: readonly Failure[], leftOut: string): SpawnError {
  const sentences = failed.map((f) => `${f.error.message.replace(/\.$/, '')}; ${leftOut}.`);
  const first = failed[0]!.error;
  return new SpawnError(first.code, sentences.join(' '), undefined, { hint: [...first.hints] });
}

export async function cmdList(opts: { json: boolean }, providers: readonly SandboxProvider[], io: ListIo, local: LocalProvider): Promise<number> {
  const { listed, failed } = await listEach(providers);
  const all = listed.flatMap((l) => l.sandboxes);
  const now = Date.now();
  if (opts.json) {
    for (const s of all) {
      // costUsd: null when its price is unknown (never 0 for that); costAtMost: paused at a moment not known here.
      const cost = sandboxSpend(s, now);
      io.out(JSON.stringify({ event: 'sandbox', ...s, ageMs: now - s.startedAt, timeLeftMs: s.endAt ? s.endAt - now : null, costUsd: cost.usd, ...(cost.atMost ? { costAtMost: true } : {}) }));
    }
  } else if (all.length === 0) {
    io.err(failed.length ? 'No sandboxes where they could be listed.' : 'No sandboxes.');
  } else {
    for (const s of all) {
      const left = s.state === 'paused' ? 'paused (a request to its URL resumes it)' : s.endAt ? `${age(s.endAt - now)} left${s.onTimeout === 'pause' ? ', then paused' : ''}` : 'while its owner runs';
      const cost = formatSandboxSpend(s, now);
      // A listed sandbox says for itself whether it ran sandboxed (another process may have started it); the why is this runner's.
      const iso = !providerInfo(s.provider).onThisMachine ? '' : `, ${isolationWords({ ...local.isolation(), sandboxed: s.sandboxed === true })}`;
      io.out(`${s.id}  ${s.provider}  ${s.state ? `${s.state}  ` : ''}${s.appName}  ${s.url ?? ''}  age ${age(now - s.startedAt)}, ${left}, ${cost}${iso}${s.orphan ? '  (orphan: its owner is gone)' : ''}`);
    }
  }
  if (failed.length) throw unreachable(failed, 'its sandboxes are not listed');
  return 0;
}

export async function cmdDestroy(id: string | undefined, all: boolean, providers: readonly SandboxProvider[], io: ListIo): Promise<number> {
  if (all) {
    const { listed, failed } = await listEach(providers);
    let n = 0;
    for (const { provider, sandboxes } of listed) {
      for (const s of sandboxes) {
        try {
          if (await provider.destroy(s.id)) n++;
        } catch (err) {
          failed.push({ provider, error: asSpawnError(err) });
        }
      }
    }
    io.err(`Destroyed ${n} sandbox${n === 1 ? '' : 'es'}.`);
    if (failed.length) throw unreachable(failed, 'its sandboxes were not destroyed');
    return 0;
  }
  if (await providerOfSandbox(providers, id!).destroy(id!)) {
    io.err(`Destroyed ${id}.`);
    return 0;
  }
  throw new SpawnError('deploy.not_found', `No sandbox ${id} was found (it may have ended already).`);
}
