/**
 * The rules every app of a front shares: one trust digest, one budget, the app's secrets (validation with them,
 * redaction, names to the model), the providers (the local runner, E2B), the prompt checks, and the sandboxes this
 * user has anywhere (list with their cost, pause, resume, destroy). One per front process (the CLI's command, the
 * MCP server, the extension's window); its apps are AppSessions (appSession.ts).
 */
import { DEFAULTS } from '../base/config';
import type { CoreConfig } from '../base/config';
import type { Budget, SpendStore } from '../deploy/budget';
import { Budget as BudgetImpl, checkPaidStart, DEFAULT_BUDGET_USD, defaultSpendFile, FileSpendStore, paidWhat, parseBudget } from '../deploy/budget';
import type { SandboxSpend } from '../deploy/cost';
import { formatSandboxSpend, sandboxSpend } from '../deploy/cost';
import { asSpawnError, SpawnError } from '../base/errors';
import type { Logger } from '../base/events';
import { nullLogger } from '../base/events';
import type { ChatModel } from '../generate/chatModelGenerator';
import { ChatModelGenerator } from '../generate/chatModelGenerator';
import type { ClaudeGenerator } from '../generate/claude';
import type { ModelList } from '../generate/claudeModels';
import type { GeneratorChoice } from '../generate';
import { createGenerator, resolveGeneratorId } from '../generate';
import { templateStandInNotice } from '../generate/templates';
import type { Generator } from '../generate/types';
import { loadApp } from '../workspace/appDir';
import type { LoadedApp } from '../workspace/appDir';
import type { ProviderChoice } from '../sandbox';
import { createProvider, resolveProviderId } from '../sandbox';
import type { LocalProviderOptions } from '../sandbox/local/provider';
import { LocalProvider } from '../sandbox/local/provider';
import type { ProviderId } from '../base/providerId';
import type { DiscardReason } from '../deploy/prewarm';
import { providerInfo } from '../sandbox/providers';
import type { SandboxInfo, SandboxProvider } from '../sandbox/types';
import { runsUnsandboxed } from '../tools/trust';
import { allProviders, providerOfSandbox } from '../deploy/sandboxes';
import type { DataExport } from '../deploy/appData';
import { dataSize, destroyWords, exportData, importData } from '../deploy/appData';
import type { AppSecrets } from '../base/secrets';
import { readEnvFile, Redactor } from '../base/secrets';
import type { AppType } from '../app/spec';
import { promptTooLong } from '../app/spec';
import { APP_TYPES, guessAppType, isAppType } from '../stacks';
import { TrustedSpecs } from '../app/trust';
import type { Finding } from '../base/finding';
import { validateSpec } from '../validate';
import { isolationWords, whereProviderRuns } from '../deploy/whereItRuns';
import type { AppSpec } from '../app/spec';
import type { VerifierOptions } from '../verify';
import { Verifier } from '../verify';
import type { SessionHost } from './appSession';
import { AppSession } from './appSession';
import type { SessionEvent, SessionPorts } from './ports';
import { SpendMeter } from './spendMeter';

export interface SessionOptions {
  cfg: CoreConfig;
  ports: SessionPorts;
  /** The local runner: the options the session makes it with, or one made already (a test's, the extension's). */
  local?: LocalProvider | LocalProviderOptions;
  /**
   * Today's cap in USD (0: no cap; default $2). Counted only with a `spend` port. A function is read at each check
   * (the extension's setting may change while it runs; not a number ≥ 0: the default).
   */
  budgetUsd?: number | (() => number);
  /** The budget's clock (tests); default Date.now. */
  clock?: () => number;
  /** The apps' secrets: to their processes only; the model gets their names; every event and error is redacted. */
  secrets?: AppSecrets;
  /** Tag in sandbox metadata: 'cli', 'mcp', 'vscode'. */
  client: string;
  /** Where apps run unless a request says: 'auto' (E2B with a key, else the local runner). */
  provider?: ProviderChoice;
  /** Pre-warm an E2B sandbox while the model writes (the front's flag or setting; SPAWN_APP_PREWARM=0 turns it off too). */
  prewarm?: boolean;
  /** How often a billed sandbox's running seconds are charged (ms; default 5 s). */
  meterMs?: number;
  /** The front's chat model (VS Code's language models), for generator 'vscode-lm' and 'auto' without a key. */
  chatModel?: ChatModel;
  /**
   * The verification step after each deploy (core/verify): a verifier the front owns (the extension's window one),
   * the options the session makes its own with (closed by `close()`; default: `cfg.browserPath`, else a browser found
   * on this machine), or `false` for none.
   */
  verify?: Verifier | VerifierOptions | false;
  /**
   * Fix rounds after a failed verification (the CLI's --fix N, the extension's `spawnApp.autoVerifyFix`; a function
   * is read at each deploy). Default: 1 with an Anthropic key, 0 without.
   */
  fixRounds?: number | (() => number | undefined);
}

/** A provider whose sandboxes could not be listed (E2B unreachable): the others are listed anyway. */
export interface ProviderFailure {
  provider: ProviderId;
  label: string;
  error: SpawnError;
}

/** A listed sandbox with what it cost (core/cost.ts: unknown stays unknown) and, on this machine, how it is isolated. */
export interface ListedSandbox extends SandboxInfo {
  cost: SandboxSpend;
  /** "$0.0123", "at most $0.0123", "price unknown", "free (this machine)". */
  costText: string;
  /** On this machine: "sandboxed" or "not sandboxed: <why>" (undefined for a remote sandbox). */
  isolation?: string;
  /** Bytes in its app data folder ($DATA_DIR); undefined when not known now (a paused E2B sandbox is not woken for it). */
  dataBytes?: number;
}

/** The spend file of the headless fronts (the CLI, the MCP server): one per user, so both count against one cap. */
export function spendFile(env: NodeJS.ProcessEnv = process.env): SpendStore {
  return new FileSpendStore(defaultSpendFile(env));
}

/** The cap of a headless front: `--budget USD`, else SPAWN_APP_BUDGET_USD, else $2 (one sentence when not a number ≥ 0). */
export function budgetUsdFrom(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): number {
  return parseBudget(flag ?? env.SPAWN_APP_BUDGET_USD);
}

/** An app's secrets from a dotenv file (`--env-file`): at most 64 KB, values of at most 32 KB, no NUL. */
export function readSecrets(file: string): AppSecrets {
  return readEnvFile(file);
}

export class Session implements SessionHost {
  private config: CoreConfig;
  readonly local: LocalProvider;
  readonly logger: Logger;
  readonly client: string;
  /** Digests of exactly what a built-in template wrote in this process: only those run unsandboxed without asking. */
  readonly trusted = new TrustedSpecs();
  private readonly redactor: Redactor;
  private readonly apps = new Map<string, AppSession>();
  /** The one meter of sandbox time: the apps' billed sandboxes and any a front lists (spendMeter.ts). */
  readonly meter: SpendMeter;
  private readonly generation = { usd: 0, unknown: false };
  private readonly chargeListeners = new Set<() => void>();
  private readonly ownsLocal: boolean;
  /** Checks each deployed app (false: no verification); closed by `close()` when the session made it. */
  readonly verifier: Verifier | false;
  private readonly ownsVerifier: boolean;

  constructor(readonly opts: SessionOptions) {
    this.config = opts.cfg;
    this.client = opts.client;
    this.logger = opts.ports.logger ?? nullLogger;
    this.ownsLocal = !(opts.local instanceof LocalProvider);
    this.local = opts.local instanceof LocalProvider ? opts.local : new LocalProvider(opts.local);
    this.redactor = new Redactor(Object.values(opts.secrets ?? {}));
    // A verifier the front owns or `false` wins; else the configuration may turn the step off (SPAWN_APP_VERIFY=0).
    const verify = opts.verify === false || opts.verify instanceof Verifier ? opts.verify : opts.cfg.verify === false ? false : new Verifier({ browserPath: opts.cfg.browserPath, ...opts.verify });
    this.ownsVerifier = verify !== false && !(opts.verify instanceof Verifier);
    this.verifier = verify;
    this.meter = new SpendMeter(this, this.meterMs, opts.clock);
  }

  /** The configuration every decision reads (keys, models, E2B, timeouts). */
  get cfg(): CoreConfig {
    return this.config;
  }

  /** A front whose settings and keys change while it runs (the extension) gives the session the new ones. */
  configure(cfg: CoreConfig): void {
    this.config = cfg;
  }

  /** Today's cap over the spend port, with the cap as it is now. Undefined without a spend port: nothing is counted. */
  get budget(): Budget | undefined {
    const spend = this.opts.ports.spend;
    if (!spend) return undefined;
    const raw = typeof this.opts.budgetUsd === 'function' ? this.opts.budgetUsd() : (this.opts.budgetUsd ?? DEFAULT_BUDGET_USD);
    return new BudgetImpl(spend, Number.isFinite(raw) && raw >= 0 ? raw : DEFAULT_BUDGET_USD, this.opts.clock);
  }

  get secrets(): AppSecrets {
    return this.opts.secrets ?? {};
  }

  /** The secrets' names (what a model and a log may be told). */
  get secretNames(): string[] {
    return Object.keys(this.secrets);
  }

  get ask(): SessionPorts['ask'] {
    return this.opts.ports.ask;
  }

  get chatModel(): ChatModel | undefined {
    return this.opts.chatModel;
  }

  /** Fix rounds after a failed verification when a deploy does not say: the front's, else 1 with a key, 0 without. */
  get fixRounds(): number {
    const raw = typeof this.opts.fixRounds === 'function' ? this.opts.fixRounds() : this.opts.fixRounds;
    return raw !== undefined && Number.isFinite(raw) && raw >= 0 ? Math.floor(raw) : this.cfg.anthropicApiKey ? 1 : 0;
  }

  get meterMs(): number {
    return this.opts.meterMs ?? 5000;
  }

  get sandboxTimeoutMs(): number {
    return this.cfg.sandboxTimeoutMs ?? DEFAULTS.sandboxTimeoutMs;
  }

  /** One app's life: the same object for the same id. */
  app(id: string, hint?: string): AppSession {
    let app = this.apps.get(id);
    if (!app) this.apps.set(id, (app = new AppSession(this, id, hint)));
    return app;
  }

  /** An app whose id is known only later (named with `name`): the MCP server's spawn_app names it after its title. */
  newApp(hint?: string): AppSession {
    return new AppSession(this, undefined, hint);
  }

  /** Gives an app its id (the session keeps it under that id from now on). */
  name(app: AppSession, id: string): AppSession {
    app.id = id;
    this.apps.set(id, app);
    return app;
  }

  /** The app with this id, if the session has it. */
  existing(id: string): AppSession | undefined {
    return this.apps.get(id);
  }

  // ---- the prompt, the generator, validation ----

  /** The prompt checks (empty, too long), then the app type: the one asked for, else guessed from the prompt. */
  checkPrompt(prompt: string, appType?: string, what: 'prompt' | 'follow-up' = 'prompt'): AppType {
    if (!prompt.trim()) throw new SpawnError('usage', `The ${what} is empty.`);
    const tooLong = promptTooLong(prompt, what);
    if (tooLong) throw new SpawnError('usage', tooLong);
    // Front-neutral words: each front names its own way of choosing (the CLI checks --type before this; the tools' schema appType).
    if (appType !== undefined && !isAppType(appType)) throw new SpawnError('usage', `The app type must be one of ${APP_TYPES.join(', ')} (not "${appType.slice(0, 40)}").`);
    return appType ?? guessAppType(prompt);
  }

  /** Which generator a choice comes to here ('auto': Claude with a key, else the front's chat model, else the templates). */
  generatorFor(choice: GeneratorChoice = 'auto', chatModel: ChatModel | undefined = this.opts.chatModel): ReturnType<typeof resolveGeneratorId> {
    return resolveGeneratorId(choice, this.cfg, chatModel !== undefined);
  }

  /**
   * The generator for a choice, for a front that streams a generation itself (the extension writes each file into its
   * editor as it comes); `chatModel`: the front's model picked for this generation (default the session's).
   */
  generator(choice: GeneratorChoice = 'auto', chatModel: ChatModel | undefined = this.opts.chatModel): Promise<Generator> {
    return createGenerator(choice, this.cfg, chatModel);
  }

  /**
   * The model that refines and fixes an app (a failed step, or a failed verification: `fixVerification`, the request
   * the session's fix loop sends), for a front that shows the change before it is written (the extension):
   * the front's chat model when given, else Claude with the session's key (its SDK loaded only now).
   */
  async refiner(chatModel?: ChatModel): Promise<Pick<ClaudeGenerator, 'refine' | 'fix' | 'fixVerification'> | ChatModelGenerator> {
    if (chatModel) return new ChatModelGenerator(chatModel);
    const { ClaudeGenerator } = await import('../generate/claude');
    return new ClaudeGenerator(this.cfg);
  }

  /** The Claude models the session's key can use (a front's model picker), or the built-in list; the SDK is loaded only now. */
  async claudeModels(signal?: AbortSignal): Promise<ModelList> {
    const { listModels } = await import('../generate/claudeModels');
    return listModels(this.cfg, { signal });
  }

  /** "A template stands in…": what a front says when no model could be asked (`why`: which model is missing). */
  templateNotice(appType: AppType, prompt: string, why: string): string {
    return templateStandInNotice(appType, prompt, why);
  }

  /** Validation with the app's secrets (a secret's value in a file, a secret read in browser code), before any ask. */
  validate(spec: AppSpec, secrets: AppSecrets = this.secrets): Finding[] {
    return validateSpec(spec, { secrets });
  }

  /** An app folder (spawn-app.json and its files, or a spec .json file). */
  readFolder(dir: string): LoadedApp {
    return loadApp(dir);
  }

  // ---- secrets ----

  redact(text: string): string {
    return this.redactor.redact(text);
  }

  /** The error with every secret's value redacted from its message and detail. */
  redactError<T>(err: T): T {
    return this.redactor.error(err) as T;
  }

  /** Reports an event to the front, redacted. */
  emit(e: SessionEvent, app: string | undefined): void {
    const out = this.redactor.empty ? e : (this.redactor.event(e as never) as SessionEvent);
    this.opts.ports.progress(out, app);
  }

  // ---- the budget ----

  /** "$0.42 / $2.00 today" (undefined: nothing is counted). */
  budgetText(): string | undefined {
    return this.budget?.describe();
  }

  /**
   * The one check before any paid call (a model, a billed sandbox, a pre-warm's sandbox): past today's cap the front
   * is asked (pastCap); no means the budget's refusal sentence (usage) and nothing was started.
   */
  async checkPaid(paid: { generation?: boolean | string; provider?: ProviderId }, app?: string): Promise<void> {
    const budget = this.budget;
    if (!budget) return;
    void this.meter.tick(); // the sandboxes' time up to now is counted first
    const info = paid.provider ? providerInfo(paid.provider) : undefined;
    const start = { generation: paid.generation, billedSandbox: info?.billed ? info.label : undefined };
    try {
      checkPaidStart(budget, start);
    } catch (err) {
      const what = paidWhat(start);
      if (await this.opts.ports.ask.pastCap({ what, spent: budget.describe(), refusal: budget.refusal(what) })) {
        this.logger.warn(`[budget] past the cap, allowed by the front: ${what}${app ? ` for ${app}` : ''}`);
        return;
      }
      throw err;
    }
  }

  /** Whether a paid start would be past today's cap (checkPaid would ask). */
  pastCap(paid: { generation?: boolean | string; provider?: ProviderId }): boolean {
    const budget = this.budget;
    if (!budget) return false;
    try {
      checkPaidStart(budget, { generation: paid.generation, billedSandbox: paid.provider && providerInfo(paid.provider).billed ? providerInfo(paid.provider).label : undefined });
      return false;
    } catch {
      return true;
    }
  }

  /** What this session's model requests cost (generations, refines, fixes; `unknown`: a price was unknown). */
  generationSpent(): { usd: number; unknown: boolean } {
    return { ...this.generation };
  }

  /** Called after every charge (a front's total shown elsewhere); returns its removal. */
  onCharged(fn: () => void): () => void {
    this.chargeListeners.add(fn);
    return () => this.chargeListeners.delete(fn);
  }

  /** Counts a generation's price (null: unknown) and reports the 80 % warning and the cap. */
  charge(usd: number | null, app: string | undefined): void {
    if (usd === null) this.generation.unknown = true;
    else this.generation.usd += usd;
    for (const fn of this.chargeListeners) fn();
    const budget = this.budget;
    if (!budget) return;
    const outcome = budget.charge(usd);
    // A charge that reached the cap: the running billed sandboxes are paused now (they say so), not at the meter's next tick.
    if (outcome.reached) void this.meter.capReached(app ?? '');
    else this.report(outcome, app);
  }

  /** The warning and cap notes of one charge. */
  report(outcome: { warn: boolean; reached: boolean }, app: string | undefined): void {
    const budget = this.budget;
    if (!budget) return;
    if (outcome.warn && !outcome.reached) this.emit({ event: 'budget', status: 'warning', message: budget.warning(), spent: budget.describe() }, app);
    if (outcome.reached) this.emit({ event: 'budget', status: 'reached', message: `Today's spending cap is reached (${budget.describe()}).`, spent: budget.describe() }, app);
  }

  /** The meter paused these sandboxes at the cap (not deleted): one event each, for its app. */
  capPaused(paused: { id: string; app?: string; name: string }[], spent: string): void {
    for (const p of paused) this.emit({ event: 'budget', status: 'paused', message: `Today's spending cap is reached (${spent}): sandbox ${p.id} is paused, not deleted.`, spent, sandboxId: p.id }, p.app);
  }

  // ---- providers and where apps run ----

  /** Which provider a choice comes to here (auto: E2B with a key, else the local runner). */
  providerFor(choice: ProviderChoice = this.opts.provider ?? 'auto'): ProviderId {
    return resolveProviderId(choice, this.cfg);
  }

  /** The provider for a choice (a missing key says so, with the local runner as the alternative). */
  provider(choice: ProviderChoice = this.opts.provider ?? 'auto'): Promise<SandboxProvider> {
    return createProvider(choice, this.cfg, this.local);
  }

  /** Whether a deploy there outlives this process (E2B: until its timeout; the local runner: no). */
  outlivesProcess(choice?: ProviderChoice): boolean {
    return providerInfo(this.providerFor(choice)).timeout;
  }

  /** Whether a choice runs apps on this machine. */
  onThisMachine(choice?: ProviderChoice): boolean {
    return providerInfo(this.providerFor(choice)).onThisMachine;
  }

  /** Whether code run there runs unsandboxed on this machine (the local runner without its sandbox). */
  runsUnsandboxed(provider: Pick<SandboxProvider, 'id' | 'isolation'>): boolean {
    return runsUnsandboxed(provider);
  }

  /** The one sentence that says where a provider runs apps. */
  where(provider: Pick<SandboxProvider, 'id' | 'isolation'>): string {
    return whereProviderRuns(provider);
  }

  /** Pre-warm is wanted for this session (its flag, SPAWN_APP_PREWARM). */
  get prewarmEnabled(): boolean {
    return this.opts.prewarm !== false && this.cfg.prewarm !== false;
  }

  // ---- every sandbox of this user ----

  private providers(): Promise<SandboxProvider[]> {
    return allProviders(this.cfg, this.local);
  }

  /** Every provider's sandboxes with their cost; a provider that cannot be reached is a failure, never the end of the list. */
  async listSandboxes(now = Date.now()): Promise<{ sandboxes: ListedSandbox[]; failed: ProviderFailure[] }> {
    const sandboxes: ListedSandbox[] = [];
    const failed: ProviderFailure[] = [];
    for (const provider of await this.providers()) {
      try {
        const listed = await provider.list();
        // Each data folder's size, side by side (one `du` per running E2B sandbox; a failure leaves it unknown).
        const sizes = await Promise.all(listed.map((s) => dataSize(provider, s.id).catch(() => undefined)));
        listed.forEach((s, i) => sandboxes.push({ ...this.listed(s, now), ...(sizes[i] !== undefined ? { dataBytes: sizes[i] } : {}) }));
      } catch (err) {
        failed.push({ provider: provider.id, label: providerInfo(provider.id).label, error: asSpawnError(err) });
      }
    }
    return { sandboxes, failed };
  }

  private listed(s: SandboxInfo, now: number): ListedSandbox {
    // A listed sandbox says for itself whether it ran sandboxed (another process may have started it); the why is this runner's.
    const isolation = providerInfo(s.provider).onThisMachine ? isolationWords({ ...this.local.isolation(), sandboxed: s.sandboxed === true }) : undefined;
    return { ...s, cost: sandboxSpend(s, now), costText: formatSandboxSpend(s, now), isolation };
  }

  /** One sandbox as its provider lists it (undefined: not listed). */
  async sandboxInfo(id: string): Promise<SandboxInfo | undefined> {
    return (await providerOfSandbox(await this.providers(), id).list()).find((s) => s.id === id);
  }

  /** The app of this session that runs in this sandbox. */
  appIn(sandboxId: string): AppSession | undefined {
    for (const app of this.apps.values()) if (app.sandboxId === sandboxId) return app;
    return undefined;
  }

  /**
   * Destroys a sandbox by id and its app data folder (an app of this session's is stopped); false when there was none.
   * Every front shows `destroyWords(id)` before (its confirmation) or with its result.
   */
  async destroySandbox(id: string): Promise<boolean> {
    const app = this.appIn(id);
    if (app) return app.stop({ data: true });
    return providerOfSandbox(await this.providers(), id).destroy(id, { data: true });
  }

  // ---- the app data folder ($DATA_DIR) ----

  /** Bytes in a sandbox's app data folder (undefined: not known now, e.g. paused; or not a sandbox of ours). */
  async dataSize(id: string): Promise<number | undefined> {
    return dataSize(providerOfSandbox(await this.providers(), id), id).catch(() => undefined);
  }

  /** What destroying a sandbox removes: "sandbox local-1a2b and its data, 12 KB" (the one sentence of every front). */
  async destroyWords(id: string): Promise<string> {
    return destroyWords(id, await this.dataSize(id));
  }

  /** Saves a sandbox's app data folder to a `.tar.gz` (folders and regular files; links, FIFOs and devices left out). */
  async exportData(id: string, file: string): Promise<DataExport> {
    return exportData(providerOfSandbox(await this.providers(), id), id, file);
  }

  /** Replaces a sandbox's app data folder with a `.tar.gz`, every entry checked first (one sentence per refusal). */
  async importData(id: string, file: string): Promise<{ files: number; bytes: number; message: string }> {
    return importData(providerOfSandbox(await this.providers(), id), id, file);
  }

  /** Destroys every sandbox that could be listed; the providers that could not be reached are failures. */
  async destroyAllSandboxes(): Promise<{ destroyed: number; failed: ProviderFailure[] }> {
    let destroyed = 0;
    const failed: ProviderFailure[] = [];
    for (const provider of await this.providers()) {
      const fail = (err: unknown) => failed.push({ provider: provider.id, label: providerInfo(provider.id).label, error: asSpawnError(err) });
      const listed = await provider.list().catch((err: unknown) => void fail(err));
      for (const s of listed ?? []) {
        const app = this.appIn(s.id);
        await (app ? app.stop({ data: true }) : provider.destroy(s.id, { data: true })).then((gone) => gone && destroyed++, fail);
      }
    }
    return { destroyed, failed };
  }

  private async pausable(id: string): Promise<SandboxProvider & Required<Pick<SandboxProvider, 'pause' | 'resume'>>> {
    const p = providerOfSandbox(await this.providers(), id);
    if (!p.pause || !p.resume) {
      throw new SpawnError('usage', `Sandbox ${id} runs on the ${providerInfo(p.id).label}, which cannot pause: it lives as long as the process that started it.`);
    }
    return p as SandboxProvider & Required<Pick<SandboxProvider, 'pause' | 'resume'>>;
  }

  /** Pauses a sandbox (it costs nothing while paused; an app of this session's stops its meter); false when it was paused already. */
  async pauseSandbox(id: string): Promise<boolean> {
    const app = this.appIn(id);
    return app ? app.pause() : (await this.pausable(id)).pause(id);
  }

  /** Resumes a sandbox for the whole configured lifetime (or `timeoutMs`); resolves with that lifetime (ms). */
  async resumeSandbox(id: string, timeoutMs = this.sandboxTimeoutMs): Promise<number> {
    const app = this.appIn(id);
    await (app ? app.resume(timeoutMs) : (await this.pausable(id)).resume(id, timeoutMs));
    return timeoutMs;
  }

  /** The local runner's per-user dependency cache: its entries, and a clear that keeps those running apps use. */
  dependencyCache(): { root: string; entries: () => ReturnType<LocalProvider['depCache']['entries']>; clear: () => ReturnType<LocalProvider['depCache']['clear']> } {
    const cache = this.local.depCache;
    return { root: cache.root, entries: () => cache.entries(), clear: () => cache.clear(this.local.cacheEntriesInUse()) };
  }

  /** What the local runner isolates, in the one sentence's words. */
  localIsolation(detail = false): { sandboxed: boolean; reason?: string; network: boolean; words: string } {
    const iso = this.local.isolation();
    return { ...iso, words: isolationWords(iso, detail) };
  }

  /** Discards every app's pending pre-warm; their sandboxes stay (a front whose sandboxes outlive it: the extension's window). */
  async discardPrewarms(reason: DiscardReason = 'disposed'): Promise<void> {
    await Promise.all([...this.apps.values()].map((app) => app.discardPrewarm(reason)));
  }

  /**
   * Ends the session's apps: stops their meters and pre-warms, destroys their sandboxes except the kept ones (`keep`).
   * Resolves with the kept local apps' exits (the process must outlive them).
   */
  async close(keep: (app: AppSession) => boolean = () => false): Promise<{ keptLocal: Promise<unknown>[] }> {
    const keptLocal: Promise<unknown>[] = [];
    await Promise.all(
      [...this.apps.values()].map(async (app) => {
        if (app.sandboxId && keep(app)) {
          const { exited } = app.keepRunning();
          if (exited) keptLocal.push(exited);
          return;
        }
        await app.close();
      }),
    );
    this.meter.stop();
    if (this.verifier && this.ownsVerifier) await this.verifier.close();
    return { keptLocal };
  }

  /** Closes the session and stops every sandbox of the local runner it made (the process is about to end). */
  async dispose(): Promise<void> {
    await this.close();
    if (this.ownsLocal) await this.local.destroyAll();
  }
}

/** A spend store kept in memory (tests; a front that keeps its spend elsewhere passes its own). */
export class MemorySpend implements SpendStore {
  private r?: ReturnType<SpendStore['load']>;
  load(): ReturnType<SpendStore['load']> {
    return this.r && { ...this.r };
  }
  save(r: NonNullable<ReturnType<SpendStore['load']>>): void {
    this.r = { ...r };
  }
}

export type { Budget };
export { DEFAULT_BUDGET_USD };
export type { GeneratorChoice, ProviderChoice };
