/**
 * The sandboxes this window knows: its own (deploying, running, failed), its own found again after a reload, and
 * other windows' and machines'. The one owner of the entries: it alone makes and replaces them, and fires
 * `onDidChange`; the tree, the status bar, the preview and the deploy history only read it.
 */
import * as vscode from 'vscode';
import type { Deployment } from '../../core/deploy/deploy';
import type { Logger } from '../../core/base/events';
import { messageOf, SpawnError } from '../../core/base/errors';
import type { Sandbox, SandboxInfo, SandboxProvider } from '../../core/sandbox/types';
import { providerInfo } from '../../core/session';
import { setContext } from '../base/contextKeys';
import { Disposable, toDisposable } from '../base/dispose';
import type { Approval, SandboxEntry, SandboxOrigin } from './sandboxEntry';

/** What a provider says about a sandbox that the entry keeps up to date (E2B reports vCPUs and memory on listing). */
export type SandboxResources = Pick<SandboxInfo, 'endAt' | 'cpuCount' | 'memoryMB' | 'state'>;

export class SandboxRegistry extends Disposable {
  private readonly entries = new Map<string, SandboxEntry>();
  private readonly _onDidChange = this._register(new vscode.EventEmitter<SandboxEntry | undefined>());
  /** Fires with the entry that changed, or undefined when entries were added or removed. */
  readonly onDidChange = this._onDidChange.event;
  private readonly _onDidRemove = this._register(new vscode.EventEmitter<SandboxEntry>());
  /** Fires with an entry as it was when it went (its sandbox is gone or no longer this window's business). */
  readonly onDidRemove = this._onDidRemove.event;

  constructor(private readonly logger: Logger) {
    super();
    this._register(toDisposable(() => {
      // Sandboxes without a timeout (the local runner's) live only as long as this window: stop them with it.
      for (const e of this.entries.values()) if (!providerInfo(e.provider).timeout) void e.sandbox?.destroy().catch(() => undefined);
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

  /** Records a sandbox the moment the pipeline created it (before anything runs in it), so a cancel or failure can find it. */
  add(
    created: { sandboxId: string; startedAt: number } & SandboxResources,
    provider: SandboxProvider,
    app: { id: string; name: string },
    approved?: Approval,
    more: Pick<SandboxEntry, 'phase' | 'sandbox' | 'prewarmed'> = {},
  ): SandboxEntry {
    return this.insert({
      id: created.sandboxId,
      provider: provider.id,
      providerRef: provider,
      origin: 'deployed',
      appId: app.id,
      appName: app.name,
      status: 'starting',
      phase: 'Starting…',
      startedAt: created.startedAt,
      endAt: created.endAt,
      cpuCount: created.cpuCount,
      memoryMB: created.memoryMB,
      stopping: false,
      approved,
      ...more,
    });
  }

  /**
   * Records a sandbox pre-warmed for an app being generated: shown as such, counted in the session's cost, and
   * replaced by the deploy's own entry (same id) when the deploy takes it.
   */
  addPrewarmed(sandbox: Sandbox, provider: SandboxProvider, app: { id: string; name: string }): SandboxEntry {
    const { startedAt, endAt, cpuCount, memoryMB } = sandbox.info();
    return this.add({ sandboxId: sandbox.id, startedAt, endAt, cpuCount, memoryMB }, provider, app, undefined, { phase: 'Pre-warmed: waiting for Deploy', sandbox, prewarmed: true });
  }

  /** Records a sandbox a provider listed (`reloaded`: this window's from before a reload; `other`: not this window's). */
  addListed(provider: SandboxProvider, info: SandboxInfo, origin: Exclude<SandboxOrigin, 'deployed'>): SandboxEntry | undefined {
    if (this.entries.has(info.id)) return undefined;
    const entry = this.insert({
      id: info.id,
      provider: info.provider,
      providerRef: provider,
      origin,
      appId: info.metadata.appId,
      appName: info.metadata.appName ?? info.appName,
      status: info.state === 'paused' ? 'paused' : 'running',
      pausedSince: info.state === 'paused' ? Date.now() : undefined,
      url: info.url,
      startedAt: info.startedAt,
      endAt: info.endAt,
      cpuCount: info.cpuCount,
      memoryMB: info.memoryMB,
      stopping: false,
    });
    this.logger.info(`listed ${info.provider} sandbox ${info.id} (${entry.appName})${origin === 'other' ? ' of another window or machine' : ''}`);
    return entry;
  }

  /** A deploy took over a `reloaded` sandbox: it is this window's again, with a live handle. */
  takeOver(id: string, sandbox: Sandbox): void {
    const e = this.entries.get(id);
    // Taking it over resumed it: running (and billed) again from now.
    this.set(id, { origin: 'deployed', sandbox, ...(e?.status === 'paused' ? { ...running(e, Date.now()), endAt: sandbox.info().endAt } : {}) });
  }

  setPhase(id: string, phase: string): void {
    this.set(id, { phase });
  }

  /** A redeploy into the sandbox began. */
  markStarting(id: string, phase: string): void {
    this.set(id, { status: 'starting', phase, error: undefined });
  }

  markRunning(id: string, deployment: Deployment): void {
    const info = deployment.sandbox.info();
    this.set(id, { status: 'running', phase: undefined, error: undefined, url: deployment.url, sandbox: deployment.sandbox, deployment, endAt: info.endAt });
  }

  /** The deploy or the app failed; `sandboxGone` when the pipeline destroyed the sandbox (a failed first deploy). */
  markFailed(id: string, err: unknown, opts: { sandboxGone: boolean }): void {
    if (this.entries.get(id)?.stopping) return;
    const error = { message: messageOf(err), detail: err instanceof SpawnError ? err.detail : undefined, code: err instanceof SpawnError ? err.code : undefined };
    this.set(id, { status: 'failed', phase: undefined, error, ...(opts.sandboxGone ? { sandbox: undefined, deployment: undefined, url: undefined } : {}) });
  }

  approve(id: string, approved: Approval): void {
    this.set(id, { approved });
  }

  /** What the provider reports now (lifetime, resources). */
  updateResources(id: string, r: SandboxResources): void {
    const e = this.entries.get(id);
    if (e) this.set(id, { endAt: r.endAt ?? e.endAt, cpuCount: r.cpuCount ?? e.cpuCount, memoryMB: r.memoryMB ?? e.memoryMB });
    if (r.state) this.setState(id, r.state);
  }

  /** The size of its app data folder, as last counted (SandboxDiscovery.refreshData). */
  setDataSize(id: string, bytes: number | undefined): void {
    if (this.entries.get(id)?.dataBytes !== bytes) this.set(id, { dataBytes: bytes });
  }

  /** What the provider says now: paused (at its timeout, or elsewhere) or running again (a request to its URL woke it). */
  setState(id: string, state: 'running' | 'paused'): void {
    const e = this.entries.get(id);
    if (!e || e.stopping || (e.status !== 'running' && e.status !== 'paused') || e.status === state) return;
    this.logger.info(`${e.provider} sandbox ${id} (${e.appName}) is ${state}`);
    const now = Date.now();
    // Paused time costs nothing: it is kept apart from the running time that cost counts.
    this.set(id, state === 'paused' ? { status: state, pausedSince: now } : running(e, now));
  }

  /** Pauses a sandbox (E2B): it keeps its memory and files and costs nothing until resumed. */
  async pause(id: string): Promise<void> {
    const e = this.entries.get(id);
    if (!e) return;
    if (!e.providerRef.pause) throw new SpawnError('usage', `A ${providerInfo(e.provider).label} sandbox cannot pause: it runs as long as this window.`);
    await e.providerRef.pause(id);
    this.setState(id, 'paused');
  }

  /** Resumes a paused sandbox so that it runs `timeoutMs` from now (E2B: `Sandbox.connect(id, { timeoutMs })`). */
  async resume(id: string, timeoutMs: number): Promise<void> {
    const e = this.entries.get(id);
    if (!e?.providerRef.resume) return;
    await e.providerRef.resume(id, timeoutMs);
    this.set(id, { endAt: Date.now() + timeoutMs });
    this.setState(id, 'running');
  }

  /** Forgets an entry whose sandbox is already gone (the pipeline destroyed it, or its provider no longer lists it). */
  remove(id: string): void {
    const e = this.entries.get(id);
    if (!e) return;
    this.entries.delete(id);
    this._onDidRemove.fire(e);
    this.changed(undefined);
  }

  /**
   * Destroys a sandbox (whoever started it) and forgets it. Returns false when the provider no longer knew it.
   * `data: true` (the confirmation named the app's data folder): its data goes too; else a local app's stays for its next sandbox.
   */
  async destroy(id: string, opts: { data?: boolean } = {}): Promise<boolean> {
    const e = this.entries.get(id);
    if (!e) return false;
    let existed = true;
    this.set(id, { stopping: true });
    try {
      if (e.sandbox) await e.sandbox.destroy(opts);
      else if (e.status !== 'failed' || e.origin !== 'deployed') existed = await e.providerRef.destroy(id, opts);
    } finally {
      this.logger.info(`destroyed ${e.provider} sandbox ${id} (${e.appName})`);
      this.remove(id);
    }
    return existed;
  }

  async destroyAll(opts: { data?: boolean } = {}): Promise<number> {
    const ids = this.list().map((e) => e.id);
    await Promise.all(ids.map((id) => this.destroy(id, opts).catch((err: unknown) => this.logger.warn(`could not destroy ${id}: ${String(err)}`))));
    return ids.length;
  }

  async extendTimeout(id: string, ms: number): Promise<void> {
    const e = this.entries.get(id);
    if (!e) return;
    if (e.sandbox) await e.sandbox.extendTimeout(ms);
    else await e.providerRef.extendTimeout(id, ms);
    this.set(id, { endAt: e.endAt === undefined ? undefined : Date.now() + ms });
  }

  private insert(entry: SandboxEntry): SandboxEntry {
    this.entries.set(entry.id, entry);
    this.changed(undefined);
    return entry;
  }

  private set(id: string, patch: Partial<Omit<SandboxEntry, 'id' | 'provider' | 'providerRef'>>): void {
    const e = this.entries.get(id);
    if (!e) return;
    const next: SandboxEntry = { ...e, ...patch };
    this.entries.set(id, next);
    this.changed(next);
  }

  private changed(entry: SandboxEntry | undefined): void {
    setContext('spawnApp.hasSandboxes', this.entries.size > 0);
    this._onDidChange.fire(entry);
  }
}

/** A paused entry running again at `now`: its pause ends (paused time is kept apart from the running time cost counts). */
function running(e: SandboxEntry, now: number): Pick<SandboxEntry, 'status' | 'pausedSince' | 'pausedMs'> {
  return { status: 'running', pausedSince: undefined, pausedMs: (e.pausedMs ?? 0) + (e.pausedSince !== undefined ? now - e.pausedSince : 0) };
}
