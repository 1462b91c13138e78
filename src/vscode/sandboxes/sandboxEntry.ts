/**
 * One sandbox as the extension knows it. Entries are immutable: only the SandboxRegistry makes new ones (and
 * fires `onDidChange`); everyone else reads them.
 */
import type { Deployment } from '../../core/deploy/deploy';
import { FIXABLE_CODES } from '../../core/base/errors';
import type { ProviderId } from '../../core/base/providerId';
import type { Sandbox, SandboxProvider } from '../../core/sandbox/types';

/** `paused`: an E2B sandbox paused at its timeout or on request; a request to its URL, or Resume, wakes it. */
export type SandboxStatus = 'starting' | 'running' | 'paused' | 'failed';

/**
 * Where an entry comes from (one word, one meaning):
 * - `deployed`: this window deployed it (or took it over); it holds the live handle while it lives;
 * - `reloaded`: this window's own, listed by its provider after a window reload; a deploy of its app takes it over;
 * - `other`: another window's or machine's, listed apart; this window only shows, extends and destroys it.
 */
export type SandboxOrigin = 'deployed' | 'reloaded' | 'other';

/** What the user approved to run in this sandbox (the session's, core/session/approval.ts): a redeploy that runs something else asks again. */
export type { Approval } from '../../core/session';
import type { Approval } from '../../core/session';

export interface EntryError {
  readonly message: string;
  readonly detail?: string;
  /** The SpawnError code (which step failed, for Fix with Claude). */
  readonly code?: string;
}

export interface SandboxEntry {
  readonly id: string;
  readonly provider: ProviderId;
  readonly providerRef: SandboxProvider;
  readonly origin: SandboxOrigin;
  readonly appId?: string;
  readonly appName: string;
  readonly status: SandboxStatus;
  /** What is happening now, for a status line ("Installing dependencies…"). */
  readonly phase?: string;
  readonly url?: string;
  readonly startedAt: number;
  /** Time spent paused (E2B bills nothing then): finished pauses, and since when the current one lasts. */
  readonly pausedMs?: number;
  readonly pausedSince?: number;
  readonly endAt?: number;
  readonly cpuCount?: number;
  readonly memoryMB?: number;
  /** Bytes in its app data folder ($DATA_DIR) when last looked (undefined: not known, e.g. paused). */
  readonly dataBytes?: number;
  /** The live handle (absent while a first deploy runs, after it failed, and for listed sandboxes). */
  readonly sandbox?: Sandbox;
  /** What runs in it now, when this window started it. */
  readonly deployment?: Deployment;
  readonly error?: EntryError;
  /** Being destroyed: its app's exit is expected, not a failure. */
  readonly stopping: boolean;
  readonly approved?: Approval;
  /** Pre-warmed for an app being generated (core/deploy/prewarm.ts): made from its template, nothing of the app's in it yet. */
  readonly prewarmed?: boolean;
}

/** The entry's app runs from this window: it can be redeployed in place. */
export function isLive(e: SandboxEntry | undefined): e is SandboxEntry & { sandbox: Sandbox; deployment: Deployment } {
  return e?.status === 'running' && e.sandbox !== undefined && e.deployment !== undefined;
}

/**
 * The entry's app runs from this window, or is being redeployed into its sandbox right now (a hot redeploy after a
 * save, the verification after it): a change made meanwhile is redeployed after it (deploys of an app take turns),
 * not dropped.
 */
export function liveOrRedeploying(e: SandboxEntry | undefined): boolean {
  return e !== undefined && e.sandbox !== undefined && e.deployment !== undefined && (e.status === 'running' || e.status === 'starting');
}

/**
 * What Fix with Claude would fix in the entry's app (the one rule: the preview, the Sandboxes item's menu, the
 * notification and the command all ask it): `step`, an install, start or health check that failed; `verification`,
 * an app that runs but whose check in a browser found problems no automatic fix round fixed (autoVerifyFix 0, or its
 * rounds used up; while rounds run the entry is `starting`); undefined, nothing.
 */
export type FixNeed = 'step' | 'verification';

export function fixNeeded(e: SandboxEntry | undefined): FixNeed | undefined {
  if (e?.status === 'failed' && FIXABLE_CODES.has(e.error?.code ?? '')) return 'step';
  if (e?.status === 'running' && e.deployment?.verification?.problems.length) return 'verification';
  return undefined;
}
