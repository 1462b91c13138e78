/**
 * One app's life, for every front: generate, save, deploy (first deploy, update in place, restart in place),
 * refine, pause, resume, stop. Each decision is taken here, once, from its owner in the core; the front is asked only
 * through its ports (ports.ts) and shown progress as events.
 */
import { saveApp, updateApp } from '../workspace/appDir';
import type { MeteredSandbox, SpendMeter } from './spendMeter';
import type { Deployment } from '../deploy/deploy';
import { deploy, installCommand, redeploy, restartInPlace } from '../deploy/deploy';
import { CancelledError, isCancelled, messageOf, SpawnError } from '../base/errors';
import type { GeneratorChoice } from '../generate';
import { createGenerator } from '../generate';
import { templateStandInNotice } from '../generate/templates';
import type { Usage } from '../generate/types';
import type { AppPatch } from '../workspace/patch';
import { applyPatch } from '../workspace/patch';
import type { SpecDiff } from '../workspace/specDiff';
import type { DeployKind, RedeployPlan } from '../deploy/redeployPlan';
import { deployKind, planRedeploy } from '../deploy/redeployPlan';
import { servesHotUpdates } from '../stacks';
import type { DiscardReason, PrewarmOptions } from '../deploy/prewarm';
import { extendAfterTake, Prewarm, prewarmWanted, takePrewarm } from '../deploy/prewarm';
import type { ProviderChoice } from '../sandbox';
import { providerInfo } from '../sandbox/providers';
import type { Sandbox, SandboxInfo, SandboxProvider } from '../sandbox/types';
import type { AppSpec } from '../app/spec';
import { appNameFrom } from '../app/spec';
import { mayRunWithoutAsking } from '../tools/trust';
import type { Finding } from '../base/finding';
import { hasErrors } from '../validate';
import type { Budget } from '../deploy/budget';
import type { CoreConfig } from '../base/config';
import type { Logger } from '../base/events';
import type { ChatModel } from '../generate/chatModelGenerator';
import { INCLUDED_IN_PLAN } from '../generate/chatModelGenerator';
import type { ProviderId } from '../base/providerId';
import type { AppSecrets } from '../base/secrets';
import type { AppType } from '../app/spec';
import type { TrustedSpecs } from '../app/trust';
import type { LoadedApp } from '../workspace/appDir';
import type { Verifier } from '../verify';
import type { FailedStep, VerifyFailure } from '../generate/fixLoop';
import { FixLoop, usefulTail } from '../generate/fixLoop';
import type { ClaudeGenerator } from '../generate/claude';
import type { SpawnEvent } from '../base/events';
import type { Approval } from './approval';
import { approvalOf, whatChanged } from './approval';
import type { AskPort, SessionEvent } from './ports';
import { appDataKey, DATA_KEY_METADATA } from '../sandbox/dataDir';
import type { FixOutcome, FixRound, FixStop } from '../base/fixOutcome';
import { addUsd } from '../base/fixOutcome';
import { changesWhatRuns, diffSpecs } from '../workspace/specDiff';
import { formatUsd } from '../base/pricing';
import { PromptCacheBase } from '../generate/fixLoop';

/**
 * What an app's life takes from its session (session.ts implements it): the shared rules. An interface, so that
 * the session may make its apps without an import circle.
 */
export interface SessionHost {
  readonly cfg: CoreConfig;
  readonly client: string;
  readonly logger: Logger;
  readonly trusted: TrustedSpecs;
  readonly budget?: Budget;
  readonly secrets: AppSecrets;
  readonly meterMs: number;
  /** The one meter of sandbox time (spendMeter.ts). */
  readonly meter: SpendMeter;
  readonly sandboxTimeoutMs: number;
  readonly prewarmEnabled: boolean;
  readonly ask: AskPort;
  readonly chatModel?: ChatModel;
  /** The verification step after each deploy (false: none). */
  readonly verifier: Verifier | false;
  /** Fix rounds after a failed verification when a deploy does not say (the front's flag or setting; 0 without a key). */
  readonly fixRounds: number;
  emit(e: SessionEvent, app: string | undefined): void;
  checkPrompt(prompt: string, appType?: string, what?: 'prompt' | 'follow-up'): AppType;
  generatorFor(choice?: GeneratorChoice): string;
  validate(spec: AppSpec, secrets?: AppSecrets): Finding[];
  readFolder(dir: string): LoadedApp;
  checkPaid(paid: { generation?: boolean | string; provider?: ProviderId }, app?: string): Promise<void>;
  /** Whether a paid start would be past today's cap (the check would ask). */
  pastCap(paid: { generation?: boolean | string; provider?: ProviderId }): boolean;
  charge(usd: number | null, app: string | undefined): void;
  providerFor(choice?: ProviderChoice): ProviderId;
  provider(choice?: ProviderChoice): Promise<SandboxProvider>;
  where(provider: Pick<SandboxProvider, 'id' | 'isolation'>): string;
  localIsolation(detail?: boolean): { sandboxed: boolean; reason?: string; network: boolean; words: string };
}

export interface GenerateRequest {
  prompt: string;
  /** One of APP_TYPES; guessed from the prompt when left out. */
  appType?: string;
  generator?: GeneratorChoice;
  signal?: AbortSignal;
  /**
   * The deploy that follows at once (`run`, `spawn_app`): its sandbox counts in the cap check before anything starts,
   * and an E2B sandbox is pre-warmed while the model writes. Left out: nothing is deployed after.
   */
  deployTo?: ProviderChoice;
}

export interface Generated {
  spec: AppSpec;
  generator: string;
  /** What the generation cost (null: unknown; undefined: free). */
  usd?: number | null;
  /** "A template stands in…" when no model could be asked. */
  notice?: string;
  /** Validation with the app's secrets. */
  findings: Finding[];
}

export interface DeployRequest {
  /** For a first deploy (the app's sandbox decides otherwise): default the session's; a front may give the provider itself. */
  provider?: ProviderChoice | SandboxProvider;
  signal?: AbortSignal;
  /** The sandbox's name in lists; default from the app's title or hint. */
  appName?: string;
  /** More sandbox metadata (appType, createdBy and client are the session's). */
  metadata?: Record<string, string>;
  /** Count a billed sandbox's seconds against the cap while it runs, pausing it at the cap (default true). */
  metered?: boolean;
  /** This deploy's events, besides the progress port (a front that renders each deploy apart: its progress, its sandbox's log). */
  onEvent?: (e: SessionEvent) => void;
  /** The verification step of this deploy: the front's verifier (its window's browser), or false (default the session's). */
  verify?: Verifier | false;
  /**
   * The front asked the person itself already (the extension's scripted `confirm: true`, honoured only in its tests):
   * `ask.deploy` is not called. The other questions are asked as ever.
   */
  confirmed?: boolean;
  /**
   * Called once every question is answered yes and the cap allows, before anything runs (a "no" never reaches it): a
   * front shows its progress from here.
   */
  onAllowed?: (plan: DeployPlan) => void;
  /**
   * Rounds of the fix loop when the app runs but fails its verification (default the session's `fixRounds`): the
   * problems, the app's output, the prompt and the screenshot go to the model, its patch becomes the app's new
   * files (written to its folder), and the app is redeployed and verified again.
   */
  fix?: number;
  /**
   * A fix round's change, applied (before its redeploy): a front that keeps the app's files itself (the extension's
   * editor) writes them there, so what it shows is what runs.
   */
  onFixed?: (next: AppSpec, round: number) => void;
}

/** What a deploy will do, once allowed. */
export interface DeployPlan {
  kind: DeployKind;
  /** The app's process is (re)started. */
  restart: boolean;
  /** An update the running app's dev server takes in itself (no restart): its page updates on its own. */
  hotUpdate: boolean;
}

/** The sandbox an app runs in as a front knows it (the extension's registry: one found after a reload, resumed, failed). */
export interface Attached {
  sandbox: Sandbox;
  provider: SandboxProvider;
  /** The app's last deployment in it, when this process made one. */
  deployment?: Deployment;
  /** Whether the app answers in it now (a failed or stopped app: false). Default: its process has not exited. */
  running?: boolean;
  /** What the person approved to run in it (undefined: nothing known, so the next update asks). */
  approved?: Approval;
}

/**
 * A model's proposed change, not written: a follow-up (refine), a failed step's output (fix), or the failed verification
 * of the app's running deployment (`verification: true`: its problems, its output, the prompt and the screenshot, the
 * request of the fix loop, `fixVerification`).
 */
export type ProposeRequest = ({ followUp: string } | { fix: { step: FailedStep; output: string } } | { verification: true }) & {
  /** The model that refines and fixes (the front picked it: Session.refiner); a Claude model's id lets the prompt cache's base be sent. */
  model: Pick<ClaudeGenerator, 'refine' | 'fix' | 'fixVerification'> & { model?: unknown };
  /** The files the model reads (default the app's). */
  spec?: AppSpec;
  signal?: AbortSignal;
  onEvent?: (e: SpawnEvent) => void;
};

export interface Deployed {
  kind: DeployKind;
  /** An update of the running app: what was written, installed, restarted. */
  plan?: RedeployPlan;
  /** The update was one the running app's dev server took in itself (no restart): its page updates on its own. */
  hotUpdate: boolean;
  /** "Started", "Restarted in place (same sandbox)", "Updated and restarted", "Updated in place (no restart needed)". */
  how: string;
  deployment: Deployment;
  provider: SandboxProvider;
  url: string;
  sandboxId: string;
  /** Where it runs: the one sentence (core/whereItRuns.ts). */
  where: string;
  /** It lives on after this process (E2B, until its timeout); a local app lives as long as its owner. */
  outlivesProcess: boolean;
  /** The provider's name ("E2B", "local runner"). */
  providerLabel: string;
  /** What stopping it does to it, e.g. "destroy the sandbox (its data stays for the app's next deploy)". */
  onStop: string;
  /** What the fix loop did, when the first verification found problems and a round was allowed. */
  fixes?: FixOutcome;
}

export interface Refined {
  patch: AppPatch;
  usage: Usage;
  spec: AppSpec;
  /** Against the folder, when the app has one. */
  diff?: SpecDiff;
  findings: Finding[];
}

/** A front's pre-warm (AppSession.prewarmFor): `enabled` is the front's own setting (spawnApp.prewarm). */
export type PrewarmFor = Pick<PrewarmOptions, 'appName' | 'idleMs' | 'metadata' | 'logger' | 'onEvent'> & { enabled?: boolean };

interface Live {
  sandbox: Sandbox;
  deployment?: Deployment;
  /** The front's word on whether the app answers (Attached.running). */
  running?: boolean;
  provider: SandboxProvider;
  /** Its time as the session's meter counts it (a billed sandbox, with a budget): resources, pauses, and the meter's removal. */
  metered?: Metered;
}

interface Metered {
  cpuCount?: number;
  memoryMB?: number;
  startedAt: number;
  pausedMs: number;
  pausedSince?: number;
  remove: () => void;
}

export class AppSession {
  spec?: AppSpec;
  generator?: string;
  /** The app's folder, when it has one (saved to, read from). */
  dir?: string;
  /** What the user asked for (the generation's prompt; a front may set it): a fix request quotes it. */
  prompt?: string;
  /** The app as its last refine or fix request sent it: the next one sends it again, for the prompt cache. */
  private readonly cacheBase = new PromptCacheBase();
  /** Who wrote what runs, as far as this process knows. */
  private origin: 'model' | 'folder' = 'folder';
  private live?: Live;
  private prewarm?: Prewarm;
  /** What the person approved to run (start command, dependencies, warnings) at the last deploy. */
  private approved?: Approval;
  /** The app's secrets when they are its own (the extension keeps them per app); default the session's. */
  private ownSecrets?: AppSecrets;
  private loop?: FixLoop;
  private capped?: () => void;
  private readonly cappedOnce: Promise<'capped'>;

  constructor(
    private readonly session: SessionHost,
    public id: string | undefined,
    /** What the app was made from (a prompt, a path): its sandbox's name when it has no title. */
    readonly hint?: string,
  ) {
    this.cappedOnce = new Promise((r) => (this.capped = () => r('capped')));
  }

  /**
   * The key of the app's data folder ($DATA_DIR, sandbox/dataDir.ts): from its folder, else its id; undefined (a `run`
   * without a folder) when its data is its sandbox's own.
   */
  get dataKey(): string | undefined {
    return appDataKey({ dir: this.dir, client: this.session.client, scope: this.session.cfg.sessionId, id: this.id });
  }

  /** The sandbox the app runs in (undefined: none). */
  get sandboxId(): string | undefined {
    return this.live?.sandbox.id;
  }

  /** What the person approved to run in the app's sandbox (undefined: nothing yet). */
  get approval(): Approval | undefined {
    return this.approved;
  }

  /** The app's pre-warmed sandbox, while one is pending. */
  get prewarmed(): Prewarm | undefined {
    return this.prewarm;
  }

  /** The app's own secrets (the extension keeps them per app): to its processes, in its validation. */
  useSecrets(secrets: AppSecrets): void {
    this.ownSecrets = secrets;
  }

  private get secrets(): AppSecrets {
    return this.ownSecrets ?? this.session.secrets;
  }

  private validate(spec: AppSpec): Finding[] {
    return this.session.validate(spec, this.secrets);
  }

  /**
   * The sandbox the app runs in as the front knows it (undefined: none). The next deploy decides from it (deployKind):
   * update, restart in place or first deploy. A front whose model of sandboxes is its own (the extension's registry:
   * a sandbox found after a reload, resumed, destroyed from its view) tells the session before each deploy.
   */
  attach(current: Attached | undefined): void {
    const live = this.live;
    if (live && current?.sandbox.id === live.sandbox.id) {
      Object.assign(live, { sandbox: current.sandbox, provider: current.provider, deployment: current.deployment ?? live.deployment, running: current.running });
    } else {
      live?.metered?.remove();
      this.live = current && { sandbox: current.sandbox, provider: current.provider, deployment: current.deployment, running: current.running };
    }
    if (current) this.approved = current.approved;
  }

  get deployment(): Deployment | undefined {
    return this.live?.deployment;
  }

  get providerId(): string | undefined {
    return this.live?.provider.id;
  }

  private emit(e: SessionEvent): void {
    this.session.emit(e, this.id);
  }

  /** The app as read from a folder (or edited): never ours, whatever its manifest says. */
  open(dir: string): AppSpec {
    const { spec, generator } = this.session.readFolder(dir);
    this.setSpec(spec, generator);
    this.dir = dir;
    this.origin = 'folder';
    return spec;
  }

  /** The app's files changed (an editor, an agent): what runs is what is given here. Trust stays the digest's. */
  setSpec(spec: AppSpec, generator?: string): void {
    this.spec = spec;
    if (generator !== undefined) this.generator = generator;
  }

  // ---- generate ----

  /**
   * Checks the prompt, the cap (the model and, with `deployTo`, the sandbox), pre-warms an E2B sandbox for the deploy
   * that follows, says when a template stands in, and generates. What a built-in template wrote here is ours.
   */
  async generate(req: GenerateRequest): Promise<Generated> {
    const appType = this.session.checkPrompt(req.prompt, req.appType);
    const choice = req.generator ?? 'auto';
    const generatorId = this.session.generatorFor(choice);
    const provider = req.deployTo !== undefined ? this.session.providerFor(req.deployTo) : undefined;
    // Before any paid call: the model, and the sandbox of the deploy that follows (the pre-warm creates it now).
    await this.session.checkPaid({ generation: generatorId !== 'templates', provider }, this.id);
    if (provider && prewarmWanted(this.session.prewarmEnabled, provider)) await this.startPrewarm(appType, req.deployTo!);
    let notice: string | undefined;
    let usd: number | null | undefined;
    let t0: number | undefined;
    try {
      const generator = await createGenerator(choice, this.session.cfg, this.session.chatModel);
      if (choice === 'auto' && generatorId === 'templates') {
        notice = templateStandInNotice(appType, req.prompt, 'No Anthropic API key is set (ANTHROPIC_API_KEY)');
        this.emit({ event: 'notice', kind: 'template-stand-in', message: notice });
      }
      this.session.logger.info(`[session] generating a ${appType} with ${generator.id}`);
      t0 = performance.now();
      this.emit({ event: 'phase', phase: 'generate', status: 'started', detail: `${generator.id}, ${appType}` });
      const result = await generator.generate({
        prompt: req.prompt,
        appType,
        signal: req.signal,
        logger: this.session.logger,
        secrets: this.secrets,
        onEvent: (e) => {
          if (e.event === 'cost' && e.kind === 'generation' && e.note !== INCLUDED_IN_PLAN) this.session.charge((usd = e.usd), this.id);
          this.emit(e);
        },
      });
      this.emit({ event: 'phase', phase: 'generate', status: 'finished', durationMs: Math.round(performance.now() - t0) });
      // Ours: this process's own template generator wrote it just now (not a model, not a file): the one digest.
      if (generator.id === 'templates') this.session.trusted.markOurs(result.spec);
      this.spec = result.spec;
      this.generator = result.generator;
      this.origin = 'model';
      this.prompt = req.prompt;
      return { spec: result.spec, generator: result.generator, usd, notice, findings: this.validate(result.spec) };
    } catch (err) {
      const cancelled = isCancelled(err) || req.signal?.aborted === true;
      if (!cancelled && t0 !== undefined) this.emit({ event: 'phase', phase: 'generate', status: 'failed', durationMs: Math.round(performance.now() - t0) });
      await this.discardPrewarm(cancelled ? 'cancelled' : 'generation-failed');
      throw err;
    }
  }

  private async startPrewarm(appType: AppSpec['appType'], choice: ProviderChoice): Promise<void> {
    // This front meters its own sandboxes (the CLI, the MCP server): one nobody takes is charged for its time.
    this.prewarmIn(await this.session.provider(choice), appType, { metered: true });
  }

  /**
   * For a front that generates by itself (the extension streams a generation into its editor): a sandbox pre-warmed
   * on `provider` for the deploy that follows, while the model writes. Only when pre-warm is wanted (the session's
   * flag, the front's `enabled`, E2B only), none is pending, and the sandbox would not start past today's cap (a
   * pre-warm never asks: past the cap, the deploy asks). Undefined when none was started. `onEvent`: its own events.
   */
  prewarmFor(provider: SandboxProvider, appType: AppSpec['appType'], o: PrewarmFor = {}): Prewarm | undefined {
    if (this.prewarm || !prewarmWanted(this.session.prewarmEnabled && o.enabled !== false, provider.id)) return undefined;
    if (this.session.pastCap({ provider: provider.id })) {
      this.session.logger.info(`[prewarm] not started for ${this.id ?? appType}: today's spending cap is reached`);
      return undefined;
    }
    return this.prewarmIn(provider, appType, o);
  }

  private prewarmIn(provider: SandboxProvider, appType: AppSpec['appType'], o: PrewarmFor & { metered?: boolean }): Prewarm {
    let prewarm: Prewarm | undefined = undefined;
    // Its time, charged when it is discarded (taken, the deploy's meter charges it from its start).
    let warm: MeteredSandbox | undefined;
    prewarm = Prewarm.start({
      provider,
      appType,
      appName: o.appName,
      idleMs: o.idleMs ?? this.session.cfg.prewarmIdleMs,
      // Its app data key too: on an E2B data volume, the data folder's place is decided by it when the app starts.
      metadata: { client: this.session.client, ...(this.id ? { appId: this.id } : {}), ...(this.dataKey ? { [DATA_KEY_METADATA]: this.dataKey } : {}), ...o.metadata },
      logger: o.logger ?? this.session.logger,
      onEvent: (e) => {
        if (e.kind === 'created' && o.metered && this.session.budget && providerInfo(provider.id).billed) warm = this.warmMetered(e.sandbox, provider);
        if (e.kind === 'discarded' && warm) this.session.meter.add(() => [warm!])(); // its running time up to now, once
        if (e.kind !== 'created') warm = undefined;
        if (e.kind === 'created') this.emit({ event: 'prewarm', status: 'ready', sandboxId: e.sandbox.id, durationMs: e.createMs });
        else if (e.kind === 'discarded') this.emit({ event: 'prewarm', status: 'discarded', reason: e.reason, sandboxId: e.sandboxId });
        else if (e.kind === 'failed') this.emit({ event: 'prewarm', status: 'failed', message: messageOf(e.error) });
        // Over (discarded, failed): the app has none pending.
        if (e.kind !== 'created' && this.prewarm === prewarm) this.prewarm = undefined;
        o.onEvent?.(e);
      },
    });
    this.prewarm = prewarm;
    return prewarm;
  }

  /** A pre-warmed sandbox as the meter counts it; its resources looked up in the listing (E2B's create answer has none). */
  private warmMetered(sandbox: Sandbox, provider: SandboxProvider): MeteredSandbox {
    const info = sandbox.info();
    const m: MeteredSandbox = { id: sandbox.id, provider: provider.id, app: this.id, name: this.id ?? sandbox.id, startedAt: info.startedAt, cpuCount: info.cpuCount, memoryMB: info.memoryMB };
    if (!(m.cpuCount && m.memoryMB)) void provider.list().then((all) => Object.assign(m, pickResources(all.find((s) => s.id === sandbox.id))), () => undefined);
    return m;
  }

  /** A pre-warm the front may drop early (the app was deleted, its sandbox destroyed from a view): discarded. */
  async discardPrewarmIn(sandboxId: string, reason: DiscardReason): Promise<void> {
    if (this.prewarm?.current?.id === sandboxId) await this.discardPrewarm(reason);
  }

  /** Kills a pre-warmed sandbox nobody took (validation blocked the deploy, a "no", an interrupt). Idempotent. */
  async discardPrewarm(reason: DiscardReason): Promise<void> {
    const prewarm = this.prewarm;
    this.prewarm = undefined;
    await prewarm?.discard(reason);
  }

  /** Writes the app to a folder; nothing is written when validation (with the secrets) finds an error. */
  save(dir: string, findings: readonly Finding[] = this.validate(this.need())): void {
    if (hasErrors(findings)) throw new SpawnError('blocked', 'Nothing was written: the generated app failed validation.');
    saveApp(dir, this.need(), this.generator);
    this.dir = dir;
  }

  private need(): AppSpec {
    if (!this.spec) throw new SpawnError('usage', `App ${this.id ?? ''} has no files yet.`.replace('  ', ' '));
    return this.spec;
  }

  // ---- deploy, restart, redeploy ----

  /**
   * Runs the app: a first deploy into a new (or the pre-warmed) sandbox, an update in place of the running app, or a
   * restart in place of a stopped one (deployKind); the install decision is the pipeline's (needsInstall). Asks before
   * code that is not ours runs unsandboxed on this machine, and before a new paid sandbox past the cap.
   */
  async deploy(req: DeployRequest = {}): Promise<Deployed> {
    const spec = this.need();
    const current = this.live;
    const kind = await this.nextKind();
    const provider = current && (kind !== 'first' || req.provider === undefined) ? current.provider : await this.providerOf(req.provider);
    await this.mayRun(spec, provider, kind, req.confirmed === true).catch(async (err: unknown) => {
      await this.discardPrewarm('rejected'); // a "no": nothing of the app reaches the pre-warmed sandbox
      throw err;
    });
    const onEvent = (e: SessionEvent) => {
      this.emit(e);
      req.onEvent?.(e);
    };
    const step = { provider, signal: req.signal, onEvent, logger: this.session.logger, secrets: this.secrets, verify: req.verify ?? this.session.verifier };
    let deployment: Deployment;
    let how: string;
    let plan: RedeployPlan | undefined;
    if (kind === 'restart') {
      req.onAllowed?.({ kind, restart: true, hotUpdate: false });
      deployment = await restartInPlace({ sandbox: current!.sandbox, spec: current!.deployment?.spec, process: current!.deployment?.process }, spec, step);
      how = 'Restarted in place (same sandbox)';
    } else if (kind === 'redeploy') {
      const restart = planRedeploy(current!.deployment!.spec, spec).restart;
      req.onAllowed?.({ kind, restart, hotUpdate: !restart && servesHotUpdates(spec) });
      const res = await redeploy(current!.deployment!, spec, step);
      deployment = res.deployment;
      plan = res.plan;
      how = res.plan.restart ? 'Updated and restarted' : 'Updated in place (no restart needed)';
    } else {
      if (current) await this.stop().catch(() => false); // its sandbox is gone already
      // The take rule: the same app type on the same provider takes the pre-warmed sandbox; anything else discards it.
      const prewarm = this.prewarm;
      this.prewarm = undefined;
      const into = await takePrewarm(prewarm, spec.appType, provider.id);
      // A new sandbox is a paid call on a billed provider (a taken pre-warmed one was checked and paid for already;
      // one that failed, or was not for this app, was not taken: the sandbox the deploy creates is checked here).
      if (!into) await this.session.checkPaid({ provider: provider.id }, this.id);
      req.onAllowed?.({ kind, restart: true, hotUpdate: false });
      deployment = await deploy({
        ...step,
        provider: into ? prewarm!.provider : provider,
        spec,
        appName: req.appName ?? appNameFrom(spec.title ?? this.hint ?? this.id ?? spec.appType),
        timeoutMs: this.session.sandboxTimeoutMs,
        metadata: { appType: spec.appType, createdBy: 'spawn-app', client: this.session.client, ...(this.dataKey ? { [DATA_KEY_METADATA]: this.dataKey } : {}), ...req.metadata },
        into,
      });
      await extendAfterTake(into, (ms) => deployment.sandbox.extendTimeout(ms), this.session.sandboxTimeoutMs, (message) => onEvent({ event: 'warning', message }));
      how = 'Started';
    }
    const sameSandbox = current?.sandbox.id === deployment.sandbox.id;
    this.live = { sandbox: deployment.sandbox, deployment, provider, metered: sameSandbox ? current?.metered : undefined };
    if (!sameSandbox) current?.metered?.remove();
    if (req.metered !== false) await this.startMeter();
    const dataStays = provider.data?.outlivesSandbox === true && this.dataKey !== undefined;
    const onStop = dataStays ? "destroy the sandbox (its data stays for the app's next deploy)" : 'destroy the sandbox and its data';
    const deployed: Deployed = { kind, plan, hotUpdate: plan !== undefined && !plan.restart && servesHotUpdates(spec), how, deployment, provider, url: deployment.url, sandboxId: deployment.sandbox.id, where: this.session.where(provider), outlivesProcess: providerInfo(provider.id).timeout, providerLabel: providerInfo(provider.id).label, onStop };
    const rounds = Math.max(0, Math.floor(req.fix ?? this.session.fixRounds));
    return rounds > 0 && deployment.verification?.state === 'problems' ? this.fixVerification(deployed, rounds, req) : deployed;
  }

  /** What the next deploy will be: an update of the running app, a restart in place of a stopped one, or a first deploy. */
  async nextKind(): Promise<DeployKind> {
    const current = this.live;
    if (!current) return deployKind(undefined);
    const running = current.deployment !== undefined && (current.running ?? !(await exited(current.deployment)));
    return deployKind({ running, sandboxExists: running || (await this.listed()) != null });
  }

  private async providerOf(choice: ProviderChoice | SandboxProvider | undefined): Promise<SandboxProvider> {
    if (typeof choice === 'object') return choice;
    return this.prewarm && this.prewarm.provider.id === this.session.providerFor(choice) ? this.prewarm.provider : this.session.provider(choice);
  }

  // ---- the fix loop after a failed verification ----

  /** What every refine and fix request of this app carries: its files, the cache's base, the secrets; its cost charged. */
  private patchRequest(spec: AppSpec, model: string, signal: AbortSignal | undefined) {
    const onEvent = (e: SessionEvent) => {
      if (e.event === 'cost' && e.kind === 'generation') this.session.charge(e.usd, this.id);
      this.emit(e);
    };
    return { spec, base: this.cacheBase.for(spec, model), signal, logger: this.session.logger, secrets: this.secrets, onEvent };
  }

  /**
   * Up to `rounds` rounds: the cap checked before each paid request; the problems, the app's output, the prompt and
   * (to a model that takes images) the screenshot sent with the files; the patch validated, written as the app's
   * new files and redeployed; verified again. Each round is a `fix` event with its cost; a cancel stops it at once.
   */
  private async fixVerification(first: Deployed, rounds: number, req: DeployRequest): Promise<Deployed> {
    let current = first;
    const done: FixRound[] = [];
    let total: number | null = 0;
    const stop = (round: number, reason: FixStop, message: string): Deployed => {
      this.emit({ event: 'fix', status: 'stopped', round, rounds, reason, message, totalUsd: total });
      return { ...current, fixes: { rounds: done, usd: total, stopped: { reason, message } } };
    };
    if (!this.session.cfg.anthropicApiKey) return stop(1, 'no-key', 'The problems were not sent to a model: fixing needs an Anthropic API key (ANTHROPIC_API_KEY).');
    const { ClaudeGenerator } = await import('../generate/claude');
    const claude = new ClaudeGenerator(this.session.cfg);
    for (let round = 1; round <= rounds; round++) {
      try {
        await this.session.checkPaid({ generation: 'fix' }, this.id);
      } catch (err) {
        if (isCancelled(err)) throw err;
        return stop(round, 'cap', `The fix loop stopped before round ${round}: ${messageOf(err)}`);
      }
      this.emit({ event: 'fix', status: 'started', round, rounds });
      const spec = this.need();
      let result;
      try {
        result = await claude.fixVerification({
          ...this.patchRequest(spec, claude.model, req.signal),
          failure: this.failureOf(current.deployment, spec)!,
        });
      } catch (err) {
        if (isCancelled(err) || req.signal?.aborted) throw err;
        return stop(round, 'failed', `The fix loop stopped in round ${round}: ${messageOf(err)}`);
      }
      const { patch, usage } = result;
      total = addUsd(total, usage.usd);
      const { spec: next, findings } = applyPatch(spec, patch, (s) => this.validate(s));
      if (hasErrors(findings)) return stop(round, 'invalid', `The fix loop stopped in round ${round}: the model's change failed validation (${findings.filter((f) => f.severity === 'error').map((f) => f.message).join(' ')}).`);
      const diff = diffSpecs(spec, next);
      const paths = [...diff.added, ...diff.changed, ...diff.deleted];
      if (!paths.length && !changesWhatRuns(spec, next)) return stop(round, 'no-change', `The fix loop stopped in round ${round}: the model changed nothing${patch.summary ? ` (${patch.summary})` : ''}.`);
      // The new version: the app's files (its folder's too), written by a model.
      if (this.dir) updateApp(this.dir, spec, next, 'claude');
      this.spec = next;
      this.generator = 'claude';
      this.origin = 'model';
      req.onFixed?.(next, round);
      // The round's own request reached today's cap: its billed sandbox is paused (not deleted), so the change is the
      // app's files now but is not deployed (a deploy would be past the cap).
      if (providerInfo(current.provider.id).billed && this.session.budget?.capped) {
        await this.session.meter.tick(); // the pause at the cap has settled when the loop says so
        return stop(round, 'cap', `The fix loop stopped in round ${round}: its request reached today's spending cap, so its change is in the app's files but not deployed (the sandbox is paused, not deleted).`);
      }
      current = await this.deploy({ ...req, fix: 0 });
      const after = current.deployment.verification;
      const r: FixRound = { round, summary: patch.summary, paths, usd: usage.usd, state: after?.state ?? 'verified', problems: after?.problems.length ?? 0 };
      done.push(r);
      this.emit({ event: 'fix', status: 'finished', rounds, totalUsd: total, ...r });
      if (r.state !== 'problems') return { ...current, fixes: { rounds: done, usd: total } };
    }
    return stop(rounds, 'rounds', `Stopped after ${rounds} fix round${rounds === 1 ? '' : 's'} (${formatUsd(total)}): the app still fails its checks.`);
  }

  /** What a deployment's verification found, as a fix request sends it (undefined: it found no problem). */
  private failureOf(deployment: Deployment | undefined, spec: AppSpec): VerifyFailure | undefined {
    const v = deployment?.verification;
    if (!deployment || !v?.problems.length) return undefined;
    return { prompt: this.prompt ?? spec.description, problems: v.problems, title: v.title, output: deployment.output.text(), screenshot: v.screenshots?.wide };
  }

  /**
   * The one trust rule, and a change of what runs since the approval: the front is asked, through its port (a front
   * that confirms every deploy, through `ask.deploy`, with the session's answers in the question).
   */
  private async mayRun(spec: AppSpec, provider: SandboxProvider, kind: DeployKind, confirmed: boolean): Promise<void> {
    const ask = this.session.ask;
    const onThisMachine = providerInfo(provider.id).onThisMachine;
    const iso = onThisMachine ? this.session.localIsolation(true) : undefined;
    if (iso) this.emit({ event: 'isolation', provider: provider.id, ...iso });
    // A spec with validation errors never runs (the deploy refuses it): no need to ask about it first.
    const trust = onThisMachine ? mayRunWithoutAsking(spec, provider, this.session.trusted, false, this.origin) : { ok: true as const };
    // Validated with the secrets before the question: their findings are part of it.
    const findings = this.validate(spec);
    if (hasErrors(findings)) return;
    if (ask.deploy) {
      const changed = kind === 'first' || !this.approved ? undefined : whatChanged(this.approved, spec, findings);
      if (!confirmed && !(changed && changed.length === 0)) {
        const q = { app: this.id ?? this.hint ?? spec.appType, spec, kind, provider, origin: this.origin, generator: this.generator, unsandboxed: !trust.ok, findings, install: installCommand(spec, provider), changed };
        if (!(await ask.deploy(q))) throw new CancelledError();
      }
      this.approved = approvalOf(spec, findings, kind === 'first' ? undefined : this.approved);
      return;
    }
    if (!trust.ok) {
      const yes = await ask.unsandboxedRun({ app: this.id ?? this.hint ?? spec.appType, spec, origin: this.origin, reason: iso?.reason, message: trust.reason, where: this.session.where(provider), findings });
      if (!yes) throw new CancelledError();
    }
    if (kind !== 'first' && this.approved && ask.changedApproval && whatChanged(this.approved, spec, []).length > 0) {
      if (!(await ask.changedApproval({ app: this.id ?? spec.appType, spec, approved: this.approved }))) throw new CancelledError();
    }
    this.approved = approvalOf(spec, findings);
  }

  /**
   * A billed sandbox's running seconds, charged by the session's meter; at the cap it is paused, not deleted. E2B's
   * create answer leaves out the sandbox's resources; its listing has them (an unknown price stays unknown).
   */
  private async startMeter(): Promise<void> {
    const live = this.live;
    if (!live || live.metered || !this.session.budget || !providerInfo(live.provider.id).billed) return;
    let info = live.sandbox.info();
    if (!(info.cpuCount && info.memoryMB)) info = (await live.provider.list().catch(() => [])).find((s) => s.id === info.id) ?? info;
    if (this.live !== live || live.metered) return;
    const m: Metered = { cpuCount: info.cpuCount, memoryMB: info.memoryMB, startedAt: info.startedAt, pausedMs: 0, remove: () => undefined };
    live.metered = m;
    const meter = this.session.meter;
    const pauseAtCap = live.provider.pause ? () => this.pauseAtCap(live, m) : undefined;
    m.remove = meter.add(() => [{ id: live.sandbox.id, provider: live.provider.id, app: this.id, name: this.id ?? live.sandbox.id, cpuCount: m.cpuCount, memoryMB: m.memoryMB, startedAt: m.startedAt, pausedMs: m.pausedMs, pausedSince: m.pausedSince, pauseAtCap }]);
    await meter.tick();
  }

  /** At the cap (the session's meter): the sandbox is paused, and this app's `ended()` says so. */
  private async pauseAtCap(live: Live, m: Metered): Promise<void> {
    m.pausedSince ??= this.session.meter.now();
    await live.provider.pause!(live.sandbox.id);
    // The app lets go of it (it is kept, not destroyed at close): `this.live` may be a newer Live of the same sandbox
    // (an update in place carries its Metered over).
    if (this.live?.metered === m) this.live = undefined;
    m.remove();
    this.capped?.();
  }

  /** Resolves when the app's process ends, or its sandbox is paused at the cap. */
  ended(): Promise<'exited' | 'capped'> {
    const live = this.live;
    if (!live) return Promise.resolve('exited');
    if (!live.deployment) return Promise.resolve('exited');
    return Promise.race([live.deployment.process.exited.then(() => 'exited' as const), this.cappedOnce]);
  }

  /** Whether the app's process still runs. */
  async running(): Promise<boolean> {
    return this.live?.deployment !== undefined && !(await exited(this.live.deployment));
  }

  /** The app's sandbox as its provider lists it: undefined when it is not listed, null when the provider could not say. */
  async listed(): Promise<SandboxInfo | undefined | null> {
    const live = this.live;
    if (!live) return undefined;
    const id = live.sandbox.id;
    return live.provider.list().then((all) => all.find((s) => s.id === id), () => null);
  }

  // ---- refine ----

  /** A model's change to the app (the cap checked first); written to the app's folder when it has one. */
  async refine(req: { followUp: string; signal?: AbortSignal }): Promise<Refined> {
    this.session.checkPrompt(req.followUp, undefined, 'follow-up');
    const spec = this.need();
    // Refining needs a model: the Claude generator (and its SDK) is loaded only here.
    const { ClaudeGenerator } = await import('../generate/claude');
    const { patch, usage, spec: next, findings } = await this.propose({ followUp: req.followUp, model: new ClaudeGenerator(this.session.cfg), spec, signal: req.signal });
    const diff = this.dir ? updateApp(this.dir, spec, next, 'claude') : undefined;
    this.spec = next;
    this.generator = 'claude';
    this.origin = 'model';
    return { patch, usage, spec: next, diff, findings };
  }

  /**
   * A model's change proposed, not written (the extension shows it as diffs and writes it on Accept): a follow-up
   * (refine), or a failed step's output (fix: its useful tail is sent). The cap is checked before the request, its
   * cost charged; the patched app is validated with the app's secrets.
   */
  async propose(req: ProposeRequest): Promise<Omit<Refined, 'diff'>> {
    const spec = req.spec ?? this.need();
    const what = 'followUp' in req ? 'refine' : 'fix';
    if ('followUp' in req) this.session.checkPrompt(req.followUp, undefined, 'follow-up');
    // The running deployment's failed verification, checked before anything is paid for.
    const failure = 'verification' in req ? this.failureOf(this.live?.deployment, spec) : undefined;
    if ('verification' in req && !failure) throw new SpawnError('usage', `${this.hint ?? this.id ?? 'The app'} has no problems found in a browser to fix: its last deploy verified, or it does not run from here.`);
    await this.session.checkPaid({ generation: what }, this.id);
    const t0 = performance.now();
    this.emit({ event: 'phase', phase: 'generate', status: 'started', detail: what });
    const asked = {
      spec,
      // The prompt cache's base (the files this app's last request sent), for a Claude model (fixLoop.ts PromptCacheBase).
      ...(typeof req.model.model === 'string' ? { base: this.cacheBase.for(spec, req.model.model) } : {}),
      signal: req.signal,
      logger: this.session.logger,
      secrets: this.secrets,
      onEvent: (e: SpawnEvent) => {
        if (e.event === 'cost' && e.kind === 'generation' && e.note !== INCLUDED_IN_PLAN) this.session.charge(e.usd, this.id);
        this.emit(e);
        req.onEvent?.(e);
      },
    };
    const { patch, usage } =
      'followUp' in req
        ? await req.model.refine({ ...asked, followUp: req.followUp })
        : 'fix' in req
          ? await req.model.fix({ ...asked, step: req.fix.step, output: usefulTail(req.fix.output) })
          : await req.model.fixVerification({ ...asked, failure: failure! });
    this.emit({ event: 'phase', phase: 'generate', status: 'finished', durationMs: Math.round(performance.now() - t0) });
    const { spec: next, findings } = applyPatch(spec, patch, (s) => this.validate(s));
    return { patch, usage, spec: next, findings };
  }

  /**
   * The app's fix loop (fix attempts in a row, what they cost, the cap): the same until the app comes up (`fixed`)
   * or a person starts a new round (`fresh`); a new one when none was attempted yet under another cap.
   */
  fixLoop(cap: number, fresh = false): FixLoop {
    if (fresh || !this.loop || (this.loop.attempts === 0 && this.loop.cap !== cap)) this.loop = new FixLoop(cap);
    return this.loop;
  }

  /** The app's fix loop now, if it has one. */
  get currentFixLoop(): FixLoop | undefined {
    return this.loop;
  }

  /** The app came up: its next failure starts a new fix loop. */
  fixed(): void {
    this.loop = undefined;
  }

  // ---- pause, resume, stop ----

  /** Pauses the app's sandbox (it costs nothing paused, and its meter stops; a request to its URL resumes it). */
  async pause(): Promise<boolean> {
    const live = this.needLive();
    if (!live.provider.pause) throw new SpawnError('usage', `Sandbox ${live.sandbox.id} runs on the ${providerInfo(live.provider.id).label}, which cannot pause.`);
    const m = live.metered;
    const pausing = m && m.pausedSince === undefined;
    if (pausing) m.pausedSince = this.session.meter.now();
    try {
      return await live.provider.pause(live.sandbox.id);
    } catch (err) {
      if (pausing) m.pausedSince = undefined; // still running: still billed
      throw err;
    }
  }

  /** Resumes it for the whole configured lifetime (or `timeoutMs`), and its meter. */
  async resume(timeoutMs = this.session.sandboxTimeoutMs): Promise<void> {
    const live = this.needLive();
    if (!live.provider.resume) throw new SpawnError('usage', `Sandbox ${live.sandbox.id} runs on the ${providerInfo(live.provider.id).label}, which cannot pause.`);
    await live.provider.resume(live.sandbox.id, timeoutMs);
    const m = live.metered;
    if (m?.pausedSince !== undefined) {
      m.pausedMs += this.session.meter.now() - m.pausedSince;
      m.pausedSince = undefined;
    }
  }

  private needLive(): Live {
    if (!this.live) throw new SpawnError('deploy.not_found', `App ${this.id ?? ''} has no sandbox.`.replace('  ', ' '));
    return this.live;
  }

  /**
   * Destroys the app's sandbox (its files stay); its seconds so far are charged. False when it had none. `data: true`
   * (a destroy whose confirmation said so): its app data folder goes too.
   */
  async stop(opts: { data?: boolean } = {}): Promise<boolean> {
    const live = this.live;
    if (!live) return false;
    this.live = undefined;
    live.metered?.remove(); // its seconds so far charged
    await live.sandbox.destroy(opts);
    return true;
  }

  /**
   * The app outlives this session (`--detach`, a kept MCP app): its sandbox is left running and forgotten. Resolves
   * with its process's exit when it runs on this machine (the process must outlive it).
   */
  keepRunning(): { exited?: Promise<unknown> } {
    const live = this.live;
    if (!live) return {};
    this.live = undefined;
    live.metered?.remove();
    this.session.logger.info(`[${this.session.client}] keeping ${live.sandbox.id}${this.id ? ` (${this.id})` : ''} running`);
    // A provider without a timeout: its sandbox lives as long as the process that owns it (this one).
    return providerInfo(live.provider.id).timeout || !live.deployment ? {} : { exited: live.deployment.process.exited };
  }

  /** Ends the app's part of the session: its pre-warm discarded, its sandbox destroyed. */
  async close(): Promise<void> {
    await this.discardPrewarm('disposed');
    const id = this.sandboxId;
    if (!id) return;
    this.session.logger.info(`[${this.session.client}] destroying ${id}${this.id ? ` (${this.id})` : ''}`);
    await this.stop().catch((e: unknown) => this.session.logger.warn(`[${this.session.client}] could not destroy ${id}: ${messageOf(e)}`));
  }
}

async function exited(deployment: Deployment): Promise<boolean> {
  const marker = Symbol('running');
  return (await Promise.race([deployment.process.exited, Promise.resolve(marker)])) !== marker;
}

function pickResources(info: SandboxInfo | undefined): { cpuCount?: number; memoryMB?: number } {
  return info ? { cpuCount: info.cpuCount, memoryMB: info.memoryMB } : {};
}
