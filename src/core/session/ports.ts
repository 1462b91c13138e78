/**
 * What a front supplies to a session (index.ts): how to ask a person, where today's spend is kept, how progress is
 * shown, and a logger. Nothing else: every decision (trust, cap, pre-warm, restart vs recreate, install, secrets,
 * cost, where it runs) is the session's.
 */
import type { SpendStore } from '../deploy/budget';
import type { Logger, SpawnEvent } from '../base/events';
import type { DiscardReason } from '../deploy/prewarm';
import type { ProviderId } from '../base/providerId';
import type { AppSpec } from '../app/spec';
import type { Finding } from '../base/finding';
import type { DeployKind } from '../deploy/redeployPlan';
import type { SandboxProvider } from '../sandbox/types';
import type { VerifyState } from '../base/verification';
import type { FixStop } from '../base/fixOutcome';

/** Code not ours (a model's, a folder's, an edited template) would run unsandboxed on this machine. */
export interface UnsandboxedRun {
  /** The app id or name the question is about. */
  app: string;
  spec: AppSpec;
  /** Who wrote it as far as this process knows: a model it asked now, or a folder (read from disk, edited). */
  origin: 'model' | 'folder';
  /** Why the local runner does not sandbox (its isolation report), when it says. */
  reason?: string;
  /** The session's sentence for it (core/tools/trust.ts `runsHere`: who wrote it, unsandboxed on this machine, why): every front says it. */
  message: string;
  /** Where it would run: the one sentence (core/whereItRuns.ts). */
  where: string;
  /** Validation with the app's secrets (a secret's value in a file, a secret read in browser code): shown with the question. */
  findings: Finding[];
}

/** A paid call (a model, a billed sandbox) would start past today's cap. */
export interface PastCap {
  /** What would start: "generation", "refine", "E2B sandbox", "generation or E2B sandbox". */
  what: string;
  /** "$2.10 / $2.00 today". */
  spent: string;
  /** The session's refusal sentence (the error's message when the answer is no). */
  refusal: string;
}

/** What runs (start command, dependencies) changed since the person approved the app for its sandbox. */
export interface ChangedApproval {
  app: string;
  spec: AppSpec;
  approved: { startCommand: string; dependencies: readonly string[] };
}

/**
 * A deploy a front confirms every time (the extension's modal): a first deploy, or an update or restart in place that
 * runs something the person has not approved in that sandbox. Every decision is made already: trust, validation with
 * the secrets, what changed, where it runs; the front only shows it.
 */
export interface DeployQuestion {
  app: string;
  spec: AppSpec;
  kind: DeployKind;
  provider: SandboxProvider;
  /** Who wrote it as this process knows it (see UnsandboxedRun.origin), and the generator its manifest names. */
  origin: 'model' | 'folder';
  generator?: string;
  /** Code not ours would run unsandboxed on this machine (the one trust rule): the question warns. */
  unsandboxed: boolean;
  /** Validation with the app's secrets (a secret's value in a file, a secret read in browser code). */
  findings: Finding[];
  /** What the provider would install (undefined: nothing, or all preinstalled). */
  install?: string;
  /** An update or restart: what changed since the approval, in words (never empty). Undefined: nothing is approved yet. */
  changed?: string[];
}

/**
 * How a front asks a person. Each answer: true to go on; false for "no" (the session then throws a CancelledError
 * for the unsandboxed run and the changed approval, or the budget's refusal sentence for the cap). A port may also
 * throw its own error (the CLI without a terminal: a usage sentence naming --yes; the MCP server: a refusal naming
 * its flag).
 */
export interface AskPort {
  unsandboxedRun(q: UnsandboxedRun): Promise<boolean>;
  pastCap(q: PastCap): Promise<boolean>;
  /** Left out: nobody approves what runs (the headless fronts); the change goes on. */
  changedApproval?(q: ChangedApproval): Promise<boolean>;
  /**
   * A front that confirms every deploy (the extension): asked before every first deploy and before an update or
   * restart that runs something not approved (start command, dependencies, new warnings). Given, it stands in for
   * `unsandboxedRun` and `changedApproval` on a deploy (the question says whether the code runs unsandboxed).
   */
  deploy?(q: DeployQuestion): Promise<boolean>;
}

/** What a session reports beyond the pipeline's events (SpawnEvent), every string redacted of the app's secrets. */
export type SessionEvent =
  | SpawnEvent
  /** A built-in template stands in for a model (no key): said once, before it is generated. */
  | { event: 'notice'; kind: 'template-stand-in'; message: string }
  | { event: 'prewarm'; status: 'ready' | 'discarded' | 'failed'; sandboxId?: string; reason?: DiscardReason; durationMs?: number; message?: string }
  /**
   * The cap: `warning` at 80 %, `reached` when a charge reaches it, `paused` when a billed sandbox of this session was
   * paused (not deleted) at the cap (`sandboxId`). `spent` is the budget's "$0.42 / $2.00 today".
   */
  | { event: 'budget'; status: 'warning' | 'reached' | 'paused'; message: string; spent: string; sandboxId?: string }
  /** Before a deploy on this machine: what the local runner isolates. `words`: the one sentence's detail. */
  | { event: 'isolation'; provider: ProviderId; sandboxed: boolean; reason?: string; network: boolean; words: string }
  /**
   * The fix loop after a failed verification: a round `started` (before its paid request), `finished` (its patch
   * applied as a new version, redeployed and verified again: `state`, its cost `usd`, the loop's `totalUsd`), or
   * the loop `stopped` with the app still failing (the cap, the rounds used up, no usable patch).
   */
  | { event: 'fix'; status: 'started'; round: number; rounds: number }
  | { event: 'fix'; status: 'finished'; round: number; rounds: number; usd: number | null; totalUsd: number | null; state: VerifyState; problems: number; summary?: string; paths: string[] }
  | { event: 'fix'; status: 'stopped'; round: number; rounds: number; reason: FixStop; message: string; totalUsd: number | null }
  /** Something went wrong that does not stop the app (a pre-warmed sandbox's lifetime could not be extended). */
  | { event: 'warning'; message: string };

export interface SessionPorts {
  ask: AskPort;
  /** Where today's spend is kept (the headless fronts: spendFile(); the extension: its globalState). None: no cap. */
  spend?: SpendStore;
  /** Progress of every app of the session; `app` is the app's id (undefined for a session-wide event). */
  progress(e: SessionEvent, app: string | undefined): void;
  logger?: Logger;
}
