/**
 * The E2B provider: each app runs in its own E2B sandbox (a Firecracker microVM), through the `e2b` SDK.
 *
 * We use `e2b`'s Sandbox, not `@e2b/code-interpreter`'s: that subclass only adds `runCode` (a Jupyter server on
 * port 49999) and a heavier default template; a web app needs files, commands and `getHost`, which `e2b` has.
 *
 * A deploy costs a fixed number of requests whatever the file count: create, one batched file write (one
 * multipart request), the install command (only with dependencies), the start command, then readiness probes
 * through the app's public URL (E2B's edge answers 502 until the port is open).
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type { SandboxInfo as SdkSandboxInfo } from 'e2b';
import {
  AuthenticationError,
  NotEnoughSpaceError,
  RateLimitError,
  Sandbox as SdkSandbox,
  TimeoutError,
} from 'e2b';
import type { CoreConfig } from '../../base/config';
import { DEFAULTS } from '../../base/config';
import { CancelledError, isCancelled, messageOf, SpawnError } from '../../base/errors';
import type { ErrorCode, ErrorHint } from '../../base/errors';
import type { Logger } from '../../base/events';
import { nullLogger } from '../../base/events';
import type { AppType } from '../../app/spec';
import { DEFAULT_PORT } from '../../app/spec';
import { isAppType } from '../../stacks';
import { dependencyName } from '../../stacks/packageSpec';
import { SPAWN_TEMPLATE_ALIAS, stackTemplateSatisfies, STACK_TEMPLATES, STACK_TEMPLATES_CHOICE, templateSatisfies } from '../preinstalled';
import { probeUrl } from '../probe';

export { probeUrl };
import { openE2BShell } from './e2bShell';
import type { E2BStep } from './errors';
import { isNotFound, isTimeoutError, isTransient, networkCause, statusOf } from './errors';
import type { E2BSandboxOwner } from './sandbox';
import { E2B_APP_ROOT, E2B_VOLUME_MOUNT, e2bDataDir, E2BSandbox, sleep } from './sandbox';
import { DATA_VOLUME_METADATA, dataVolumeName } from '../dataDir';
import type { CreateOptions, OnTimeout, Sandbox, SandboxData, SandboxInfo, SandboxProvider, Shell, ShellOptions } from '../types';
import { packArchive, readArchive } from '../../base/tarball';
import { METADATA_TAG } from '../types';
import { E2B_LIFETIME_CAP } from './e2bCaps';

export { E2B_LIFETIME_CAP };

/** How long a cancelled create may still take to answer (so that the sandbox it made can be killed). */
const CANCEL_GRACE_MS = 5_000;

export interface E2BProviderOptions {
  apiKey: string;
  /** Control-plane URL; default `https://api.<domain>` (the SDK also reads E2B_API_URL). */
  apiUrl?: string;
  /** envd URL for every sandbox (self-hosted / test E2B); the SDK also reads E2B_SANDBOX_URL. */
  sandboxUrl?: string;
  /** E2B domain, default `e2b.app` (the SDK also reads E2B_DOMAIN). */
  domain?: string;
  /**
   * Template to create sandboxes from (default `base`: Debian with Node 20 and Python 3.11). CPU and memory belong
   * to the template (set when it is built); create has no resource knobs.
   */
  template?: string;
  /** Sandbox lifetime; default 15 min. */
  timeoutMs?: number;
  /** At the timeout: pause (default; a request to its URL resumes it) or kill. */
  onTimeout?: OnTimeout;
  /** Stored in metadata; sandboxes of another session are listed as `orphan`. */
  sessionId?: string;
  /** How long create may take before `deploy.create_timeout`; default 60 s. */
  createTimeoutMs?: number;
  /** Per-request timeout for everything else (the SDK's default is 60 s). */
  requestTimeoutMs?: number;
  /**
   * Packages a custom template already has (any version): deploy skips installing them. Spawn App's own template
   * (`spawn-app-node-python`, e2b-template/) is known without this: its packages are checked against the version range.
   */
  preinstalled?: { npm?: readonly string[]; pip?: readonly string[] };
  /**
   * One of the team's E2B volumes (its name, checked by `dataVolumeName`): mounted at E2B_VOLUME_MOUNT in every new
   * sandbox, which keeps its app's data folder there (`<mount>/<app data key>`): it outlives the sandbox, and the
   * app's next sandbox finds it; a destroy with `data: true` removes that folder.
   */
  dataVolume?: string;
  logger?: Logger;
  /** Told when a sandbox this provider knew has gone (timed out, or destroyed elsewhere). */
  onVanished?: (id: string) => void;
}

interface ConnOpts {
  apiKey: string;
  apiUrl?: string;
  sandboxUrl?: string;
  domain?: string;
  requestTimeoutMs?: number;
  debug: false;
}


export class E2BProvider implements SandboxProvider, E2BSandboxOwner {
  readonly id = 'e2b' as const;
  private readonly live = new Map<string, E2BSandbox>();
  private readonly logger: Logger;
  private readonly preinstalledSets: Record<'npm' | 'pip', Set<string>>;
  /** The app data folder (dataOps below); on a data volume it outlives the sandbox. */
  readonly data: SandboxData;

  constructor(private readonly opts: E2BProviderOptions) {
    if (!opts.apiKey) throw new SpawnError('deploy.no_key', 'The E2B provider needs an API key, or run the app with the local runner.', undefined, { hint: [{ key: 'e2b' }, { use: 'local' }] });
    this.logger = opts.logger ?? nullLogger;
    this.data = { ...this.dataOps, outlivesSandbox: opts.dataVolume !== undefined };
    this.preinstalledSets = {
      npm: new Set((opts.preinstalled?.npm ?? []).map((d) => dependencyName(d, 'npm'))),
      pip: new Set((opts.preinstalled?.pip ?? []).map((d) => dependencyName(d, 'pip'))),
    };
  }

  /** `http` when the configured API URL is plain http (a self-hosted or test E2B), else `https`. */
  get scheme(): 'http' | 'https' {
    return /^http:\/\//i.test(this.opts.apiUrl ?? '') ? 'http' : 'https';
  }

  get template(): string {
    return this.opts.template ?? DEFAULTS.e2bTemplate;
  }

  private get domain(): string {
    return this.opts.domain || 'e2b.app';
  }

  private conn(requestTimeoutMs = this.opts.requestTimeoutMs): ConnOpts {
    // `debug: false` explicitly: with E2B_DEBUG the SDK would fake create/kill without telling anyone.
    return { apiKey: this.opts.apiKey, apiUrl: this.opts.apiUrl, sandboxUrl: this.opts.sandboxUrl, domain: this.opts.domain, requestTimeoutMs, debug: false };
  }

  /** Spawn App's per-stack templates (`spawnApp.e2bTemplate` = "spawn-app"): one per app type, its server running. */
  get stackTemplates(): boolean {
    return this.template === STACK_TEMPLATES_CHOICE;
  }

  /** The template a sandbox for this app type is made from. */
  templateFor(appType?: AppType): string {
    if (!this.stackTemplates) return this.template;
    return (appType && STACK_TEMPLATES[appType]?.alias) || SPAWN_TEMPLATE_ALIAS;
  }

  preinstalled(dep: string, ecosystem: 'npm' | 'pip', appType?: AppType): boolean {
    const stack = this.stackTemplates && appType ? STACK_TEMPLATES[appType] : undefined;
    if (stack) return stackTemplateSatisfies(stack, dep, ecosystem);
    if (this.templateFor(appType) === SPAWN_TEMPLATE_ALIAS && templateSatisfies(dep, ecosystem)) return true;
    return this.preinstalledSets[ecosystem].has(dependencyName(dep, ecosystem));
  }

  async create(opts: CreateOptions): Promise<Sandbox> {
    if (opts.signal?.aborted) throw new CancelledError();
    const timeoutMs = opts.timeoutMs ?? this.opts.timeoutMs ?? DEFAULTS.sandboxTimeoutMs;
    const onTimeout = opts.onTimeout ?? this.opts.onTimeout ?? DEFAULTS.onTimeout;
    // deployId lets a create whose answer was lost (timeout, cancel) be found and killed.
    const deployId = randomBytes(6).toString('hex');
    const metadata: Record<string, string> = {
      ...(this.opts.sessionId ? { sessionId: this.opts.sessionId } : {}),
      ...opts.metadata,
      [METADATA_TAG.key]: METADATA_TAG.value,
      appName: opts.appName,
      appType: opts.appType,
      deployId,
      // The list does not return the lifecycle: kept here, so that a reloaded window knows it too.
      onTimeout,
      // Where its data folder is (e2bDataDir), for whoever lists it later.
      ...(this.opts.dataVolume ? { [DATA_VOLUME_METADATA]: this.opts.dataVolume } : {}),
    };

    // The user's cancel does not cut the create request at once: a sandbox may already exist on E2B's side, and
    // only the answer names it. Wait a little for it, kill it, then report the cancel.
    const request = new AbortController();
    let cancelled = false;
    let grace: NodeJS.Timeout | undefined;
    const onAbort = () => {
      cancelled = true;
      grace = setTimeout(() => request.abort(new CancelledError()), CANCEL_GRACE_MS);
    };
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    const createTimeoutMs = this.opts.createTimeoutMs ?? 60_000;
    const template = this.templateFor(opts.appType);
    const t0 = Date.now();
    let sdk: SdkSandbox;
    try {
      // Paused at the timeout (not killed), and woken by a request to its URL: the app and its shared URL survive idling.
      const lifecycle = onTimeout === 'pause' ? { onTimeout: 'pause' as const, autoResume: true } : { onTimeout: 'kill' as const };
      const volumeMounts = this.opts.dataVolume ? { volumeMounts: { [E2B_VOLUME_MOUNT]: this.opts.dataVolume } } : {};
      sdk = await SdkSandbox.create(template, { ...this.conn(createTimeoutMs), timeoutMs, metadata, lifecycle, ...volumeMounts, signal: request.signal });
    } catch (err) {
      if (cancelled || isTimeoutError(err)) await this.sweep(deployId);
      if (cancelled) throw new CancelledError();
      throw this.toError(err, 'create', undefined, createTimeoutMs, template);
    } finally {
      opts.signal?.removeEventListener('abort', onAbort);
      if (grace) clearTimeout(grace);
    }
    if (cancelled || opts.signal?.aborted) {
      await this.destroy(sdk.sandboxId).catch((e: unknown) => this.logger.warn(`[e2b] could not kill cancelled sandbox ${sdk.sandboxId}: ${messageOf(e)}`));
      throw new CancelledError();
    }
    this.logger.info(`[e2b] created sandbox ${sdk.sandboxId} from template ${template} in ${Date.now() - t0} ms`);
    const sb = new E2BSandbox(this, sdk, {
      appName: opts.appName,
      appType: opts.appType,
      metadata,
      startedAt: t0,
      endAt: t0 + timeoutMs,
      state: 'running',
      onTimeout,
    });
    const stack = this.stackTemplates ? STACK_TEMPLATES[opts.appType] : undefined;
    if (stack && stack.alias === template) sb.markServing(stack);
    this.live.set(sb.id, sb);
    return sb;
  }

  async takeOver(id: string, signal?: AbortSignal): Promise<Sandbox> {
    const known = this.live.get(id);
    if (known) return known;
    if (signal?.aborted) throw new CancelledError();
    let sdk: SdkSandbox;
    let info: SandboxInfo;
    try {
      [info] = await this.listSdk({}).then((all) => all.filter((s) => s.sandboxId === id).map((s) => this.toInfo(s)));
      if (!info) throw new SpawnError('deploy.not_found', `Sandbox ${id} is not one of ours, or it has ended.`);
      // connect resumes a paused sandbox; always with the timeout (without it a resumed sandbox gets 5 minutes).
      sdk = await SdkSandbox.connect(id, { ...this.conn(), timeoutMs: this.opts.timeoutMs ?? DEFAULTS.sandboxTimeoutMs, signal });
      // Whatever ran there before (the app of the window that was reloaded) goes: the port must be free.
      for (const p of await sdk.commands.list({ signal })) await sdk.commands.kill(p.pid, { signal }).catch(() => false);
    } catch (err) {
      if (signal?.aborted) throw new CancelledError();
      if (err instanceof SpawnError) throw err;
      throw this.toError(err, 'connect', id);
    }
    this.logger.info(`[e2b] took over sandbox ${id} (${info.appName})`);
    const endAt = Date.now() + (this.opts.timeoutMs ?? DEFAULTS.sandboxTimeoutMs);
    const sb = new E2BSandbox(this, sdk, { appName: info.appName, appType: info.appType, metadata: info.metadata, startedAt: info.startedAt, endAt, state: 'running', onTimeout: info.onTimeout });
    this.live.set(id, sb);
    return sb;
  }

  /** Kills any sandbox a lost create made (found by its deploy id). Best effort. */
  private async sweep(deployId: string): Promise<void> {
    try {
      const found = await this.listSdk({ deployId });
      for (const s of found) {
        this.logger.info(`[e2b] killing sandbox ${s.sandboxId} whose create was cancelled or timed out`);
        await this.destroy(s.sandboxId).catch(() => undefined);
      }
    } catch (err) {
      this.logger.warn(`[e2b] could not look for a half-created sandbox: ${messageOf(err)}`);
    }
  }

  private async listSdk(filter: Record<string, string>): Promise<SdkSandboxInfo[]> {
    // Both states, explicitly: a paused sandbox is still ours (and still listed after a reload).
    const paginator = SdkSandbox.list({ ...this.conn(), query: { metadata: { [METADATA_TAG.key]: METADATA_TAG.value, ...filter }, state: ['running', 'paused'] }, limit: 100 });
    const out: SdkSandboxInfo[] = [];
    while (paginator.hasNext) out.push(...(await paginator.nextItems()));
    return out;
  }

  /** Our sandboxes (by metadata), with age, end and size. Sandboxes this provider knew but E2B no longer has are dropped. */
  async list(): Promise<SandboxInfo[]> {
    let items: SdkSandboxInfo[];
    try {
      items = await this.listSdk({});
    } catch (err) {
      throw this.toError(err, 'list');
    }
    const ids = new Set(items.map((s) => s.sandboxId));
    for (const id of [...this.live.keys()]) if (!ids.has(id)) this.vanished(id);
    for (const s of items) {
      const mine = this.live.get(s.sandboxId);
      if (mine) Object.assign(mine.state, { state: s.state, endAt: s.endAt.getTime() });
    }
    return items.map((s) => this.toInfo(s)).sort((a, b) => a.startedAt - b.startedAt);
  }

  private toInfo(s: SdkSandboxInfo): SandboxInfo {
    const md = s.metadata ?? {};
    const port = Number(md.port) || DEFAULT_PORT;
    return {
      id: s.sandboxId,
      provider: 'e2b',
      appName: md.appName ?? s.name ?? s.templateId,
      appType: isAppType(md.appType) ? md.appType : undefined,
      startedAt: s.startedAt.getTime(),
      endAt: s.endAt.getTime(),
      url: `${this.scheme}://${port}-${s.sandboxId}.${this.domain}`,
      metadata: md,
      cpuCount: s.cpuCount,
      memoryMB: s.memoryMB,
      orphan: this.opts.sessionId !== undefined && md.sessionId !== this.opts.sessionId,
      state: s.state === 'paused' ? 'paused' : 'running',
      onTimeout: md.onTimeout === 'pause' || md.onTimeout === 'kill' ? md.onTimeout : (s.lifecycle?.onTimeout ?? this.live.get(s.sandboxId)?.state.onTimeout),
    };
  }

  /** Pauses a sandbox (its memory and files kept; it costs nothing while paused; also used at the spending cap). False when it was paused already. */
  async pause(id: string): Promise<boolean> {
    try {
      const paused = await SdkSandbox.pause(id, this.conn());
      const mine = this.live.get(id);
      if (mine) mine.state.state = 'paused';
      this.logger.info(`[e2b] ${paused ? 'paused' : 'already paused:'} sandbox ${id}`);
      return paused;
    } catch (err) {
      throw this.toError(err, 'pause', id);
    }
  }

  /**
   * Resumes a paused sandbox (or keeps a running one) with `Sandbox.connect(id, { timeoutMs })`: always with the
   * timeout, since a sandbox resumed without one gets E2B's default of 5 minutes.
   */
  async resume(id: string, timeoutMs: number): Promise<void> {
    try {
      await SdkSandbox.connect(id, { ...this.conn(), timeoutMs });
    } catch (err) {
      throw this.toError(err, 'resume', id);
    }
    const mine = this.live.get(id);
    if (mine) Object.assign(mine.state, { state: 'running', endAt: Date.now() + timeoutMs });
    this.logger.info(`[e2b] resumed sandbox ${id} for ${Math.round(timeoutMs / 1000)} s`);
  }

  /** A shell on E2B's PTY in the app folder (a paused sandbox is resumed first, for the configured lifetime). */
  async openShell(id: string, opts: ShellOptions): Promise<Shell> {
    const timeoutMs = this.opts.timeoutMs ?? DEFAULTS.sandboxTimeoutMs;
    let sdk = this.live.get(id)?.sdk;
    try {
      if (this.live.get(id)?.state.state === 'paused' || !sdk) sdk = await SdkSandbox.connect(id, { ...this.conn(), timeoutMs });
      return await openE2BShell(sdk, E2B_APP_ROOT, opts);
    } catch (err) {
      throw this.toError(err, 'terminal', id);
    }
  }

  /**
   * A running sandbox of ours and its data folder (e2bDataDir: on its data volume, or E2B_DATA_DIR); undefined when
   * it is paused (a look would wake it), unless `wake`.
   */
  private async dataSdk(id: string, wake = false): Promise<{ sdk: SdkSandbox; dir: string } | undefined> {
    const mine = this.live.get(id);
    if (mine && mine.state.state !== 'paused') return { sdk: mine.sdk, dir: e2bDataDir(mine.state.metadata, id) };
    const info = (await this.list()).find((s) => s.id === id);
    if (!info) throw new SpawnError('deploy.not_found', `No sandbox ${id} was found (it may have ended already).`);
    if (info.state === 'paused' && !wake) return undefined;
    try {
      return { sdk: await SdkSandbox.connect(id, { ...this.conn(), timeoutMs: this.opts.timeoutMs ?? DEFAULTS.sandboxTimeoutMs }), dir: e2bDataDir(info.metadata, id) };
    } catch (err) {
      throw this.toError(err, 'connect', id);
    }
  }

  private async awake(id: string): Promise<{ sdk: SdkSandbox; dir: string }> {
    const got = await this.dataSdk(id);
    if (!got) throw new SpawnError('usage', `Sandbox ${id} is paused: resume it first (its data is kept while it is paused).`);
    return got;
  }

  /**
   * Before a destroy that takes the data (`data: true`): a data folder on a data volume outlives the sandbox, so it is
   * removed first (a paused sandbox is woken for it). One in the sandbox's own disk goes with the sandbox.
   */
  private async removeVolumeData(id: string): Promise<void> {
    const metadata = this.live.get(id)?.state.metadata ?? (await this.list()).find((s) => s.id === id)?.metadata;
    if (!metadata?.[DATA_VOLUME_METADATA]) return;
    const { sdk, dir } = (await this.dataSdk(id, true))!;
    try {
      // From the mount, by a relative name (dir's last part is a data key or a sandbox id: no quote, no slash).
      await sdk.commands.run(`rm -rf -- './${path.posix.basename(dir)}'`, { cwd: path.posix.dirname(dir), timeoutMs: 60_000 });
    } catch (err) {
      throw this.toError(err, 'run', id);
    }
  }

  /**
   * The app data folder inside the sandbox, through envd: its size with `du` (which follows no link), an archive of
   * its folders and regular files only (`find -type f -o -type d`, so a link, FIFO or device is left out), checked
   * again on this side (tarball.ts) before it is saved; an import is our own archive of checked entries, unpacked there.
   * Commands run with the data folder as their cwd and relative paths.
   */
  private readonly dataOps: Omit<SandboxData, 'outlivesSandbox'> = {
    size: async (id) => {
      const got = await this.dataSdk(id);
      if (!got) return undefined;
      const res = await got.sdk.commands.run(`mkdir -p . && find . -type f -printf '%s\\n' | awk '{s+=$1} END {print s+0}'`, { cwd: got.dir, timeoutMs: 60_000 }).catch((err: unknown) => {
        throw this.toError(err, 'run', id);
      });
      return Number(res.stdout.trim()) || 0;
    },
    read: async (id, maxBytes) => {
      const { sdk, dir } = await this.awake(id);
      const out = '../.spawn-data-export.tgz';
      try {
        const res = await sdk.commands.run(
          `find . -mindepth 1 ! -type f ! -type d | wc -l; find . -mindepth 1 \\( -type f -o -type d \\) -print0 | tar czf ${out} --null --no-recursion -T -`,
          { cwd: dir, timeoutMs: 5 * 60_000 },
        );
        const bytes = await sdk.files.read(path.posix.join(dir, out), { format: 'bytes' });
        await sdk.commands.run(`rm -f ${out}`, { cwd: dir }).catch(() => undefined);
        return { entries: readArchive(bytes, `The data folder of ${id}`, maxBytes), skipped: Number(res.stdout.trim()) || 0 };
      } catch (err) {
        throw this.toError(err, 'run', id);
      }
    },
    replace: async (id, entries) => {
      const { sdk, dir } = await this.awake(id);
      const archive = packArchive(entries);
      try {
        await sdk.files.write(path.posix.join(dir, '../.spawn-data-import.tgz'), new Blob([new Uint8Array(archive)]));
        await sdk.commands.run('find . -mindepth 1 -delete && tar xzf ../.spawn-data-import.tgz --no-same-owner; s=$?; rm -f ../.spawn-data-import.tgz; exit $s', { cwd: dir, timeoutMs: 5 * 60_000 });
      } catch (err) {
        throw this.toError(err, 'run', id);
      }
    },
  };

  /**
   * Kills a sandbox; false when E2B no longer has it (reported, never retried). Retries server errors twice. `data:
   * true`: its data folder on a data volume is removed first (removeVolumeData).
   */
  async destroy(id: string, opts: { data?: boolean } = {}): Promise<boolean> {
    if (opts.data) await this.removeVolumeData(id);
    for (let attempt = 0; ; attempt++) {
      try {
        const killed = await SdkSandbox.kill(id, this.conn());
        if (!killed) this.logger.info(`[e2b] sandbox ${id} was already gone`);
        this.live.delete(id);
        return killed;
      } catch (err) {
        if (attempt >= 2 || !isTransient(err)) throw this.toError(err, 'destroy', id);
        this.logger.warn(`[e2b] killing ${id} failed (${messageOf(err)}); retrying`);
        await sleep(250 * 2 ** attempt);
      }
    }
  }

  /**
   * Sets the sandbox to end `ms` from now. E2B silently shortens a timeout past the plan's cap, so the new end is
   * read back: a shorter one is `deploy.timeout_cap`.
   */
  async extendTimeout(id: string, ms: number): Promise<void> {
    const wanted = Date.now() + ms;
    let info: SdkSandboxInfo;
    try {
      await SdkSandbox.setTimeout(id, ms, this.conn());
      info = await SdkSandbox.getInfo(id, this.conn());
    } catch (err) {
      if (isNotFound(err)) {
        this.vanished(id);
        throw new SpawnError('deploy.not_found', `Sandbox ${id} no longer exists (it timed out or was destroyed); it was dropped from the list.`);
      }
      throw this.toError(err, 'extend', id);
    }
    const endAt = info.endAt.getTime();
    const mine = this.live.get(id);
    if (mine) mine.state.endAt = endAt;
    if (endAt < wanted - 5_000) {
      throw new SpawnError(
        'deploy.timeout_cap',
        `E2B kept sandbox ${id} only until ${new Date(endAt).toLocaleTimeString()}: ${E2B_LIFETIME_CAP}.`,
      );
    }
  }

  private vanished(id: string): void {
    if (!this.live.delete(id)) return;
    this.logger.warn(`[e2b] sandbox ${id} is gone (it timed out or was destroyed elsewhere); dropped`);
    this.opts.onVanished?.(id);
  }

  /** Turns an SDK or network error into one clear sentence with a code. */
  toError(err: unknown, step: E2BStep, sandboxId?: string, timeoutMs?: number, template = this.template): SpawnError {
    if (err instanceof SpawnError) return err;
    if (isCancelled(err)) return new CancelledError();
    const detail = messageOf(err);
    const status = statusOf(err);
    const where = this.opts.apiUrl ?? `https://api.${this.domain}`;
    const make = (code: ErrorCode, message: string, hint?: ErrorHint) => new SpawnError(code, message, detail, { cause: err, hint });
    if (err instanceof AuthenticationError || status === 401) {
      return make('deploy.auth', 'E2B refused the API key (401); check it, or set a new key.', { key: 'e2b' });
    }
    if (err instanceof RateLimitError || status === 429) {
      return make('deploy.rate_limited', 'E2B refused: rate limit or concurrent-sandbox quota reached (429). Destroy sandboxes you no longer need or try again in a minute.');
    }
    if (status === 400 && /Timeout cannot be greater than|maximum allowed uptime/i.test(detail)) {
      return make('deploy.timeout_cap', `E2B refused the sandbox timeout: ${E2B_LIFETIME_CAP}. Use a shorter sandbox lifetime.`, { setting: 'sandboxTimeout' });
    }
    if (step === 'create' && status === 404) {
      return make('deploy.template_not_found', `E2B has no template "${template}" that this key can use (404). ${template !== this.template ? "Build Spawn App's templates (npx tsx e2b-template/template.ts build) or choose" : 'Choose'} an existing template, e.g. "base".`, { setting: 'e2bTemplate', value: 'base' });
    }
    if (step === 'create' && isTimeoutError(err)) {
      const ms = timeoutMs ?? 60_000;
      const secs = ms < 10_000 ? String(ms / 1000) : String(Math.round(ms / 1000));
      return make('deploy.create_timeout', `E2B did not create the sandbox within ${secs} s. Try again; if it persists, check https://status.e2b.dev.`);
    }
    if (isNotFound(err) || (err instanceof TimeoutError && /sandbox timeout|end of life/i.test(detail))) {
      if (sandboxId) this.vanished(sandboxId);
      return make('deploy.not_found', `${sandboxId ? `Sandbox ${sandboxId}` : 'The sandbox'} no longer exists (it timed out or was destroyed).`);
    }
    const net = networkCause(err);
    if (net) return make('deploy.network', `Could not reach E2B at ${where} (${net}).`);
    if (err instanceof NotEnoughSpaceError) return make('deploy.write_failed', 'The sandbox ran out of disk space while writing the app.');
    switch (step) {
      case 'write':
        return make('deploy.write_failed', `Writing the app's files into sandbox ${sandboxId} failed: ${detail}`);
      case 'start':
        return make('deploy.start_failed', `Starting the app in sandbox ${sandboxId} failed: ${detail}`);
      case 'pause':
        return make('deploy.failed', `E2B could not pause sandbox ${sandboxId} (${detail || 'unknown error'}); it keeps running. Try again.`);
      case 'resume':
        return make('deploy.failed', `E2B could not resume sandbox ${sandboxId} (${detail || 'unknown error'}); it stays paused. Try again.`);
      case 'terminal':
        return make('deploy.failed', `Could not open a terminal in sandbox ${sandboxId}: ${detail || 'unknown error'}`);
      default:
        return make('deploy.failed', `E2B ${step} failed${sandboxId ? ` for sandbox ${sandboxId}` : ''}: ${detail || 'unknown error'}`);
    }
  }
}

/** The E2B provider from the core settings (the CLI's environment, or the extension's settings + secrets). */
export function e2bProviderFromConfig(cfg: CoreConfig, extra: Partial<E2BProviderOptions> = {}): E2BProvider {
  return new E2BProvider({
    apiKey: cfg.e2bApiKey ?? '',
    apiUrl: cfg.e2bApiUrl,
    sandboxUrl: cfg.e2bSandboxUrl,
    domain: cfg.e2bDomain,
    template: cfg.e2bTemplate ?? DEFAULTS.e2bTemplate,
    timeoutMs: cfg.sandboxTimeoutMs ?? DEFAULTS.sandboxTimeoutMs,
    onTimeout: cfg.onTimeout ?? DEFAULTS.onTimeout,
    sessionId: cfg.sessionId,
    dataVolume: dataVolumeName(cfg.e2bDataVolume),
    ...extra,
  });
}
