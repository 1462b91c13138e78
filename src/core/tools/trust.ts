/**
 * Whether running an app needs a person's say-so: model-written code that would run on this machine without a
 * sandbox. Both agent fronts (the MCP server, the extension's language-model tools) ask this one question.
 */
import type { AppSpec } from '../app/spec';
import type { TrustedSpecs } from '../app/trust';
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

/** The one rule: a person's say-so is needed when code that is not ours would run unsandboxed on this machine. */
export function needsSayso(unsandboxed: boolean, ours: boolean): boolean {
  return unsandboxed && !ours;
}

export type RunDecision = { ok: true } | { ok: false; reason: string };

/**
 * May this app run with this provider without asking? Yes in a sandbox; yes for exactly the files a built-in
 * template produced in this process (`trusted`: a manifest saying "templates" is not enough, since
 * anyone can edit the folder); otherwise only when the person who started the front allowed it.
 */
export function mayRunWithoutAsking(
  spec: AppSpec,
  provider: Pick<SandboxProvider, 'id'> & MaybeIsolated,
  trusted: TrustedSpecs,
  allowLocalUnsandboxed: boolean,
): RunDecision {
  if (!needsSayso(runsUnsandboxed(provider), trusted.isOurs(spec))) return { ok: true };
  if (allowLocalUnsandboxed) return { ok: true };
  return {
    ok: false,
    reason: 'This app was written by a model (or edited since a built-in template wrote it) and the local runner would run it unsandboxed on this machine.',
  };
}
