/**
 * Pre-warm while the model writes: as soon as generation starts, a sandbox is created from the app type's template
 * (metadata `prewarm=true`, a short provider timeout), so that on confirmation only the write and the health check
 * remain (deployInto). Nothing of the model's is written into it before the user confirms.
 *
 * One owner per generation: `start` begins the create; `take()` hands the sandbox to the deploy (once); `discard`
 * kills it (generation failed or was cancelled, the user rejected the deploy or picked the local runner). An idle
 * timer discards it when nobody takes it within `idleMs` (`spawnApp.prewarmMinutes`). Used by the CLI's `run` and by
 * the extension (the Spawner starts it, the DeployService takes it).
 *
 * With a non-template E2B setting (`e2bTemplate` = base or a custom template) pre-warm still applies: the sandbox
 * has no server running, so the deploy writes, installs and starts in it, but the create is already done.
 */
import { isCancelled, messageOf } from '../base/errors';
import type { Logger } from '../base/events';
import { nullLogger } from '../base/events';
import type { AppType } from '../app/spec';
import type { Sandbox, SandboxProvider } from '../sandbox/types';
import type { ProviderId } from '../base/providerId';
import { providerInfo } from '../sandbox/providers';

export type PrewarmState = 'creating' | 'ready' | 'taken' | 'discarded' | 'failed';

export type DiscardReason = 'generation-failed' | 'cancelled' | 'rejected' | 'local-chosen' | 'timeout' | 'disposed' | 'not-used';

export type PrewarmEvent =
  | { kind: 'created'; sandbox: Sandbox; createMs: number }
  | { kind: 'taken'; sandboxId: string }
  | { kind: 'discarded'; reason: DiscardReason; sandboxId?: string }
  | { kind: 'failed'; error: unknown };

/** The clock the idle timer runs on (tests inject one they advance by hand). */
export interface PrewarmClock {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const realClock: PrewarmClock = {
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, ms);
    t.unref?.();
    return t;
  },
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

/** Default time a pre-warmed sandbox waits for a confirmation (`spawnApp.prewarmMinutes`). */
export const DEFAULT_PREWARM_MINUTES = 5;

/** The metadata that marks a pre-warmed sandbox (E2B keeps a sandbox's metadata for its whole life). */
export const PREWARM_METADATA = { prewarm: 'true' } as const;

export interface PrewarmOptions {
  provider: SandboxProvider;
  appType: AppType;
  /** Shown in lists until an app is deployed into it. */
  appName?: string;
  /** How long it waits for take() before it is killed; default 5 min. */
  idleMs?: number;
  /** The provider's own lifetime for it: a safety net should this process die (default idleMs + 1 min). */
  timeoutMs?: number;
  metadata?: Record<string, string>;
  logger?: Logger;
  onEvent?: (e: PrewarmEvent) => void;
  clock?: PrewarmClock;
}

export class Prewarm {
  private stateNow: PrewarmState = 'creating';
  private sandbox?: Sandbox;
  private readonly abort = new AbortController();
  private timer: unknown;
  private readonly created: Promise<Sandbox | undefined>;
  private discarding?: Promise<void>;
  private readonly logger: Logger;
  private readonly clock: PrewarmClock;
  readonly appType: AppType;
  readonly provider: SandboxProvider;

  private constructor(private readonly opts: PrewarmOptions) {
    this.logger = opts.logger ?? nullLogger;
    this.clock = opts.clock ?? realClock;
    this.appType = opts.appType;
    this.provider = opts.provider;
    const idleMs = opts.idleMs ?? DEFAULT_PREWARM_MINUTES * 60_000;
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      void this.discard('timeout');
    }, idleMs);
    const t0 = Date.now();
    this.created = opts.provider
      .create({
        appName: opts.appName ?? `prewarm-${opts.appType}`,
        appType: opts.appType,
        timeoutMs: opts.timeoutMs ?? idleMs + 60_000,
        metadata: { ...opts.metadata, ...PREWARM_METADATA },
        signal: this.abort.signal,
      })
      .then(
        async (sandbox) => {
          if (this.stateNow !== 'creating') {
            // Discarded while the create was under way (the provider finished it anyway): kill it now.
            await sandbox.destroy().catch((e: unknown) => this.logger.warn(`[prewarm] could not kill ${sandbox.id}: ${messageOf(e)}`));
            return undefined;
          }
          this.sandbox = sandbox;
          this.stateNow = 'ready';
          this.logger.info(`[prewarm] ${opts.provider.id} sandbox ${sandbox.id} ready for a ${opts.appType} app in ${Date.now() - t0} ms`);
          this.emit({ kind: 'created', sandbox, createMs: Date.now() - t0 });
          return sandbox;
        },
        (err: unknown) => {
          if (this.stateNow === 'creating') {
            this.stateNow = 'failed';
            this.stopTimer();
            this.logger.warn(`[prewarm] create failed (the deploy will create its own): ${messageOf(err)}`);
            this.emit({ kind: 'failed', error: err });
          } else if (!isCancelled(err)) {
            this.logger.warn(`[prewarm] create failed after discard: ${messageOf(err)}`);
          }
          return undefined;
        },
      );
  }

  /** Starts creating a sandbox for an app of this type. Never throws: a failed create only means no pre-warm. */
  static start(opts: PrewarmOptions): Prewarm {
    return new Prewarm(opts);
  }

  get state(): PrewarmState {
    return this.stateNow;
  }

  /** The sandbox once created and while nobody took or discarded it. */
  get current(): Sandbox | undefined {
    return this.stateNow === 'ready' ? this.sandbox : undefined;
  }

  /** Resolves when the create has finished (with the sandbox, or undefined when it failed or was discarded). */
  settled(): Promise<Sandbox | undefined> {
    return this.created.then((s) => (this.stateNow === 'ready' || this.stateNow === 'taken' ? s : undefined));
  }

  /**
   * Hands the sandbox to a deploy (waiting for the create when it is still under way); from then on the deploy
   * owns it. Undefined when the create failed, or it was discarded or taken already: the deploy creates its own.
   */
  async take(): Promise<Sandbox | undefined> {
    if (this.stateNow !== 'creating' && this.stateNow !== 'ready') return undefined;
    const sandbox = await this.created;
    if (this.stateNow !== 'ready' || !sandbox) return undefined;
    this.stateNow = 'taken';
    this.stopTimer();
    this.logger.info(`[prewarm] sandbox ${sandbox.id} taken by the deploy`);
    this.emit({ kind: 'taken', sandboxId: sandbox.id });
    return sandbox;
  }

  /** Kills the sandbox (or the create under way); does nothing once it was taken. Idempotent. */
  discard(reason: DiscardReason): Promise<void> {
    if (this.stateNow === 'taken' || this.stateNow === 'discarded') return this.discarding ?? Promise.resolve();
    const wasFailed = this.stateNow === 'failed';
    this.stateNow = 'discarded';
    this.stopTimer();
    if (wasFailed) return Promise.resolve();
    this.abort.abort();
    const sandbox = this.sandbox;
    this.logger.info(`[prewarm] discarding${sandbox ? ` sandbox ${sandbox.id}` : ' the create under way'} (${reason})`);
    this.discarding = (async () => {
      if (sandbox) await sandbox.destroy().catch((e: unknown) => this.logger.warn(`[prewarm] could not kill ${sandbox.id}: ${messageOf(e)}`));
      else await this.created; // the provider kills a cancelled create's sandbox; the then() above kills a late one
      this.emit({ kind: 'discarded', reason, sandboxId: sandbox?.id });
    })();
    return this.discarding;
  }

  private stopTimer(): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private emit(e: PrewarmEvent): void {
    try {
      this.opts.onEvent?.(e);
    } catch (err) {
      this.logger.warn(`[prewarm] event handler failed: ${messageOf(err)}`);
    }
  }
}

// ---- the decisions every front takes from here (the CLI's run, the extension's Spawner and DeployService) ----

/** "E2B only": a front pre-warms when its flag or setting allows it and the provider the deploy will use can. */
export function prewarmWanted(enabled: boolean, provider: ProviderId): boolean {
  return enabled && providerInfo(provider).prewarm;
}

/**
 * The take rule: the pre-warmed sandbox goes to a deploy of the same app type (its template serves that stack) on
 * the same provider; otherwise it is discarded at once (`not-used`) and the deploy creates its own. Undefined also
 * when the create failed or it was discarded already.
 */
export async function takePrewarm(prewarm: Prewarm | undefined, appType: AppType, provider: ProviderId): Promise<Sandbox | undefined> {
  if (!prewarm) return undefined;
  if (prewarm.appType === appType && prewarm.provider.id === provider) return prewarm.take();
  await prewarm.discard('not-used');
  return undefined;
}

/**
 * Extend after take: a pre-warmed sandbox was made with a short lifetime; once it runs the app it lives as long as
 * any sandbox (`timeoutMs`). Nothing to do when the deploy did not go into a pre-warmed sandbox. A failure is only
 * reported (`warn`): the app runs, with the shorter lifetime.
 */
export async function extendAfterTake(taken: Sandbox | undefined, extend: (ms: number) => Promise<unknown>, timeoutMs: number, warn: (message: string) => void): Promise<void> {
  if (!taken) return;
  await extend(timeoutMs).then(
    () => undefined,
    (e: unknown) => warn(`could not extend the pre-warmed sandbox ${taken.id}'s lifetime: ${messageOf(e)}`),
  );
}
