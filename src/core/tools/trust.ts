/**
 * Whether running an app needs a person's say-so: model-written code that would run on this machine without a
 * sandbox. Both agent fronts (the MCP server, the extension's language-model tools) ask this one question.
 */
import { createHash } from 'node:crypto';
import type { AppSpec } from '../spec';
import { providerInfo } from '../sandbox/providers';
import type { SandboxProvider } from '../sandbox/types';

/** What a local provider may report about its isolation (the bubblewrap runner will). */
interface MaybeIsolated {
  isolation?: () => { sandboxed: boolean };
}

/**
 * True when apps started by this provider run unsandboxed on this machine. E2B is a remote sandbox; the local
 * runner is unsandboxed unless it reports `isolation().sandboxed` (the bubblewrap runner).
 */
export function runsUnsandboxed(provider: Pick<SandboxProvider, 'id'> & MaybeIsolated): boolean {
  if (!providerInfo(provider.id).onThisMachine) return false;
  return !(typeof provider.isolation === 'function' && provider.isolation().sandboxed);
}

/** A digest of everything that runs: files, start command, dependencies. */
export function specDigest(spec: Pick<AppSpec, 'files' | 'startCommand' | 'dependencies'>): string {
  const h = createHash('sha256');
  h.update(JSON.stringify([spec.startCommand, [...spec.dependencies]]));
  for (const f of [...spec.files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) {
    h.update('\0' + f.path + '\0' + f.content);
  }
  return h.digest('hex');
}

export type RunDecision = { ok: true } | { ok: false; reason: string };

/**
 * May this app run with this provider without asking? Yes in a sandbox; yes for exactly the files a built-in
 * template produced in this process (`trustedDigests`: a manifest saying "templates" is not enough, since
 * anyone can edit the folder); otherwise only when the person who started the front allowed it.
 */
export function mayRunWithoutAsking(
  spec: AppSpec,
  provider: Pick<SandboxProvider, 'id'> & MaybeIsolated,
  trustedDigests: ReadonlySet<string>,
  allowLocalUnsandboxed: boolean,
): RunDecision {
  if (!runsUnsandboxed(provider)) return { ok: true };
  if (trustedDigests.has(specDigest(spec))) return { ok: true };
  if (allowLocalUnsandboxed) return { ok: true };
  return {
    ok: false,
    reason: 'This app was written by a model (or edited since a built-in template wrote it) and the local runner would run it unsandboxed on this machine.',
  };
}
