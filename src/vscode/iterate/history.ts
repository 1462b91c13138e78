/**
 * Each app's versions: the `versions` section of its draft record (so they are saved with the app and come back
 * after a reload), added at the moments that matter, and restorable. Deployed states are recorded by watching the
 * sandbox registry, so every way of deploying counts without the deploy service knowing about history.
 */
import * as vscode from 'vscode';
import type { AppMeta } from '../../core/workspace/treeTypes';
import type { AppTree } from '../../core/workspace/appTree';
import { manifestText } from '../../core/workspace/treeText';
import { manifestOf } from '../../core/workspace/appDir';
import type { Deployment } from '../../core/deploy/deploy';
import { SpawnError } from '../../core/base/errors';
import type { Logger as CoreLogger } from '../../core/base/events';
import { diffSpecs } from '../../core/workspace/specDiff';
import type { AppFile, AppSpec } from '../../core/app/spec';
import { currentFiles, replaceAppFiles } from '../../core/workspace/treeEdits';
import { checkPath, MANIFEST_NAME } from '../../core/validate';
import type { AppVersion, HistoryLimits, VersionCheck, VersionKind } from '../../core/app/versions';
import { addVersion, parseVersions, screenshotsOf, versionTitle } from '../../core/app/versions';
import { formatProblem, verifySummary } from '../../core/session';
import { Disposable, toDisposable } from '../base/dispose';
import type { DraftSection } from '../fs/appPersistence';
import type { SandboxEntry } from '../sandboxes/sandboxEntry';
import type { SandboxRegistry } from '../sandboxes/sandboxRegistry';

export class AppHistory extends Disposable implements DraftSection {
  readonly key = 'versions';
  private readonly byApp = new Map<string, AppVersion[]>();
  /** The deployment last recorded per sandbox entry. */
  private readonly recorded = new Map<string, Deployment>();
  private readonly _onDidChange = this._register(new vscode.EventEmitter<string>());
  /** Fires with the app's id when its versions change. */
  readonly onDidChangeVersions = this._onDidChange.event;

  constructor(
    private readonly tree: AppTree,
    registry: SandboxRegistry,
    private readonly logger: CoreLogger,
    private readonly limits: HistoryLimits = {},
    /** Where the screenshots of deployed versions are kept (one folder per app); none: no screenshots are kept. */
    private readonly screenshots?: vscode.Uri,
  ) {
    super();
    this._register(registry.onDidChange((e) => e && this.onEntry(e)));
    // A deleted app's history goes with it.
    const off = tree.onDidChange(() => {
      for (const id of this.byApp.keys()) {
        if (tree.app(id)) continue;
        this.byApp.delete(id);
        if (this.screenshots) void Promise.resolve(vscode.workspace.fs.delete(vscode.Uri.joinPath(this.screenshots, id), { recursive: true })).catch(() => undefined);
      }
    });
    this._register(toDisposable(off));
  }

  list(app: AppMeta): readonly AppVersion[] {
    return this.byApp.get(app.id) ?? [];
  }

  get(appId: string, id: number): AppVersion | undefined {
    return this.byApp.get(appId)?.find((v) => v.id === id);
  }

  // ---- the draft section ----

  save(app: AppMeta): AppVersion[] | undefined {
    const list = this.byApp.get(app.id);
    return list?.length ? list : undefined;
  }

  restore(app: AppMeta, value: unknown): void {
    const list = parseVersions(value);
    if (list.length) this.byApp.set(app.id, list);
  }

  onDidChange(listener: (appId: string) => void): vscode.Disposable {
    return this._onDidChange.event(listener);
  }

  /** Screenshots being written (a deploy's, just recorded): Open Screenshot waits for them. */
  private readonly writing = new Set<Promise<void>>();

  /** Resolves once every screenshot being written is on disk. */
  async screenshotsWritten(): Promise<void> {
    await Promise.all([...this.writing]);
  }

  /** The screenshot kept with a version, if any (a PNG in the window's screenshot folder). */
  screenshotOf(appId: string, v: AppVersion): vscode.Uri | undefined {
    return this.screenshots && v.check?.screenshot ? vscode.Uri.joinPath(this.screenshots, appId, v.check.screenshot) : undefined;
  }

  /** Records the app's files now (or `files`) as a version; the same files as the latest add nothing. */
  record(app: AppMeta, kind: VersionKind, label: string, files: readonly AppFile[] = currentFiles(this.tree, app), check?: VersionCheck): AppVersion {
    const r = addVersion(this.list(app), { kind, label, at: Date.now(), files, check }, this.limits);
    if (r.changed) {
      this.byApp.set(app.id, r.versions);
      this._onDidChange.fire(app.id);
      if (r.added) this.logger.info(`${app.name}: ${versionTitle(r.version)} (${label})`);
    }
    return r.version;
  }

  /** Goes back to a version: the current files are kept as a version first, so going back can be undone. */
  goBack(app: AppMeta, id: number): AppVersion {
    const v = this.get(app.id, id);
    if (!v) throw new SpawnError('usage', `${app.name} has no version ${id}.`);
    this.record(app, 'edited', 'Before going back');
    replaceAppFiles(this.tree, app, v.files);
    return this.record(app, 'restored', `Back to v${v.id}`);
  }

  private onEntry(entry: SandboxEntry): void {
    const d = entry.deployment;
    if (entry.status !== 'running' || !d || !entry.appId || this.recorded.get(entry.id) === d) return;
    this.recorded.set(entry.id, d);
    const app = this.tree.app(entry.appId);
    if (!app) return;
    const v = d.verification;
    const shot = v?.screenshots && this.screenshots ? `${v.at ?? Date.now()}.png` : undefined;
    const check: VersionCheck | undefined = v && { state: v.state, summary: verifySummary(v), problems: v.problems.map(formatProblem), ...(shot ? { screenshot: shot } : {}) };
    const version = this.record(app, 'deployed', `Deployed (${entry.provider})`, this.filesOf(app, d.spec), check);
    if (shot && v?.screenshots) {
      const w = this.keepScreenshot(app.id, shot, v.screenshots.wide, version);
      this.writing.add(w);
      void w.finally(() => this.writing.delete(w));
    }
  }

  /** Writes a version's screenshot, then drops the app's screenshots no version refers to any more. */
  private async keepScreenshot(appId: string, name: string, png: Uint8Array, version: AppVersion): Promise<void> {
    const dir = vscode.Uri.joinPath(this.screenshots!, appId);
    try {
      await vscode.workspace.fs.writeFile(vscode.Uri.joinPath(dir, name), png);
      const kept = screenshotsOf(this.byApp.get(appId) ?? []);
      for (const [file] of await vscode.workspace.fs.readDirectory(dir)) {
        if (!kept.has(file)) await vscode.workspace.fs.delete(vscode.Uri.joinPath(dir, file));
      }
      this._onDidChange.fire(appId);
    } catch (err) {
      this.logger.warn(`could not keep the screenshot of ${versionTitle(version)}: ${String(err)}`);
    }
  }

  /** The files of a deployed spec: the tree's own (exact manifest text) when they are what was deployed. */
  private filesOf(app: AppMeta, spec: AppSpec): AppFile[] {
    const now = this.tree.specOf(app).spec;
    if (now && sameSpec(now, spec)) return currentFiles(this.tree, app);
    return [
      { path: MANIFEST_NAME, content: manifestText(manifestOf(spec)) },
      ...spec.files.map((f) => {
        const c = checkPath(f.path);
        return { path: c.ok ? c.path : f.path, content: f.content };
      }),
    ];
  }
}

function sameSpec(a: AppSpec, b: AppSpec): boolean {
  const d = diffSpecs(a, b);
  return !d.added.length && !d.changed.length && !d.deleted.length && !d.startChanged && !d.depsChanged && a.port === b.port && a.appType === b.appType;
}
