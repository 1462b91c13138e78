/**
 * What a sandbox has cost so far, for every front: the CLI's `list`, the agent tools' listing (toolText.ts), the
 * extension's session total and Sandboxes view (sessionCost.ts) and the session's spend meter (core/session/spendMeter.ts). One rule:
 * a provider that does not bill (the local runner) costs nothing; a billed sandbox whose resources are unknown has
 * an unknown cost (null, shown "price unknown", never `$0`); time spent paused is not billed.
 */
import { formatUsd, sandboxCost } from '../base/pricing';
import type { ProviderId } from '../base/providerId';
import { providerInfo } from '../sandbox/providers';

/** The resources a running second is priced by (E2B's listing has them; its create answer does not). */
export interface SandboxResources {
  cpuCount?: number;
  memoryMB?: number;
}

export interface CostedSandbox extends SandboxResources {
  provider: ProviderId;
  /** ms since epoch */
  startedAt: number;
  /** Finished pauses, in ms (the extension counts them). */
  pausedMs?: number;
  /** Since when the current pause lasts (ms since epoch), when it is known. */
  pausedSince?: number;
  /**
   * A listed sandbox's state. Paused with no `pausedSince` (another process paused it): it ran at most until its
   * `endAt` (a sandbox paused at its timeout stopped then) — the cost is then an upper bound (`atMost`). Running, it
   * is billed up to `endAt` too: past its timeout E2B stopped it (killed or paused).
   */
  state?: 'running' | 'paused';
  endAt?: number;
}

/** Dollars for `seconds` of running time with these resources; null when they are unknown (never zero). */
export function runningCost(seconds: number, res: SandboxResources): number | null {
  return res.cpuCount && res.memoryMB ? sandboxCost(seconds, res.cpuCount, res.memoryMB) : null;
}

export interface SandboxSpend {
  /** Dollars so far; null: unknown (its resources are not known). */
  usd: number | null;
  /** Paused at an unknown moment: `usd` counts up to the latest it can have paused (its timeout, or now). */
  atMost: boolean;
  /** The provider does not bill (the local runner). */
  free: boolean;
}

/** What a sandbox has cost at `now`: only its running seconds count. */
export function sandboxSpend(s: CostedSandbox, now: number): SandboxSpend {
  if (!providerInfo(s.provider).billed) return { usd: 0, atMost: false, free: true };
  const guessed = s.pausedSince === undefined && s.state === 'paused';
  // Running or paused at an unknown moment, it ran at most until its timeout: E2B kills or pauses a sandbox then (an
  // extension moves `endAt`; a front that keeps a sandbox's record without listing it again would bill the rest).
  const until = s.pausedSince ?? Math.min(now, s.endAt ?? now);
  const seconds = Math.max(0, until - s.startedAt - (s.pausedMs ?? 0)) / 1000;
  const usd = runningCost(seconds, s);
  return { usd, atMost: guessed && usd !== null, free: false };
}

/** Dollars only (null: unknown), for totals. */
export function sandboxUsd(s: CostedSandbox, now: number): number | null {
  return sandboxSpend(s, now).usd;
}

/** The cost as the fronts print it: "$0.0123", "at most $0.0123", "price unknown", or "free (this machine)". */
export function formatSandboxSpend(s: CostedSandbox, now: number): string {
  const c = sandboxSpend(s, now);
  if (c.free) return 'free (this machine)';
  if (c.usd === null) return 'price unknown';
  return `${c.atMost ? 'at most ' : ''}${formatUsd(c.usd)}`;
}
