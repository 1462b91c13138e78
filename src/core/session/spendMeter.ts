/**
 * The one meter of a session's sandbox time: every front's billed sandboxes are charged to today's budget here, at
 * the price `core/deploy/cost.ts` gives (unknown stays unknown, paused time not billed), and at the cap the running
 * ones are paused (not deleted), with one message. A front does not meter: it tells the meter which sandboxes it
 * pays for (a source: the CLI's and the MCP server's apps add themselves through their AppSession; the extension
 * lists its window's sandboxes, pre-warmed and reloaded ones too), and how to pause one.
 */
import type { CostedSandbox } from '../deploy/cost';
import { sandboxUsd } from '../deploy/cost';
import { providerInfo } from '../sandbox/providers';
import { messageOf } from '../base/errors';
import type { Budget, ChargeOutcome } from '../deploy/budget';
import type { Logger } from '../base/events';

/** A sandbox a front pays for, as its source lists it now. */
export interface MeteredSandbox extends CostedSandbox {
  id: string;
  /** Its app's id (the events name it), and the name a message shows. */
  app?: string;
  name?: string;
  /**
   * Found running by this front after its start (the extension's sandboxes listed after a window reload): what it
   * cost before was charged then, so only its time from now on counts.
   */
  seenLate?: boolean;
  /** Pauses it at the cap (it keeps its memory and files and costs nothing paused); without it, it is left running. */
  pauseAtCap?: () => Promise<unknown>;
}

/** Lists the sandboxes a front pays for now. */
export type MeterSource = () => readonly MeteredSandbox[];

/** What the meter reports to the session: a charge's outcome, and the sandboxes paused at the cap. */
export interface MeterHost {
  readonly budget: Budget | undefined;
  report(outcome: ChargeOutcome, app: string | undefined): void;
  capPaused(paused: { id: string; app?: string; name: string }[], spent: string): void;
  readonly logger: Logger;
}

/**
 * How long a sandbox's price may stay unknown before it is counted unknown: E2B's create answer has no resources, and
 * a front learns them from the listing a moment later (then its time is charged in full, from its start).
 */
export const UNKNOWN_AFTER_MS = 60_000;

interface Seen {
  /** When the meter first listed it. */
  firstSeen: number;
  /** What was charged for it so far (or, seen late, its cost when first seen). */
  charged: number;
  unknownCharged: boolean;
  last: MeteredSandbox;
}

export class SpendMeter {
  private readonly sources = new Set<MeterSource>();
  private readonly seen = new Map<string, Seen>();
  private timer: NodeJS.Timeout | undefined;
  private pausing: Promise<void> | undefined;

  constructor(
    private readonly host: MeterHost,
    private readonly everyMs: number,
    private readonly clock: () => number = Date.now,
  ) {}

  /** A front's sandboxes, charged from now on at every tick (every `everyMs`, and when a front calls `tick`). Returns its removal. */
  add(source: MeterSource): () => void {
    this.sources.add(source);
    if (!this.timer) {
      this.timer = setInterval(() => void this.tick(), this.everyMs);
      this.timer.unref();
    }
    return () => {
      void this.tick(); // its sandboxes' last seconds, as the source lists them now (a pause since the last tick counts)
      this.sources.delete(source);
      // Gone from the list: this tick counts an unknown price of theirs, then forgets them.
      void this.tick();
      if (this.sources.size === 0) this.stop();
    };
  }

  /**
   * Charges every listed sandbox's time since the last tick (a sandbox no longer listed: up to now, once). Past the
   * cap, the running ones are paused; the promise settles when they are.
   */
  tick(): Promise<void> {
    const budget = this.host.budget;
    const now = this.clock();
    const listed = this.listed();
    const crossed: { warn?: string; reached?: string } = {};
    for (const [id, s] of this.seen) {
      if (!listed.has(id)) {
        // Gone since the last tick (destroyed, or forgotten by its front): its running time up to now, then no more.
        this.charge(budget, id, s.last, now, crossed, true);
        this.seen.delete(id);
      }
    }
    for (const s of listed.values()) this.charge(budget, s.id, s, now, crossed);
    if (!budget) return Promise.resolve();
    if (crossed.warn !== undefined && crossed.reached === undefined) this.host.report({ warn: true, reached: false }, crossed.warn || undefined);
    if (!budget.capped) return Promise.resolve();
    return this.atCap(budget, crossed.reached, [...listed.values()]);
  }

  /**
   * The cap is reached (a charge just crossed it: `reachedBy` is its app, '' for none): the running billed sandboxes
   * are paused, and they say so (one report); with none to pause, the cap's own note.
   */
  capReached(reachedBy: string): Promise<void> {
    const budget = this.host.budget;
    if (!budget) return Promise.resolve();
    const listed = this.listed();
    return this.atCap(budget, reachedBy, [...listed.values()]);
  }

  private atCap(budget: Budget, reachedBy: string | undefined, listed: MeteredSandbox[]): Promise<void> {
    return (this.pausing ??= this.pauseRunning(budget, listed)
      .then((paused) => {
        if (!paused && reachedBy !== undefined) this.host.report({ warn: false, reached: true }, reachedBy || undefined);
      })
      .finally(() => (this.pausing = undefined)));
  }

  /** Every source's sandboxes now, once each (a sandbox two fronts list is one). */
  private listed(): Map<string, MeteredSandbox> {
    const listed = new Map<string, MeteredSandbox>();
    for (const source of this.sources) for (const s of source()) listed.set(s.id, s);
    return listed;
  }

  private charge(budget: Budget | undefined, id: string, s: MeteredSandbox, now: number, crossed: { warn?: string; reached?: string }, gone = false): void {
    const usd = sandboxUsd(s, now);
    let seen = this.seen.get(id);
    if (!seen) this.seen.set(id, (seen = { firstSeen: now, charged: s.seenLate && usd !== null ? usd : 0, unknownCharged: false, last: s }));
    seen.last = s;
    if (!budget) return;
    let outcome: ChargeOutcome | undefined;
    if (usd === null) {
      // An unknown price is counted as unknown once per sandbox, never as zero: when it is still unknown a minute
      // after the sandbox was first seen, or when the sandbox goes.
      if (!seen.unknownCharged && (gone || now - seen.firstSeen >= UNKNOWN_AFTER_MS)) {
        seen.unknownCharged = true;
        outcome = budget.charge(null);
      }
    } else if (usd > seen.charged) {
      const delta = usd - seen.charged;
      seen.charged = usd;
      outcome = budget.charge(delta);
    }
    if (outcome?.warn) crossed.warn ??= s.app ?? '';
    if (outcome?.reached) crossed.reached ??= s.app ?? '';
  }

  /** Pauses the running billed sandboxes that can pause; true when one was. */
  private async pauseRunning(budget: Budget, listed: MeteredSandbox[]): Promise<boolean> {
    const running = listed.filter((s) => s.pauseAtCap && s.state !== 'paused' && s.pausedSince === undefined && providerInfo(s.provider).billed);
    if (running.length === 0) return false;
    const paused: { id: string; app?: string; name: string }[] = [];
    for (const s of running) {
      try {
        await s.pauseAtCap!();
        paused.push({ id: s.id, app: s.app, name: s.name ?? s.id });
      } catch (err) {
        this.host.logger.warn(`[budget] could not pause ${s.id}: ${messageOf(err)}`);
      }
    }
    if (paused.length) this.host.capPaused(paused, budget.describe());
    return paused.length > 0;
  }

  /** The meter's clock (a front's pause bookkeeping uses it, so that paused time is measured as the meter measures). */
  now(): number {
    return this.clock();
  }

  /** What it charged for a sandbox so far (tests, the bench); null when its price is unknown. */
  chargedFor(id: string): number | null | undefined {
    const s = this.seen.get(id);
    return s && (s.unknownCharged && s.charged === 0 ? null : s.charged);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
