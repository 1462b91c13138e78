/** The CLI's `pause ID` / `resume ID`: E2B sandboxes paused at their timeout (or on request) and woken again. */
import { DEFAULTS } from './core/base/config';
import type { CoreConfig } from './core/base/config';
import { SpawnError } from './core/base/errors';
import { providerInfo } from './core/sandbox/providers';
import { providerOfSandbox } from './core/deploy/sandboxes';
import type { SandboxProvider } from './core/sandbox/types';

function target(providers: readonly SandboxProvider[], id: string | undefined, verb: 'pause' | 'resume'): SandboxProvider & Required<Pick<SandboxProvider, 'pause' | 'resume'>> {
  if (!id) throw new SpawnError('usage', `${verb} needs a sandbox ID (see spawn-app list). Run "spawn-app --help" for usage.`);
  const p = providerOfSandbox(providers, id);
  if (!p.pause || !p.resume) {
    throw new SpawnError('usage', `Sandbox ${id} runs on the ${providerInfo(p.id).label}, which cannot pause: it lives as long as the process that started it.`);
  }
  return p as SandboxProvider & Required<Pick<SandboxProvider, 'pause' | 'resume'>>;
}

export async function cmdPause(id: string | undefined, providers: readonly SandboxProvider[], say: (s: string) => void): Promise<number> {
  const p = target(providers, id, 'pause');
  const paused = await p.pause(id!);
  say(paused ? `Paused ${id}: it costs nothing while paused; a request to its URL, or spawn-app resume ${id}, wakes it.` : `${id} was paused already.`);
  return 0;
}

export async function cmdResume(id: string | undefined, providers: readonly SandboxProvider[], cfg: CoreConfig, say: (s: string) => void): Promise<number> {
  const p = target(providers, id, 'resume');
  const timeoutMs = cfg.sandboxTimeoutMs ?? DEFAULTS.sandboxTimeoutMs;
  await p.resume(id!, timeoutMs);
  say(`Resumed ${id} for ${Math.round(timeoutMs / 60_000)} min (SPAWN_APP_SANDBOX_TIMEOUT_MS sets how long).`);
  return 0;
}
