/**
 * Each app's deploy history (ready, failed, removed; provider, sandbox, URL, when), derived from the sandbox
 * registry's changes and saved with the app's draft (the `deploys` section), so it survives a reload.
 */
import * as vscode from 'vscode';
import type { AppMeta } from '../../core/workspace/treeTypes';
import type { DeployRecord } from '../../core/workspace/draft';
import { DRAFT_LIMITS, deploysFrom } from '../../core/workspace/draft';
import { Disposable } from '../base/dispose';
import type { DraftSection } from '../fs/appPersistence';
import type { SandboxEntry } from '../sandboxes/sandboxEntry';
import type { SandboxRegistry } from '../sandboxes/sandboxRegistry';

export class DeployHistory extends Disposable implements DraftSection {
  readonly key = 'deploys';
  private readonly byApp = new Map<string, DeployRecord[]>();
  /** What was recorded last per sandbox id: its outcome, and for `running` the deployment it was. */
  private readonly seen = new Map<string, { appId: string; entry: SandboxEntry; outcome: DeployRecord['outcome'] | 'starting'; deployment?: unknown }>();
  private readonly _onDidChange = this._register(new vscode.EventEmitter<string>());

  constructor(private readonly registry: SandboxRegistry) {
    super();
    this._register(registry.onDidChange((e) => (e ? this.observe(e) : this.sweep())));
  }

  /** The app's deploy events, oldest first. */
  of(appId: string): readonly DeployRecord[] {
    return this.byApp.get(appId) ?? [];
  }

  save(app: AppMeta): DeployRecord[] | undefined {
    const list = this.byApp.get(app.id);
    return list?.length ? list : undefined;
  }

  restore(app: AppMeta, value: unknown): void {
    const list = deploysFrom(value);
    if (list.length) this.byApp.set(app.id, list);
  }

  onDidChange(listener: (appId: string) => void): vscode.Disposable {
    return this._onDidChange.event(listener);
  }

  private observe(e: SandboxEntry): void {
    // Sandboxes found by listing were deployed elsewhere (or before a reload, already recorded then).
    if (!e.appId || e.origin !== 'deployed') return;
    const prev = this.seen.get(e.id);
    if (e.status === 'running' && e.deployment && (prev?.outcome !== 'running' || prev.deployment !== e.deployment)) {
      this.record(e, { outcome: 'running', url: e.url }, e.deployment);
    } else if (e.status === 'failed' && prev?.outcome !== 'failed') {
      this.record(e, { outcome: 'failed', message: e.error?.message });
    } else if (e.status === 'starting' && prev) {
      // A redeploy began: its end is recorded whatever the previous outcome was.
      this.seen.set(e.id, { ...prev, outcome: 'starting', deployment: undefined });
    }
  }

  /** Entries were added or removed: sandboxes that had an outcome and are gone now were removed. */
  private sweep(): void {
    for (const e of this.registry.list()) this.observe(e);
    for (const [id, s] of this.seen) {
      if (this.registry.get(id)) continue;
      this.seen.delete(id);
      if (s.outcome !== 'removed') this.record(s.entry, { outcome: 'removed' });
    }
  }

  private record(e: SandboxEntry, event: Pick<DeployRecord, 'outcome' | 'url' | 'message'>, deployment?: unknown): void {
    const appId = e.appId!;
    const list = this.byApp.get(appId) ?? [];
    list.push({ at: Date.now(), provider: e.provider, sandboxId: e.id, ...event });
    if (list.length > DRAFT_LIMITS.maxDeploys) list.splice(0, list.length - DRAFT_LIMITS.maxDeploys);
    this.byApp.set(appId, list);
    if (this.registry.get(e.id)) this.seen.set(e.id, { appId, entry: e, outcome: event.outcome, deployment });
    this._onDidChange.fire(appId);
  }
}
