/**
 * The six agent tools over app folders, for the fronts without an editor (the MCP server): apps are folders under
 * one apps directory (their id is the folder name), generated, validated, deployed, refined and stopped with the
 * same core the CLI uses. Every result is text an agent can act on; failures carry an error code, one sentence
 * and, when an app ran, its last output. Nothing model-written runs unsandboxed on this machine unless the person
 * who started the server allowed it (see trust.ts).
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { loadApp, saveApp, updateApp } from '../workspace/appDir';
import type { CoreConfig } from '../base/config';
import { DEFAULTS } from '../base/config';
import type { Deployment } from '../deploy/deploy';
import { deploy, redeploy, restartInPlace } from '../deploy/deploy';
import { isCancelled, messageOf, SpawnError } from '../base/errors';
import type { Logger, SpawnEvent } from '../base/events';
import { nullLogger, TailBuffer } from '../base/events';
import { createGenerator, resolveGeneratorId } from '../generate';
import { templateStandInNotice } from '../generate/templates';
import { applyPatch } from '../workspace/patch';
import { deployKind } from '../deploy/redeployPlan';
import { KeyedQueue } from '../base/keyedQueue';
import { formatUsd } from '../base/pricing';
import type { ProviderChoice } from '../sandbox';
import { createProvider, resolveProviderId } from '../sandbox';
import type { ProviderId } from '../base/providerId';
import { providerInfo } from '../sandbox/providers';
import type { Budget, SandboxMeter } from '../deploy/budget';
import { checkPaidStart, meterFor } from '../deploy/budget';
import type { AppSecrets } from '../base/secrets';
import { Redactor } from '../base/secrets';
import type { LocalProvider } from '../sandbox/local/provider';
import type { SandboxProvider } from '../sandbox/types';
import { allProviders, providerOfSandbox } from '../deploy/sandboxes';
import type { AppSpec, AppType } from '../app/spec';
import { appNameFrom, promptTooLong } from '../app/spec';
import { guessAppType, isAppType } from '../stacks';
import type { Finding } from '../base/finding';
import { hasErrors, MANIFEST_NAME, validateSpec } from '../validate';
import { MAX_LOG_TAIL, toolDefinition } from './definitions';
import { checkToolArgs } from './schemas';
import { mayRunWithoutAsking } from './trust';
import { TrustedSpecs } from '../app/trust';
import { changedLines, deployedLines, errorText, findingLines, fromError, logsText, sandboxLine, whereText, writtenLines } from './toolText';
import type { ToolResult } from './toolText';
import { Verifier, verifyLines } from '../verify';

export type { ToolResult } from './toolText';

export interface HeadlessToolsOptions {
  cfg: CoreConfig;
  local: LocalProvider;
  /** Where app folders go (one sub-folder per app). */
  appsDir: string;
  provider?: ProviderChoice;
  /** Run model-written apps on the unsandboxed local runner without refusing. */
  allowLocalUnsandboxed?: boolean;
  /** Keep every sandbox when the session ends. */
  keep?: boolean;
  /** destroy_sandbox may stop any of the user's sandboxes, not only those of this server or of its apps folder. */
  allowDestroyAny?: boolean;
  logger?: Logger;
  /** Tag for sandbox metadata (`client`). */
  client?: string;
  /**
   * Today's spending cap (core/deploy/budget.ts, `--budget` / SPAWN_APP_BUDGET_USD, the CLI's spend file): checked before
   * any paid call (a model, a billed sandbox), charged with generation costs and billed sandboxes' running seconds.
   */
  budget?: Budget;
  /** The apps' secrets (`--env-file`): to their processes only; the model gets their names; results redact their values. */
  secrets?: AppSecrets;
  /** How often billed sandboxes' seconds are charged (ms; default 5 s). */
  meterMs?: number;
}

interface LiveApp {
  deployment: Deployment;
  provider: SandboxProvider;
  keep: boolean;
  /** Its running seconds against the budget (billed providers only). */
  meter?: SandboxMeter;
}

/** Refusal code for an app that would run model-written code unsandboxed. */
export const REFUSED_UNSANDBOXED = 'refused.unsandboxed';
/** Refusal code for destroying a sandbox another process started (a CLI run, an editor, another agent). */
export const REFUSED_NOT_OURS = 'refused.not_ours';

/**
 * Marks the sandboxes of one apps folder (a hash of its path, not the path, goes into E2B's metadata), so
 * a later server on the same folder may stop the kept ones, and no other process's sandbox is taken for one.
 */
export function appsDirId(appsDir: string): string {
  return createHash('sha256').update(path.resolve(appsDir)).digest('hex').slice(0, 16);
}

function str(args: Record<string, unknown>, key: string): string | undefined {
  const v = args[key];
  return typeof v === 'string' ? v : undefined;
}

export class HeadlessTools {
  private readonly logger: Logger;
  /** Digests of exactly what a built-in template wrote in this process: those may run unsandboxed. */
  private readonly trusted = new TrustedSpecs();
  private readonly live = new Map<string, LiveApp>();
  private readonly logs = new Map<string, TailBuffer>();
  private readonly queue = new KeyedQueue();
  private readonly session = new AbortController();
  private readonly redactor: Redactor;
  private meterTimer?: NodeJS.Timeout;
  /** The session's one browser for the verification step (SPAWN_APP_BROWSER, else one found). */
  private readonly verifier: Verifier;

  constructor(private readonly opts: HeadlessToolsOptions) {
    this.logger = opts.logger ?? nullLogger;
    this.redactor = new Redactor(Object.values(opts.secrets ?? {}));
    this.verifier = new Verifier({ browserPath: opts.cfg.browserPath });
  }

  /** Runs one tool; never throws (errors become results). No secret's value is ever in a result. */
  async call(name: string, args: Record<string, unknown> = {}, signal?: AbortSignal): Promise<ToolResult> {
    const res = await this.callNow(name, args, signal);
    return this.redactor.empty ? res : { text: this.redactor.redact(res.text), isError: res.isError };
  }

  private async callNow(name: string, args: Record<string, unknown>, signal?: AbortSignal): Promise<ToolResult> {
    const def = toolDefinition(name);
    if (!def) return errorText('usage', `There is no tool named ${name}.`);
    const sig = signal ? AbortSignal.any([signal, this.session.signal]) : this.session.signal;
    try {
      // The tool's one schema (schemas.ts), as the chat tools check it: the same sentence for the same mistake.
      const bad = checkToolArgs(def.name, args);
      if (bad) return errorText('usage', bad);
      switch (def.name) {
        case 'spawn_app':
          return await this.spawnApp(args, sig);
        case 'deploy_app':
          return await this.withApp(args, (id) => this.deployApp(id, args.keep === true, sig));
        case 'refine_app':
          return await this.withApp(args, (id) => this.refineApp(id, str(args, 'followUp')!, sig));
        case 'list_apps_and_sandboxes':
          return await this.list();
        case 'get_app_logs':
          return this.appLogs(this.resolveAppId(str(args, 'appId')!), typeof args.tail === 'number' ? args.tail : 50);
        case 'destroy_sandbox':
          return await this.destroy(args);
      }
    } catch (err) {
      this.redactor.error(err);
      if (!(err instanceof SpawnError)) this.logger.error(err instanceof Error ? err : String(err));
      return fromError(err);
    }
  }

  /** The core's check before a paid call (core/deploy/budget.ts), as the CLI makes it: past the cap nothing starts. */
  private checkPaid(generation: boolean | string, provider?: ProviderId): void {
    if (!this.opts.budget) return;
    const info = provider ? providerInfo(provider) : undefined;
    checkPaidStart(this.opts.budget, { generation, billedSandbox: info?.billed ? info.label : undefined });
  }

  private charge(usd: number | null | undefined): void {
    if (usd === undefined || !this.opts.budget) return;
    const { warn, reached } = this.opts.budget.charge(usd);
    if (warn && !reached) this.logger.warn(`[budget] ${this.opts.budget.warning()}`);
    if (reached) this.logger.warn(`[budget] Today's spending cap is reached (${this.opts.budget.describe()}).`);
  }

  /** Charges every billed sandbox's seconds since the last tick; at the cap they are paused (not deleted), as the CLI does. */
  private async tickMeters(): Promise<void> {
    const budget = this.opts.budget;
    if (!budget) return;
    for (const [id, app] of this.live) {
      if (!app.meter) continue;
      const { warn, reached } = app.meter.tick();
      if (warn && !reached) this.logger.warn(`[budget] ${budget.warning()}`);
      if (budget.capped && app.provider.pause) {
        await app.provider.pause(app.deployment.sandbox.id).catch((e: unknown) => this.logger.warn(`[budget] could not pause ${app.deployment.sandbox.id}: ${messageOf(e)}`));
        this.live.delete(id);
        this.logger.warn(`[budget] Today's spending cap is reached (${budget.describe()}): sandbox ${app.deployment.sandbox.id} of app "${id}" is paused, not deleted.`);
      }
    }
  }

  private startMeters(): void {
    if (this.meterTimer || !this.opts.budget) return;
    this.meterTimer = setInterval(() => void this.tickMeters(), this.opts.meterMs ?? 5000);
    this.meterTimer.unref();
  }

  private async withApp(args: Record<string, unknown>, fn: (id: string) => Promise<ToolResult>): Promise<ToolResult> {
    const id = this.resolveAppId(str(args, 'appId')!);
    return this.queue.run(id, () => fn(id));
  }

  private appDir(id: string): string {
    return path.join(this.opts.appsDir, id);
  }

  /** An app id is a folder name under the apps directory; anything else is refused before touching the disk. */
  private resolveAppId(raw: string): string {
    const id = raw.trim();
    if (!/^[a-z0-9][a-z0-9-]{0,63}$/.test(id)) throw new SpawnError('usage', `"${raw}" is not an app id (list_apps_and_sandboxes shows them).`);
    return id;
  }

  private load(id: string): { spec: AppSpec; generator?: string } {
    if (!existsSync(path.join(this.appDir(id), MANIFEST_NAME))) {
      throw new SpawnError('usage', `There is no app "${id}" in ${this.opts.appsDir} (list_apps_and_sandboxes shows the apps).`);
    }
    return loadApp(this.appDir(id));
  }

  private newAppId(spec: AppSpec, prompt: string): string {
    const base = appNameFrom(spec.title ?? prompt);
    let id = base;
    for (let n = 2; existsSync(this.appDir(id)); n++) id = `${base}-${n}`;
    return id;
  }

  private logBuffer(id: string): TailBuffer {
    let buf = this.logs.get(id);
    if (!buf) this.logs.set(id, (buf = new TailBuffer(MAX_LOG_TAIL)));
    return buf;
  }

  private sink(id: string, findings?: Finding[]): (e: SpawnEvent) => void {
    const buf = this.logBuffer(id);
    return (e) => {
      if (e.event === 'log') buf.push(e.source === 'install' ? `[install] ${e.line}` : e.line);
      else if (e.event === 'finding' && findings) findings.push(e);
      else if (e.event === 'phase' && e.status === 'failed') this.logger.warn(`[${id}] ${e.phase} failed`);
    };
  }

  private async spawnApp(args: Record<string, unknown>, signal: AbortSignal): Promise<ToolResult> {
    const prompt = str(args, 'prompt')!.trim();
    const tooLong = promptTooLong(prompt);
    if (tooLong) throw new SpawnError('usage', tooLong);
    const appType: AppType = isAppType(args.appType) ? args.appType : guessAppType(prompt);
    // Before any paid call: the model, and the sandbox the deploy would create.
    this.checkPaid(resolveGeneratorId('auto', this.opts.cfg) !== 'templates', args.deploy === false ? undefined : resolveProviderId(this.opts.provider ?? 'auto', this.opts.cfg));
    const generator = await createGenerator('auto', this.opts.cfg);
    const lines: string[] = [];
    if (generator.id === 'templates' && resolveGeneratorId('auto', this.opts.cfg) === 'templates') {
      lines.push(templateStandInNotice(appType, prompt, 'No Anthropic API key is set (ANTHROPIC_API_KEY)'));
    }
    this.logger.info(`[spawn_app] generating a ${appType} with ${generator.id}`);
    let usd: number | null | undefined;
    const result = await generator.generate({
      prompt,
      appType,
      signal,
      logger: this.logger,
      secrets: this.opts.secrets,
      onEvent: (e) => {
        if (e.event === 'cost' && e.kind === 'generation') this.charge((usd = e.usd));
      },
    });
    const spec = result.spec;
    const findings = validateSpec(spec, { secrets: this.opts.secrets });
    if (hasErrors(findings)) {
      return { text: [`Error [blocked]: Nothing was written: the generated app failed validation.`, ...findingLines(findings)].join('\n'), isError: true };
    }
    const id = this.newAppId(spec, prompt);
    saveApp(this.appDir(id), spec, result.generator);
    if (generator.id === 'templates') this.trusted.markOurs(spec);
    lines.push(...writtenLines({ id, spec, generator: result.generator, usd, where: this.appDir(id) }), ...findingLines(findings));
    if (args.deploy === false) {
      lines.push(`Not deployed; run it with deploy_app {"appId": "${id}"}.`);
      return { text: lines.join('\n'), isError: false };
    }
    const deployed = await this.queue.run(id, () => this.deployApp(id, args.keep === true, signal));
    return { ...deployed, text: [...lines, deployed.text].join('\n') };
  }

  private async deployApp(id: string, keep: boolean, signal: AbortSignal): Promise<ToolResult> {
    const { spec } = this.load(id);
    const current = this.live.get(id);
    const provider = current?.provider ?? (await createProvider(this.opts.provider ?? 'auto', this.opts.cfg, this.opts.local));
    const decision = mayRunWithoutAsking(spec, provider, this.trusted, this.opts.allowLocalUnsandboxed === true);
    if (!decision.ok) {
      return errorText(
        REFUSED_UNSANDBOXED,
        `${decision.reason} Nothing was run. To allow it, start the server with --allow-local-unsandboxed; or set E2B_API_KEY to run apps in E2B sandboxes.`,
      );
    }
    const findings: Finding[] = [];
    const onEvent = this.sink(id, findings);
    const keepIt = keep || this.opts.keep === true || current?.keep === true;
    try {
      let deployment: Deployment;
      let how = 'Started';
      // Update the running app, restart a stopped one in its sandbox, or create one: the core's rule (deployKind).
      const running = current !== undefined && !(await this.exited(current));
      const kind = deployKind(current && { running, sandboxExists: running || (await this.sandboxExists(current)) });
      if (kind === 'restart') {
        deployment = await restartInPlace(current!.deployment, spec, { provider, signal, onEvent, logger: this.logger, secrets: this.opts.secrets, verify: this.verifier });
        how = 'Restarted in place (same sandbox)';
      } else if (kind === 'redeploy') {
        const res = await redeploy(current!.deployment, spec, { provider, signal, onEvent, logger: this.logger, secrets: this.opts.secrets, verify: this.verifier });
        deployment = res.deployment;
        how = res.plan.restart ? 'Updated and restarted' : 'Updated in place (no restart needed)';
      } else {
        this.checkPaid(false, provider.id);
        if (current) await current.deployment.sandbox.destroy().catch(() => undefined);
        this.live.delete(id);
        deployment = await deploy({
          secrets: this.opts.secrets,
          spec,
          provider,
          appName: id,
          signal,
          onEvent,
          logger: this.logger,
          timeoutMs: this.opts.cfg.sandboxTimeoutMs ?? DEFAULTS.sandboxTimeoutMs,
          metadata: { appType: spec.appType, createdBy: 'spawn-app', client: this.opts.client ?? 'mcp', appId: id, appsDirId: appsDirId(this.opts.appsDir) },
          verify: this.verifier,
        });
      }
      const meter = this.opts.budget && providerInfo(provider.id).billed ? (current?.deployment.sandbox.id === deployment.sandbox.id ? current.meter : undefined) ?? (await meterFor(this.opts.budget, deployment.sandbox, provider)) : undefined;
      this.live.set(id, { deployment, provider, keep: keepIt, meter });
      if (meter) this.startMeters();
      const where = whereText(provider);
      const shot = deployment.verification?.screenshots?.wide;
      const lifetime = keepIt
        ? !providerInfo(provider.id).timeout
          ? 'Kept after this session ends: the server stays running until the app is destroyed (spawn-app destroy ' + deployment.sandbox.id + ').'
          : `Kept after this session ends (until its ${providerInfo(provider.id).label} timeout).`
        : 'Destroyed when this session ends (pass keep: true to keep it).';
      return {
        text: [...deployedLines({ how, id, url: deployment.url, sandboxId: deployment.sandbox.id, where, lifetime }), ...(deployment.verification ? verifyLines(deployment.verification) : []), ...findingLines(findings)].join('\n'),
        isError: false,
        ...(shot ? { image: { data: shot, mimeType: 'image/png' as const } } : {}),
      };
    } catch (err) {
      if (isCancelled(err)) throw err;
      const res = fromError(err);
      return { text: [res.text, ...findingLines(findings)].join('\n'), isError: true };
    }
  }

  /** Whether the app's sandbox is still there (its provider lists it): then a stopped app restarts in it. */
  private async sandboxExists(app: LiveApp): Promise<boolean> {
    const id = app.deployment.sandbox.id;
    return (await app.provider.list().catch(() => [])).some((s) => s.id === id);
  }

  private async exited(app: LiveApp): Promise<boolean> {
    const marker = Symbol('running');
    const r = await Promise.race([app.deployment.process.exited, Promise.resolve(marker)]);
    return r !== marker;
  }

  private async refineApp(id: string, followUp: string, signal: AbortSignal): Promise<ToolResult> {
    const { spec } = this.load(id);
    if (!this.opts.cfg.anthropicApiKey) {
      throw new SpawnError('generation.no_key', 'Refining needs a model: set ANTHROPIC_API_KEY for the server (the built-in templates cannot change an app); or edit the files yourself and call deploy_app.');
    }
    this.checkPaid('refine');
    const { ClaudeGenerator } = await import('../generate/claude');
    const claude = new ClaudeGenerator(this.opts.cfg);
    const { patch, usage } = await claude.refine({ spec, followUp, signal, logger: this.logger, secrets: this.opts.secrets });
    this.charge(usage.usd);
    const { spec: next, findings } = applyPatch(spec, patch);
    const diff = updateApp(this.appDir(id), spec, next, 'claude');
    const lines = [
      `${patch.summary || 'Changed'} (${usage.model}${usage.usd != null ? `, ${formatUsd(usage.usd)}` : ''}).`,
      ...changedLines(diff),
      ...findingLines(findings),
    ];
    const current = this.live.get(id);
    if (current && !(await this.exited(current))) {
      const deployed = await this.deployApp(id, current.keep, signal);
      lines.push(deployed.text);
      return { ...deployed, text: lines.join('\n') };
    }
    lines.push(`Not running; start it with deploy_app {"appId": "${id}"}.`);
    return { text: lines.join('\n'), isError: false };
  }

  private async list(): Promise<ToolResult> {
    const lines: string[] = [];
    const ids = existsSync(this.opts.appsDir)
      ? readdirSync(this.opts.appsDir, { withFileTypes: true })
          .filter((d) => d.isDirectory() && existsSync(path.join(this.opts.appsDir, d.name, MANIFEST_NAME)))
          .map((d) => d.name)
          .sort()
      : [];
    lines.push(ids.length ? `Apps in ${this.opts.appsDir}:` : `No apps in ${this.opts.appsDir} yet.`);
    for (const id of ids) {
      let desc: string;
      try {
        const { spec, generator } = loadApp(this.appDir(id));
        desc = `${spec.appType}${spec.title ? `, ${spec.title}` : ''}${generator ? `, by ${generator}` : ''}`;
      } catch (err) {
        desc = `unreadable: ${messageOf(err)}`;
      }
      const live = this.live.get(id);
      const running = live && !(await this.exited(live)) ? `running at ${live.deployment.url} (sandbox ${live.deployment.sandbox.id})` : 'not running';
      lines.push(`  ${id}  ${desc}  ${running}`);
    }
    const now = Date.now();
    const sandboxes = [];
    for (const p of await allProviders(this.opts.cfg, this.opts.local)) {
      try {
        sandboxes.push(...(await p.list()));
      } catch (err) {
        lines.push(`Could not list ${p.id} sandboxes: ${messageOf(err)}`);
      }
    }
    lines.push(sandboxes.length ? 'Sandboxes:' : 'No sandboxes running.');
    for (const s of sandboxes) lines.push(sandboxLine({ ...s, app: s.metadata.appId ?? s.appName, notes: s.orphan ? ['orphan (its owner is gone)'] : [] }, now));
    return { text: lines.join('\n'), isError: false };
  }

  private appLogs(id: string, tail: number): ToolResult {
    const buf = this.logs.get(id);
    if (!buf) {
      if (!existsSync(path.join(this.appDir(id), MANIFEST_NAME))) return errorText('usage', `There is no app "${id}" (list_apps_and_sandboxes shows the apps).`);
      return { text: `App "${id}" has not run in this session, so there is no output yet.`, isError: false };
    }
    const n = Math.min(Math.max(1, Math.floor(tail)), MAX_LOG_TAIL);
    const live = this.live.get(id);
    return logsText(id, n, buf.text(n), live ? `running at ${live.deployment.url}` : 'not running');
  }

  private async destroy(args: Record<string, unknown>): Promise<ToolResult> {
    const sandboxId = str(args, 'sandboxId');
    const appId = str(args, 'appId');
    if (appId) {
      const id = this.resolveAppId(appId);
      return this.queue.run(id, async () => {
        const live = this.live.get(id);
        if (!live) return errorText('deploy.not_found', `App "${id}" has no sandbox started in this session (list_apps_and_sandboxes shows every sandbox).`);
        live.meter?.tick();
        await live.deployment.sandbox.destroy();
        this.live.delete(id);
        return { text: `Destroyed sandbox ${live.deployment.sandbox.id} of app "${id}"; its files stay in ${this.appDir(id)}.`, isError: false };
      });
    }
    for (const [id, live] of this.live) {
      if (live.deployment.sandbox.id === sandboxId) return this.destroy({ appId: id });
    }
    const provider = providerOfSandbox(await allProviders(this.opts.cfg, this.opts.local), sandboxId!);
    const notFound = () => errorText('deploy.not_found', `No sandbox ${sandboxId} was found (it may have ended already).`);
    if (!this.opts.allowDestroyAny) {
      // Not started in this session: only a sandbox of an app of this apps folder (a kept one of an earlier server).
      const info = (await provider.list()).find((s) => s.id === sandboxId);
      if (!info) return notFound();
      const app = info.metadata.appId;
      const ofThisFolder = info.metadata.appsDirId === appsDirId(this.opts.appsDir) && app !== undefined && /^[a-z0-9][a-z0-9-]{0,63}$/.test(app) && existsSync(path.join(this.appDir(app), MANIFEST_NAME));
      if (!ofThisFolder) {
        return errorText(
          REFUSED_NOT_OURS,
          `Sandbox ${sandboxId} was not started by this server (another process runs it: a spawn-app run, an editor, another agent), so it was left running. Stop it there, or start the server with --allow-destroy-any to let destroy_sandbox stop any of your sandboxes.`,
        );
      }
    }
    if (await provider.destroy(sandboxId!)) return { text: `Destroyed sandbox ${sandboxId}.`, isError: false };
    return notFound();
  }

  /**
   * Ends the session: cancels what is in flight and destroys every sandbox it started, except kept ones.
   * Resolves with the kept local apps' exits (the process must outlive them, or they die with it).
   */
  async shutdown(): Promise<{ keptLocal: Promise<unknown>[] }> {
    this.session.abort();
    if (this.meterTimer) clearInterval(this.meterTimer);
    await this.verifier.close();
    for (const app of this.live.values()) if (!app.keep) app.meter?.tick();
    const keptLocal: Promise<unknown>[] = [];
    await Promise.all(
      [...this.live.entries()].map(async ([id, app]) => {
        if (app.keep) {
          this.logger.info(`[mcp] keeping ${app.deployment.sandbox.id} (${id}) running`);
          // A provider without a timeout: its sandbox lives as long as the process that owns it (this one).
          if (!providerInfo(app.provider.id).timeout) keptLocal.push(app.deployment.process.exited);
          return;
        }
        this.logger.info(`[mcp] destroying ${app.deployment.sandbox.id} (${id})`);
        await app.deployment.sandbox.destroy().catch((e: unknown) => this.logger.warn(`[mcp] could not destroy ${app.deployment.sandbox.id}: ${messageOf(e)}`));
        this.live.delete(id);
      }),
    );
    return { keptLocal };
  }
}
