/**
 * Reconciles the registry with what the providers list (matched by metadata), at activation and on Refresh:
 * - this window's E2B sandboxes that outlived a reload come back as `reloaded`; other windows' and machines' are
 *   listed apart as `other`; listed entries the provider no longer lists go;
 * - a local app whose window is gone (its extension host crashed or was killed) is stopped: the orphan policy
 *   (docs/extension.md, Durability); a local app of another window that still runs is that window's business.
 * A listing that fails is kept as a ListError (the tree offers a retry) and leaves the rest as it was.
 */
import * as vscode from 'vscode';
import type { Logger } from '../../core/base/events';
import { messageOf, SpawnError } from '../../core/base/errors';
import type { ProviderId } from '../../core/base/providerId';
import type { SandboxInfo, SandboxProvider } from '../../core/sandbox/types';
import { providerInfo } from '../../core/session';
import { METADATA_TAG } from '../../core/session';
import { Disposable } from '../base/dispose';
import type { SandboxRegistry } from './sandboxRegistry';

/** A provider whose listing failed (offline, bad key). */
export interface ListError {
  provider: ProviderId;
  message: string;
  code?: string;
}

/** A local app that a window that is gone left running, which discovery stopped. */
export interface StoppedOrphan {
  id: string;
  appName: string;
}

/** Lives as long as its owning process (the local runner's), rather than until a timeout. */
const ownerBound = (i: { provider: ProviderId }) => !providerInfo(i.provider).timeout;
/** Such a sandbox whose owning process is gone (the provider lists it as not started by a live owner). */
const ownerGone = (i: SandboxInfo) => ownerBound(i) && i.orphan === true;

export class SandboxDiscovery extends Disposable {
  private running?: Promise<void>;
  private readonly errors = new Map<ProviderId, ListError>();
  private readonly _onDidChange = this._register(new vscode.EventEmitter<void>());
  /** Fires when the list errors changed. */
  readonly onDidChange = this._onDidChange.event;
  private readonly _onDidStopOrphans = this._register(new vscode.EventEmitter<StoppedOrphan[]>());
  /** Fires when discovery stopped local apps that a crashed or killed window left running. */
  readonly onDidStopOrphans = this._onDidStopOrphans.event;

  constructor(
    private readonly registry: SandboxRegistry,
    private readonly providers: () => Promise<SandboxProvider[]>,
    private readonly logger: Logger,
  ) {
    super();
  }

  /** Providers whose last listing failed. */
  listErrors(): ListError[] {
    return [...this.errors.values()];
  }

  /** Lists every provider and reconciles; a call while one runs joins it. */
  discover(): Promise<void> {
    this.running ??= this.run().finally(() => (this.running = undefined));
    return this.running;
  }

  /** Fills in what only the provider's listing knows (E2B: vCPUs and memory), so the cost can be worked out. Best effort. */
  /** Counts its app data folder again (the provider follows no link there; a paused sandbox is not woken). */
  async refreshData(id: string): Promise<void> {
    const e = this.registry.get(id);
    if (!e?.providerRef.data || e.prewarmed) return;
    try {
      this.registry.setDataSize(id, await e.providerRef.data.size(id));
    } catch (err) {
      this.logger.debug(`could not count the data of ${id}: ${messageOf(err)}`);
    }
  }

  async refreshResources(id: string): Promise<void> {
    // Awaited with the rest: a count still running when the user pauses the sandbox (right after its deploy) would
    // reach it paused, and wake it (E2B resumes a paused sandbox on traffic).
    const counted = this.refreshData(id);
    const e = this.registry.get(id);
    if (!e || ownerBound(e)) return counted;
    try {
      const info = (await e.providerRef.list()).find((i) => i.id === id);
      if (info) this.registry.updateResources(id, info);
    } catch (err) {
      this.logger.debug(`could not list ${e.provider} sandboxes for ${id}: ${messageOf(err)}`);
    }
    await counted;
  }

  private async run(): Promise<void> {
    let list: SandboxProvider[];
    try {
      list = await this.providers();
    } catch (err) {
      // Only E2B can fail to be set up (its SDK, its settings); the local runner always exists.
      return this.listFailed('e2b', err);
    }
    for (const p of list) {
      let infos: SandboxInfo[];
      try {
        infos = await p.list();
      } catch (err) {
        this.listFailed(p.id, err);
        continue;
      }
      if (this.errors.delete(p.id)) this._onDidChange.fire();
      await this.reconcile(p, infos);
    }
  }

  private listFailed(provider: ProviderId, err: unknown): void {
    const message = messageOf(err);
    this.logger.warn(`could not list ${provider} sandboxes: ${message}`);
    this.errors.set(provider, { provider, message, code: err instanceof SpawnError ? err.code : undefined });
    this._onDidChange.fire();
  }

  private async reconcile(provider: SandboxProvider, infos: SandboxInfo[]): Promise<void> {
    const ours = infos.filter((i) => i.metadata[METADATA_TAG.key] === METADATA_TAG.value && i.metadata.client === 'vscode');
    const stopped = await this.stopOrphans(provider, ours.filter((i) => ownerGone(i) && !this.registry.get(i.id)));
    const listed = new Set(infos.map((i) => i.id));
    for (const e of this.registry.list()) {
      if (e.provider !== provider.id || e.origin === 'deployed' || listed.has(e.id)) continue;
      this.logger.info(`${e.provider} sandbox ${e.id} (${e.appName}) is gone`);
      this.registry.remove(e.id);
    }
    for (const info of ours) {
      if (stopped.some((s) => s.id === info.id)) continue;
      const known = this.registry.get(info.id);
      if (known) {
        if (known.origin !== 'deployed') this.registry.updateResources(info.id, info);
        else if (info.state) this.registry.setState(info.id, info.state);
      } else if (!ownerBound(info) || ownerGone(info)) {
        // E2B: this session's come back as its own; a local one is listed only when its owner is gone and it could not be stopped.
        this.registry.addListed(provider, info, info.orphan ? 'other' : 'reloaded');
      }
    }
    if (stopped.length) this._onDidStopOrphans.fire(stopped);
  }

  private async stopOrphans(provider: SandboxProvider, orphans: SandboxInfo[]): Promise<StoppedOrphan[]> {
    const stopped: StoppedOrphan[] = [];
    for (const info of orphans) {
      try {
        await provider.destroy(info.id);
        this.logger.info(`stopped local sandbox ${info.id} (${info.appName}), left running by a window that is gone`);
        stopped.push({ id: info.id, appName: info.metadata.appName ?? info.appName });
      } catch (err) {
        this.logger.warn(`could not stop local sandbox ${info.id} left by a window that is gone: ${messageOf(err)}`);
      }
    }
    return stopped;
  }
}
