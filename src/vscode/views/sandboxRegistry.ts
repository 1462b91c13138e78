/**
 * The model behind the Sandboxes view, the status bar and the previews: every sandbox this window knows (started
 * here, or found by listing the providers), with its status, its own log, and the session's cost.
 * It fires `onDidChange`; views only map it.
 */
import * as vscode from 'vscode';
import type { Deployment } from '../../core/deploy';
import type { Logger as CoreLogger } from '../../core/events';
import { messageOf, SpawnError } from '../../core/errors';
import { sandboxCost } from '../../core/pricing';
import type { ProviderId, Sandbox, SandboxInfo, SandboxProvider } from '../../core/sandbox/types';
import { METADATA_TAG } from '../../core/sandbox/types';
import { setContext } from '../contextKeys';
import { Disposable, toDisposable } from '../dispose';

const MAX_LOG_LINES = 5000;

export type SandboxStatus = 'starting' | 'running' | 'failed';

export interface SandboxEntry {
  readonly id: string;
  readonly provider: ProviderId;
  readonly providerRef: SandboxProvider;
  appId?: string;
  appName: string;
  status: SandboxStatus;
  /** What is happening now, for a status line ("Installing dependencies…"). */
  phase?: string;
  url?: string;
  startedAt: number;
  endAt?: number;
  cpuCount?: number;
  memoryMB?: number;
  /** The live handle, when this window started it (absent for a failed first deploy: the core destroyed it). */
  sandbox?: Sandbox;
  deployment?: Deployment;
  /** Why it failed; `code` is the SpawnError code (which step failed, for Fix with Claude). */
  error?: { message: string; detail?: string; code?: string };
  /** Found by listing a provider (e.g. an E2B sandbox that outlived a window reload). */
  found?: boolean;
  /** Started by another window or machine (another session's E2B sandbox), or left by a window that is gone. */
  foreign?: boolean;
  /** Being destroyed: its app's exit is expected, not a failure. */
  destroying?: boolean;
  /** Warning keys the user already accepted for this sandbox (a redeploy asks again only for new ones). */
  confirmedWarnings: string[];
}

/** A provider whose listing failed (offline, bad key): the tree shows it with a retry. */
export interface ListError {
  provider: ProviderId;
  message: string;
  code?: string;
}

/** A local app a window that is gone left running, which discovery stopped (see the README's orphan policy). */
export interface StoppedOrphan {
  id: string;
  appName: string;
}

export class SandboxRegistry extends Disposable {
  private readonly entries = new Map<string, SandboxEntry>();
  /** Each sandbox's own log: kept in memory, shown in an output channel created on first "Show Logs". */
  private readonly logs = new Map<string, { lines: string[]; channel?: vscode.OutputChannel }>();
  private readonly _onDidChange = this._register(new vscode.EventEmitter<SandboxEntry | undefined>());
  /** Fires with the entry that changed, or undefined when entries were added or removed. */
  readonly onDidChange = this._onDidChange.event;
  private generationUsd = 0;
  private generationUnknown = false;
  private endedSandboxUsd = 0;
  private discovering?: Promise<void>;
  private readonly errors = new Map<ProviderId, ListError>();
  private readonly _onDidStopOrphans = this._register(new vscode.EventEmitter<StoppedOrphan[]>());
  /** Fires when discovery stopped local apps that a crashed or killed window left running. */
  readonly onDidStopOrphans = this._onDidStopOrphans.event;

  constructor(
    private readonly logger: CoreLogger,
    private readonly createChannel: (name: string) => vscode.OutputChannel = (name) => vscode.window.createOutputChannel(name),
  ) {
    super();
    this._register(toDisposable(() => {
      // Local sandboxes live only as long as this window: stop them with it.
      for (const e of this.entries.values()) if (e.provider === 'local') void e.sandbox?.destroy().catch(() => undefined);
      for (const l of this.logs.values()) l.channel?.dispose();
      this.logs.clear();
    }));
  }

  list(): SandboxEntry[] {
    return [...this.entries.values()].sort((a, b) => a.startedAt - b.startedAt);
  }

  get(id: string): SandboxEntry | undefined {
    return this.entries.get(id);
  }

  /** The newest sandbox of an app. */
  forApp(appId: string): SandboxEntry | undefined {
    return this.list().filter((e) => e.appId === appId).pop();
  }

  /** Records a sandbox the moment it exists (before anything runs in it), so a cancel or failure can find it. */
  add(sandbox: Sandbox, provider: SandboxProvider, app: { id: string; name: string }): SandboxEntry {
    const info = sandbox.info();
    const entry: SandboxEntry = {
      id: sandbox.id,
      provider: sandbox.provider,
      providerRef: provider,
      appId: app.id,
      appName: app.name,
      status: 'starting',
      phase: 'Starting…',
      startedAt: info.startedAt,
      endAt: info.endAt,
      cpuCount: info.cpuCount,
      memoryMB: info.memoryMB,
      sandbox,
      confirmedWarnings: [],
    };
    this.entries.set(entry.id, entry);
    this.log(entry, `Sandbox ${entry.id} created (${entry.provider}).`);
    this.changed(undefined);
    return entry;
  }

  update(entry: SandboxEntry, patch: Partial<Omit<SandboxEntry, 'id' | 'provider' | 'providerRef'>>): void {
    if (!this.entries.has(entry.id)) return;
    Object.assign(entry, patch);
    this.changed(entry);
  }

  markRunning(entry: SandboxEntry, deployment: Deployment): void {
    const info = deployment.sandbox.info();
    this.update(entry, { status: 'running', phase: undefined, error: undefined, url: deployment.url, deployment, endAt: info.endAt });
  }

  markFailed(entry: SandboxEntry, err: unknown, opts: { sandboxGone: boolean }): void {
    if (entry.destroying) return;
    const message = messageOf(err);
    const detail = err instanceof SpawnError ? err.detail : undefined;
    const code = err instanceof SpawnError ? err.code : undefined;
    this.log(entry, `Failed: ${message}${detail ? `\n${detail}` : ''}`);
    this.update(entry, {
      status: 'failed',
      phase: undefined,
      error: { message, detail, code },
      ...(opts.sandboxGone ? { sandbox: undefined, deployment: undefined, url: undefined } : {}),
    });
  }

  /** Appends to the sandbox's own log (install and app output, phases). */
  log(entry: SandboxEntry, line: string): void {
    let l = this.logs.get(entry.id);
    if (!l) {
      l = { lines: [] };
      this.logs.set(entry.id, l);
    }
    l.lines.push(line);
    if (l.lines.length > MAX_LOG_LINES) l.lines.splice(0, l.lines.length - MAX_LOG_LINES);
    l.channel?.appendLine(line);
  }

  /** The sandbox's log so far. */
  logText(entry: SandboxEntry): string {
    return (this.logs.get(entry.id)?.lines ?? []).join('\n');
  }

  /** Shows the sandbox's log in its own output channel ("Spawn App: <app> (<id>)"). */
  showLog(entry: SandboxEntry): void {
    let l = this.logs.get(entry.id);
    if (!l) {
      l = { lines: [] };
      this.logs.set(entry.id, l);
    }
    if (!l.channel) {
      l.channel = this.createChannel(`Spawn App: ${entry.appName} (${entry.id})`);
      for (const line of l.lines) l.channel.appendLine(line);
    }
    l.channel.show(true);
  }

  /** Forgets an entry whose sandbox is already gone (the core destroyed it on cancel). */
  remove(id: string): void {
    const e = this.entries.get(id);
    if (!e) return;
    if (!e.foreign) this.endedSandboxUsd += this.cost(e) ?? 0;
    this.entries.delete(id);
    // A log someone opened stays readable (why did it stop?) until the window closes; others go now.
    const l = this.logs.get(id);
    if (l?.channel) l.channel.appendLine('Sandbox removed.');
    else this.logs.delete(id);
    this.changed(undefined);
  }

  /** Destroys a sandbox (whoever started it) and forgets it. Returns false when the provider no longer knew it. */
  async destroy(id: string): Promise<boolean> {
    const e = this.entries.get(id);
    if (!e) return false;
    let existed = true;
    e.destroying = true;
    try {
      if (e.sandbox) await e.sandbox.destroy();
      else if (e.status !== 'failed' || e.found) existed = await e.providerRef.destroy(id);
    } finally {
      this.logger.info(`destroyed ${e.provider} sandbox ${id} (${e.appName})`);
      this.remove(id);
    }
    return existed;
  }

  async destroyAll(): Promise<number> {
    const ids = this.list().map((e) => e.id);
    await Promise.all(ids.map((id) => this.destroy(id).catch((err: unknown) => this.logger.warn(`could not destroy ${id}: ${String(err)}`))));
    return ids.length;
  }

  /**
   * Fills in what only the provider's listing knows (E2B reports vCPUs and memory there, not on create), so the
   * cost can be worked out. Best effort: a failed listing only leaves the cost unknown.
   */
  async refreshInfo(entry: SandboxEntry): Promise<void> {
    if (entry.provider === 'local') return;
    try {
      const info = (await entry.providerRef.list()).find((i) => i.id === entry.id);
      if (info) this.update(entry, { cpuCount: info.cpuCount ?? entry.cpuCount, memoryMB: info.memoryMB ?? entry.memoryMB, endAt: info.endAt ?? entry.endAt });
    } catch (err) {
      this.logger.debug(`could not list ${entry.provider} sandboxes for ${entry.id}: ${messageOf(err)}`);
    }
  }

  async extendTimeout(entry: SandboxEntry, ms: number): Promise<void> {
    if (entry.sandbox) await entry.sandbox.extendTimeout(ms);
    else await entry.providerRef.extendTimeout(entry.id, ms);
    this.update(entry, { endAt: entry.endAt === undefined ? undefined : Date.now() + ms });
  }

  /** Providers whose last listing failed. */
  listErrors(): ListError[] {
    return [...this.errors.values()];
  }

  /**
   * Reconciles with the providers' listings (matched by metadata): sandboxes of ours this window does not know
   * yet appear (E2B sandboxes that outlived a window reload: this window's session's among its own, other
   * windows' and machines' apart, `foreign`); found ones that are no longer listed go. Local apps left running by
   * a window that is gone (its extension host crashed or was killed) are stopped. A listing that fails is kept
   * as a `ListError` (the tree offers a retry) and leaves the rest as it was.
   */
  discover(providers: () => Promise<SandboxProvider[]>): Promise<void> {
    this.discovering ??= (async () => {
      try {
        let list: SandboxProvider[];
        try {
          list = await providers();
        } catch (err) {
          // Only E2B can fail to be set up (its SDK, its settings); the local runner always exists.
          this.listFailed('e2b', err);
          return;
        }
        for (const p of list) {
          let infos: SandboxInfo[];
          try {
            infos = await p.list();
          } catch (err) {
            this.listFailed(p.id, err);
            continue;
          }
          if (this.errors.delete(p.id)) this.changed(undefined);
          await this.reconcile(p, infos);
        }
      } finally {
        this.discovering = undefined;
      }
    })();
    return this.discovering;
  }

  private listFailed(provider: ProviderId, err: unknown): void {
    const message = messageOf(err);
    this.logger.warn(`could not list ${provider} sandboxes: ${message}`);
    this.errors.set(provider, { provider, message, code: err instanceof SpawnError ? err.code : undefined });
    this.changed(undefined);
  }

  private async reconcile(provider: SandboxProvider, infos: SandboxInfo[]): Promise<void> {
    const ours = infos.filter((i) => i.metadata[METADATA_TAG.key] === METADATA_TAG.value && i.metadata.client === 'vscode');
    const orphans = ours.filter((i) => i.provider === 'local' && i.orphan && !this.entries.has(i.id));
    const stopped: StoppedOrphan[] = [];
    const kept = new Set<string>();
    for (const info of orphans) {
      try {
        await provider.destroy(info.id);
        this.logger.info(`stopped local sandbox ${info.id} (${info.appName}), left running by a window that is gone`);
        stopped.push({ id: info.id, appName: info.metadata.appName ?? info.appName });
      } catch (err) {
        this.logger.warn(`could not stop local sandbox ${info.id} left by a window that is gone: ${messageOf(err)}`);
        kept.add(info.id);
      }
    }
    const listed = new Set(infos.map((i) => i.id));
    for (const e of this.list()) {
      if (e.provider !== provider.id || !e.found || e.sandbox) continue;
      if (!listed.has(e.id)) {
        this.logger.info(`${e.provider} sandbox ${e.id} (${e.appName}) is gone`);
        this.remove(e.id);
      }
    }
    for (const info of ours) {
      if (info.provider === 'local' && info.orphan && !kept.has(info.id)) continue;
      const known = this.entries.get(info.id);
      if (known?.found) this.update(known, { endAt: info.endAt ?? known.endAt, cpuCount: info.cpuCount ?? known.cpuCount, memoryMB: info.memoryMB ?? known.memoryMB });
      else this.adopt(provider, info);
    }
    if (stopped.length) this._onDidStopOrphans.fire(stopped);
  }

  private adopt(provider: SandboxProvider, info: SandboxInfo): void {
    if (this.entries.has(info.id)) return;
    // A local sandbox whose owner still runs belongs to another window: leave it to that window.
    if (info.provider === 'local' && !info.orphan) return;
    const entry: SandboxEntry = {
      id: info.id,
      provider: info.provider,
      providerRef: provider,
      appId: info.metadata.appId,
      appName: info.metadata.appName ?? info.appName,
      status: 'running',
      url: info.url,
      startedAt: info.startedAt,
      endAt: info.endAt,
      cpuCount: info.cpuCount,
      memoryMB: info.memoryMB,
      found: true,
      foreign: info.orphan === true,
      confirmedWarnings: [],
    };
    this.entries.set(entry.id, entry);
    this.logger.info(`found ${info.provider} sandbox ${info.id} (${entry.appName})${entry.foreign ? ' of another window or machine' : ''}`);
    this.changed(undefined);
  }

  /** Dollars this sandbox has cost so far; null when its resources are unknown. Local runs are free. */
  cost(e: SandboxEntry, now = Date.now()): number | null {
    if (e.provider === 'local') return 0;
    if (!e.cpuCount || !e.memoryMB) return null;
    return sandboxCost((now - e.startedAt) / 1000, e.cpuCount, e.memoryMB);
  }

  addGenerationCost(usd: number | null): void {
    if (usd === null) this.generationUnknown = true;
    else this.generationUsd += usd;
    this.changed(undefined);
  }

  /** What this window has spent: generations plus every sandbox of its own, running or ended. */
  sessionCost(now = Date.now()): { usd: number; generation: number; sandboxes: number; partial: boolean } {
    let sandboxes = this.endedSandboxUsd;
    let partial = this.generationUnknown;
    for (const e of this.entries.values()) {
      if (e.foreign) continue;
      const c = this.cost(e, now);
      if (c === null) partial = true;
      else sandboxes += c;
    }
    return { usd: this.generationUsd + sandboxes, generation: this.generationUsd, sandboxes, partial };
  }

  private changed(entry: SandboxEntry | undefined): void {
    setContext('spawnApp.hasSandboxes', this.entries.size > 0);
    this._onDidChange.fire(entry);
  }
}
