/**
 * The six agent tools over app folders, for the MCP server: a thin front over the app session (core/session). Apps
 * are folders under one apps directory (their id is the folder name). Every rule (trust, the cap, secrets, restart
 * vs recreate, the install, cost, where it runs) is the session's; this file supplies its ports: a refusal unless
 * the server was started with --allow-local-unsandboxed, the spend file, progress to the logs and the agent's text.
 * Every result is text an agent can act on; failures carry an error code, one sentence and the app's last output.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import type { CoreConfig } from '../core/base/config';
import { isCancelled, messageOf, SpawnError } from '../core/base/errors';
import type { Logger } from '../core/base/events';
import { nullLogger, TailBuffer } from '../core/base/events';
import { KeyedQueue } from '../core/base/keyedQueue';
import { formatUsd } from '../core/base/pricing';
import type { ProviderChoice } from '../core/sandbox';
import type { LocalProvider, LocalProviderOptions } from '../core/sandbox/local/provider';
import type { AppSecrets } from '../core/base/secrets';
import type { SpendStore } from '../core/deploy/budget';
import type { AppSession, SessionEvent } from '../core/session';
import { hasErrors, isAppType, MANIFEST_NAME, Session } from '../core/session';
import type { Finding } from '../core/base/finding';
import { MAX_LOG_TAIL, toolDefinition } from '../core/tools/definitions';
import { checkToolArgs } from '../core/tools/schemas';
import { changedLines, deployedLines, errorText, findingLines, fromError, logsText, sandboxLine, verifiedParts, writtenLines } from '../core/tools/toolText';
import type { ToolResult } from '../core/tools/toolText';
import { appNameFrom } from '../core/app/spec';

export type { ToolResult } from '../core/tools/toolText';

export interface HeadlessToolsOptions {
  cfg: CoreConfig;
  /** The local runner (a test's), or the options the session makes it with. */
  local?: LocalProvider | LocalProviderOptions;
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
  /** Where today's spend is kept (the CLI's spend file): with it, the cap (`budgetUsd`) is checked before any paid call. */
  spend?: SpendStore;
  budgetUsd?: number;
  /** The apps' secrets (`--env-file`): to their processes only; the model gets their names; results redact their values. */
  secrets?: AppSecrets;
  /** How often billed sandboxes' seconds are charged (ms; default 5 s). */
  meterMs?: number;
  /** Fix rounds after a failed verification (default the session's: 1 with an Anthropic key, 0 without). */
  fixRounds?: number;
  /**
   * Pre-warm: spawn_app creates the E2B sandbox while the model writes, as the CLI's run does (the session's rule:
   * E2B only; default true; `--no-prewarm` or SPAWN_APP_PREWARM=0 turns it off).
   */
  prewarm?: boolean;
}

/** Refusal code for an app that would run model-written code unsandboxed. */
export const REFUSED_UNSANDBOXED = 'refused.unsandboxed';
/** Refusal code for destroying a sandbox another process started (a CLI run, an editor, another agent). */
export const REFUSED_NOT_OURS = 'refused.not_ours';

/** The MCP server's answer to "run it unsandboxed?": no, unless the person who started it allowed it. */
class Refusal extends Error {
  constructor(
    message: string,
    readonly findings: readonly Finding[],
  ) {
    super(message);
  }
}

/**
 * Marks the sandboxes of one apps folder (a hash of its path, not the path, goes into E2B's metadata), so
 * a later server on the same folder may stop the kept ones, and no other process's sandbox is taken for one.
 */
export function appsDirId(appsDir: string): string {
  return createHash('sha256').update(path.resolve(appsDir)).digest('hex').slice(0, 16);
}

const APP_ID = /^[a-z0-9][a-z0-9-]{0,63}$/;

function str(args: Record<string, unknown>, key: string): string | undefined {
  const v = args[key];
  return typeof v === 'string' ? v : undefined;
}

export class HeadlessTools {
  private readonly logger: Logger;
  readonly session: Session;
  private readonly logs = new Map<string, TailBuffer>();
  /** Findings of the deploy under way, by app (one at a time per app: the queue). */
  private readonly findings = new Map<string, Finding[]>();
  private readonly kept = new Set<string>();
  private readonly queue = new KeyedQueue();
  private readonly closing = new AbortController();

  constructor(private readonly opts: HeadlessToolsOptions) {
    this.logger = opts.logger ?? nullLogger;
    this.session = new Session({
      cfg: opts.cfg,
      local: opts.local,
      client: opts.client ?? 'mcp',
      provider: opts.provider,
      budgetUsd: opts.budgetUsd,
      secrets: opts.secrets,
      meterMs: opts.meterMs,
      fixRounds: opts.fixRounds,
      prewarm: opts.prewarm,
      ports: {
        ask: {
          unsandboxedRun: async (q) => {
            if (opts.allowLocalUnsandboxed) return true;
            throw new Refusal(`${q.message} Nothing was run. To allow it, start the server with --allow-local-unsandboxed; or set E2B_API_KEY to run apps in E2B sandboxes.`, q.findings);
          },
          pastCap: async () => false,
        },
        spend: opts.spend,
        progress: (e, app) => this.progress(e, app),
        logger: this.logger,
      },
    });
  }

  private progress(e: SessionEvent, id: string | undefined): void {
    if (e.event === 'budget') this.logger.warn(`[budget] ${e.message}`);
    if (!id) return;
    if (e.event === 'log') this.logBuffer(id).push(e.source === 'install' ? `[install] ${e.line}` : e.line);
    else if (e.event === 'finding') this.findings.get(id)?.push(e);
    else if (e.event === 'phase' && e.status === 'failed') this.logger.warn(`[${id}] ${e.phase} failed`);
  }

  /** Runs one tool; never throws (errors become results). No secret's value is ever in a result. */
  async call(name: string, args: Record<string, unknown> = {}, signal?: AbortSignal): Promise<ToolResult> {
    const res = await this.callNow(name, args, signal);
    return { ...res, text: this.session.redact(res.text) };
  }

  private async callNow(name: string, args: Record<string, unknown>, signal?: AbortSignal): Promise<ToolResult> {
    const def = toolDefinition(name);
    if (!def) return errorText('usage', `There is no tool named ${name}.`);
    const sig = signal ? AbortSignal.any([signal, this.closing.signal]) : this.closing.signal;
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
      if (err instanceof Refusal) return { text: [errorText(REFUSED_UNSANDBOXED, err.message).text, ...findingLines(err.findings)].join('\n'), isError: true };
      this.session.redactError(err);
      if (!(err instanceof SpawnError)) this.logger.error(err instanceof Error ? err : String(err));
      return fromError(err);
    }
  }

  private withApp(args: Record<string, unknown>, fn: (id: string) => Promise<ToolResult>): Promise<ToolResult> {
    const id = this.resolveAppId(str(args, 'appId')!);
    return this.queue.run(id, () => fn(id));
  }

  private appDir(id: string): string {
    return path.join(this.opts.appsDir, id);
  }

  private isApp(id: string): boolean {
    return existsSync(path.join(this.appDir(id), MANIFEST_NAME));
  }

  /** An app id is a folder name under the apps directory; anything else is refused before touching the disk. */
  private resolveAppId(raw: string): string {
    const id = raw.trim();
    if (!APP_ID.test(id)) throw new SpawnError('usage', `"${raw}" is not an app id (list_apps_and_sandboxes shows them).`);
    return id;
  }

  /** The app's session, its files read again from its folder (an agent may have edited them). */
  private open(id: string): AppSession {
    if (!this.isApp(id)) throw new SpawnError('usage', `There is no app "${id}" in ${this.opts.appsDir} (list_apps_and_sandboxes shows the apps).`);
    const app = this.session.app(id, id);
    app.open(this.appDir(id));
    return app;
  }

  private logBuffer(id: string): TailBuffer {
    let buf = this.logs.get(id);
    if (!buf) this.logs.set(id, (buf = new TailBuffer(MAX_LOG_TAIL)));
    return buf;
  }

  private async spawnApp(args: Record<string, unknown>, signal: AbortSignal): Promise<ToolResult> {
    const prompt = str(args, 'prompt')!.trim();
    const app = this.session.newApp(prompt);
    const deployTo = args.deploy === false ? undefined : (this.opts.provider ?? 'auto');
    try {
      // With a deploy to follow, the session pre-warms its sandbox while the model writes (as the CLI's run).
      return await this.spawnAndDeploy(app, prompt, args, deployTo, signal);
    } finally {
      // Not taken (validation blocked it, a failure before the deploy, a cancel): it goes.
      await app.discardPrewarm(signal.aborted ? 'cancelled' : 'not-used');
    }
  }

  private async spawnAndDeploy(app: AppSession, prompt: string, args: Record<string, unknown>, deployTo: ProviderChoice | undefined, signal: AbortSignal): Promise<ToolResult> {
    const generated = await app.generate({ prompt, appType: isAppType(args.appType) ? args.appType : undefined, signal, deployTo });
    const lines = generated.notice ? [generated.notice] : [];
    if (hasErrors(generated.findings)) {
      return { text: [`Error [blocked]: Nothing was written: the generated app failed validation.`, ...findingLines(generated.findings)].join('\n'), isError: true };
    }
    const base = appNameFrom(generated.spec.title ?? prompt);
    let id = base;
    for (let n = 2; existsSync(this.appDir(id)); n++) id = `${base}-${n}`;
    this.session.name(app, id).save(this.appDir(id), generated.findings);
    lines.push(...writtenLines({ id, spec: generated.spec, generator: generated.generator, usd: generated.usd, where: this.appDir(id) }), ...findingLines(generated.findings));
    if (deployTo === undefined) {
      lines.push(`Not deployed; run it with deploy_app {"appId": "${id}"}.`);
      return { text: lines.join('\n'), isError: false };
    }
    const deployed = await this.queue.run(id, () => this.deployApp(id, args.keep === true, signal));
    return { ...deployed, text: [...lines, deployed.text].join('\n') };
  }

  private async deployApp(id: string, keep: boolean, signal: AbortSignal): Promise<ToolResult> {
    const app = this.open(id);
    const findings: Finding[] = [];
    this.findings.set(id, findings);
    if (keep || this.opts.keep) this.kept.add(id);
    try {
      const d = await app.deploy({ signal, appName: id, metadata: { appId: id, appsDirId: appsDirId(this.opts.appsDir) } });
      const lifetime = this.kept.has(id)
        ? d.outlivesProcess
          ? `Kept after this session ends (until its ${d.providerLabel} timeout).`
          : 'Kept after this session ends: the server stays running until the app is destroyed (spawn-app destroy ' + d.sandboxId + ').'
        : 'Destroyed when this session ends (pass keep: true to keep it).';
      // What the fix loop did after a failed verification (its rounds, cost, why it stopped), then the last check.
      const verified = verifiedParts(d.deployment.verification, d.fixes);
      return {
        text: [...deployedLines({ how: d.how, id, url: d.url, sandboxId: d.sandboxId, where: d.where, lifetime }), ...verified.lines, ...findingLines(findings)].join('\n'),
        isError: false,
        // What the browser saw (core/verify): the agent sees the app it built.
        ...(verified.image ? { image: verified.image } : {}),
      };
    } catch (err) {
      if (isCancelled(err) || err instanceof Refusal) throw err;
      return { text: [fromError(err).text, ...findingLines(findings)].join('\n'), isError: true };
    } finally {
      this.findings.delete(id);
    }
  }

  private async refineApp(id: string, followUp: string, signal: AbortSignal): Promise<ToolResult> {
    const app = this.open(id);
    if (!this.opts.cfg.anthropicApiKey) {
      throw new SpawnError('generation.no_key', 'Refining needs a model: set ANTHROPIC_API_KEY for the server (the built-in templates cannot change an app); or edit the files yourself and call deploy_app.');
    }
    const { patch, usage, diff, findings } = await app.refine({ followUp, signal });
    const lines = [`${patch.summary || 'Changed'} (${usage.model}${usage.usd != null ? `, ${formatUsd(usage.usd)}` : ''}).`, ...changedLines(diff!), ...findingLines(findings)];
    if (await app.running()) {
      const deployed = await this.deployApp(id, this.kept.has(id), signal);
      lines.push(deployed.text);
      return { ...deployed, text: lines.join('\n') };
    }
    lines.push(`Not running; start it with deploy_app {"appId": "${id}"}.`);
    return { text: lines.join('\n'), isError: false };
  }

  private async list(): Promise<ToolResult> {
    const dir = this.opts.appsDir;
    const ids = existsSync(dir) ? readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory() && this.isApp(d.name)).map((d) => d.name).sort() : [];
    const lines = [ids.length ? `Apps in ${dir}:` : `No apps in ${dir} yet.`];
    for (const id of ids) {
      let desc: string;
      try {
        const { spec, generator } = this.session.readFolder(this.appDir(id));
        desc = `${spec.appType}${spec.title ? `, ${spec.title}` : ''}${generator ? `, by ${generator}` : ''}`;
      } catch (err) {
        desc = `unreadable: ${messageOf(err)}`;
      }
      const app = this.session.existing(id);
      const running = app && (await app.running()) ? `running at ${app.deployment!.url} (sandbox ${app.sandboxId})` : 'not running';
      lines.push(`  ${id}  ${desc}  ${running}`);
    }
    const now = Date.now();
    const { sandboxes, failed } = await this.session.listSandboxes(now);
    for (const f of failed) lines.push(`Could not list ${f.provider} sandboxes: ${f.error.message}`);
    lines.push(sandboxes.length ? 'Sandboxes:' : 'No sandboxes running.');
    for (const s of sandboxes) lines.push(sandboxLine({ ...s, app: s.metadata.appId ?? s.appName, notes: s.orphan ? ['orphan (its owner is gone)'] : [] }, now));
    return { text: lines.join('\n'), isError: false };
  }

  private appLogs(id: string, tail: number): ToolResult {
    const buf = this.logs.get(id);
    if (!buf) {
      if (!this.isApp(id)) return errorText('usage', `There is no app "${id}" (list_apps_and_sandboxes shows the apps).`);
      return { text: `App "${id}" has not run in this session, so there is no output yet.`, isError: false };
    }
    const n = Math.min(Math.max(1, Math.floor(tail)), MAX_LOG_TAIL);
    const app = this.session.existing(id);
    return logsText(id, n, buf.text(n), app?.deployment ? `running at ${app.deployment.url}` : 'not running');
  }

  private async destroy(args: Record<string, unknown>): Promise<ToolResult> {
    const sandboxId = str(args, 'sandboxId');
    const appId = str(args, 'appId') ?? this.session.appIn(sandboxId!)?.id;
    if (appId) {
      const id = this.resolveAppId(appId);
      return this.queue.run(id, async () => {
        const app = this.session.existing(id);
        const sid = app?.sandboxId;
        if (!app || !sid) return errorText('deploy.not_found', `App "${id}" has no sandbox started in this session (list_apps_and_sandboxes shows every sandbox).`);
        const what = await this.session.destroyWords(sid);
        await app.stop({ data: true });
        this.kept.delete(id);
        return { text: `Destroyed ${what} of app "${id}"; its files stay in ${this.appDir(id)}.`, isError: false };
      });
    }
    const notFound = () => errorText('deploy.not_found', `No sandbox ${sandboxId} was found (it may have ended already).`);
    if (!this.opts.allowDestroyAny) {
      // Not started in this session: only a sandbox of an app of this apps folder (a kept one of an earlier server).
      const info = await this.session.sandboxInfo(sandboxId!);
      if (!info) return notFound();
      const app = info.metadata.appId;
      const ofThisFolder = info.metadata.appsDirId === appsDirId(this.opts.appsDir) && app !== undefined && APP_ID.test(app) && this.isApp(app);
      if (!ofThisFolder) {
        return errorText(
          REFUSED_NOT_OURS,
          `Sandbox ${sandboxId} was not started by this server (another process runs it: a spawn-app run, an editor, another agent), so it was left running. Stop it there, or start the server with --allow-destroy-any to let destroy_sandbox stop any of your sandboxes.`,
        );
      }
    }
    const what = await this.session.destroyWords(sandboxId!);
    if (await this.session.destroySandbox(sandboxId!)) return { text: `Destroyed ${what}.`, isError: false };
    return notFound();
  }

  /**
   * Ends the session: cancels what is in flight and destroys every sandbox it started, except kept ones.
   * Resolves with the kept local apps' exits (the process must outlive them, or they die with it).
   */
  async shutdown(): Promise<{ keptLocal: Promise<unknown>[] }> {
    this.closing.abort();
    return this.session.close((app) => app.id !== undefined && this.kept.has(app.id));
  }
}
