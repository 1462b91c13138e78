/**
 * Whether running an app needs a person's say-so: model-written code that would run on this machine without a
 * sandbox. Both agent fronts (the MCP server, the extension's language-model tools) ask this one question.
 */
import type { AppSpec } from '../app/spec';
import type { TrustedSpecs } from '../app/trust';
import type { IsolationReport, WhereOptions } from '../deploy/whereItRuns';
import { whereItRuns } from '../deploy/whereItRuns';
import type { ProviderId } from '../base/providerId';
import { providerInfo } from '../sandbox/providers';
import { GENERATORS } from '../generate/types';
import type { SandboxProvider } from '../sandbox/types';

/** What a local provider may report about its isolation (the bubblewrap runner will). */
interface MaybeIsolated {
  isolation?: () => Isolation;
}

/** An isolation report as a provider gives it (the network part only matters to the detailed sentence). */
type Isolation = Pick<IsolationReport, 'sandboxed' | 'reason'> & { network?: boolean };

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

/** Who wrote code that is not ours, as far as the front knows: a model it asked, or a folder (read, restored, edited). */
export type CodeOrigin = 'model' | 'folder';

/** Who wrote an app, from the generator its manifest or draft names: a model generator of the table, else a folder's. */
export function codeOrigin(generator: string | undefined): CodeOrigin {
  return generator !== undefined && generator !== 'templates' && Object.prototype.hasOwnProperty.call(GENERATORS, generator) ? 'model' : 'folder';
}

const WHO: Record<CodeOrigin, string> = {
  model: 'written by a model',
  folder: 'not generated from a built-in template just now (it was read from a folder, restored or edited)',
};

/** What every front says about where an app runs: the provider table's sentence and the trust rule's decision. */
export interface RunsHere {
  /** The one sentence: "an E2B sandbox", "the local runner (this machine, sandboxed)", "… not sandboxed: <why>)". */
  where: string;
  /** On this machine, for a list's line: "sandboxed" or "not sandboxed" (undefined for a remote provider). */
  isolation?: 'sandboxed' | 'not sandboxed';
  /** The code would run unsandboxed on this machine and is not ours: a person's say-so is needed (needsSayso). */
  needsSayso: boolean;
  /** Then the warning, one sentence: who wrote it, and that the runner would run it unsandboxed, with why. */
  warning?: string;
}

/**
 * Where an app would run (or runs), and whether and how to warn: the one function every front's words come from (the
 * CLI's question, the MCP refusal, the extension's deploy dialog, the Sandboxes view, the chat tools).
 */
export function runsHere(provider: ProviderId, iso: Isolation | undefined, o: WhereOptions & { ours?: boolean; origin?: CodeOrigin } = {}): RunsHere {
  const info = providerInfo(provider);
  const where = whereItRuns(provider, iso && { network: true, ...iso }, o);
  if (!info.onThisMachine) return { where, needsSayso: false };
  const sandboxed = iso?.sandboxed === true;
  const sayso = needsSayso(!sandboxed, o.ours === true);
  const warning = sayso ? `This code was ${WHO[o.origin ?? 'model']}, and ${info.where} would run it unsandboxed on this machine, with your permissions${iso?.reason ? ` (${iso.reason})` : ''}.` : undefined;
  return { where, isolation: sandboxed ? 'sandboxed' : 'not sandboxed', needsSayso: sayso, warning };
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
  origin: CodeOrigin = 'model',
): RunDecision {
  const ours = trusted.isOurs(spec);
  if (!needsSayso(runsUnsandboxed(provider), ours)) return { ok: true };
  if (allowLocalUnsandboxed) return { ok: true };
  return { ok: false, reason: runsHere(provider.id, provider.isolation?.(), { ours, origin }).warning! };
}
