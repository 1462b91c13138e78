/** The Apps view: the virtual workspace (each app's folder and files) straight from the AppTree, and each app's versions. */
import * as vscode from 'vscode';
import type { AppMeta } from '../../core/workspace/treeTypes';
import type { AppTree } from '../../core/workspace/appTree';
import { MANIFEST_NAME } from '../../core/validate';
import type { AppVersion } from '../../core/app/versions';
import { versionTitle } from '../../core/app/versions';
import { verifyWord } from '../../core/session';
import { SCHEME } from '../fs/appUri';
import { Disposable, toDisposable } from '../base/dispose';
import type { SandboxRegistry } from '../sandboxes/sandboxRegistry';

/** Where the view reads an app's versions (the AppHistory). */
export interface AppVersionSource {
  list(app: AppMeta): readonly AppVersion[];
  onDidChangeVersions: vscode.Event<string>;
  /** The version's screenshot (kept when its deploy was checked in a browser). */
  screenshotOf?(appId: string, v: AppVersion): vscode.Uri | undefined;
}

export interface AppTreeNode {
  /** The node's `spawnapp:` URI (for versions: the app's). */
  readonly uri: vscode.Uri;
  readonly kind: 'app' | 'folder' | 'file' | 'versions' | 'version';
  /** For a `version` node: its number. */
  readonly versionId?: number;
}

const VERSION_ICONS: Record<AppVersion['kind'], string> = {
  generated: 'sparkle',
  opened: 'folder-opened',
  edited: 'edit',
  refined: 'wand',
  fixed: 'wrench',
  restored: 'discard',
  deployed: 'rocket',
};

export class AppsTreeProvider extends Disposable implements vscode.TreeDataProvider<AppTreeNode> {
  private readonly _onDidChangeTreeData = this._register(new vscode.EventEmitter<AppTreeNode | undefined>());
  readonly onDidChangeTreeData = this._onDidChangeTreeData.event;
  private timer?: ReturnType<typeof setTimeout>;
  private readonly nodes = new Map<string, AppTreeNode>();

  constructor(
    private readonly tree: AppTree,
    private readonly registry: SandboxRegistry,
    /** Each app's versions (shown under a Versions node); absent: no such node. */
    private readonly versions?: AppVersionSource,
  ) {
    super();
    const off = tree.onDidChange(() => this.refreshSoon());
    this._register(toDisposable(() => {
      off();
      if (this.timer) clearTimeout(this.timer);
    }));
    this._register(registry.onDidChange(() => this.refreshSoon()));
    if (versions) this._register(versions.onDidChangeVersions(() => this.refreshSoon()));
  }

  private refreshSoon(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this._onDidChangeTreeData.fire(undefined);
    }, 30);
  }

  private node(path: string, kind: AppTreeNode['kind']): AppTreeNode {
    const key = `${kind}:${path}`;
    let n = this.nodes.get(key);
    if (!n) {
      n = { uri: vscode.Uri.from({ scheme: SCHEME, path }), kind };
      this.nodes.set(key, n);
    }
    return n;
  }

  private versionsNode(app: AppMeta): AppTreeNode {
    return this.node(this.tree.pathOf(app), 'versions');
  }

  private versionNode(app: AppMeta, id: number): AppTreeNode {
    const key = `version:${app.id}:${id}`;
    let n = this.nodes.get(key);
    if (!n) {
      n = { uri: vscode.Uri.from({ scheme: SCHEME, path: this.tree.pathOf(app) }), kind: 'version', versionId: id };
      this.nodes.set(key, n);
    }
    return n;
  }

  getChildren(element?: AppTreeNode): AppTreeNode[] {
    if (!element) return this.tree.apps().map((a) => this.node(this.tree.pathOf(a), 'app'));
    if (element.kind === 'version') return [];
    if (element.kind === 'versions') {
      const app = this.tree.appOf(element.uri.path);
      return app ? [...(this.versions?.list(app) ?? [])].reverse().map((v) => this.versionNode(app, v.id)) : [];
    }
    if (!this.tree.exists(element.uri.path)) return [];
    let entries: [string, 'file' | 'directory'][];
    try {
      entries = this.tree.readDirectory(element.uri.path);
    } catch {
      return [];
    }
    const files = entries
      .sort(([an, ak], [bn, bk]) => (ak === bk ? an.localeCompare(bn) : ak === 'directory' ? -1 : 1))
      .map(([name, kind]) => this.node(`${element.uri.path}/${name}`, kind === 'directory' ? 'folder' : 'file'));
    const app = element.kind === 'app' ? this.tree.appOf(element.uri.path) : undefined;
    return app && this.versions?.list(app).length ? [this.versionsNode(app), ...files] : files;
  }

  getParent(element: AppTreeNode): AppTreeNode | undefined {
    if (element.kind === 'versions') return this.node(element.uri.path, 'app');
    if (element.kind === 'version') return this.node(element.uri.path, 'versions');
    const parts = element.uri.path.split('/').filter(Boolean);
    if (parts.length <= 1) return undefined;
    const parent = '/' + parts.slice(0, -1).join('/');
    return this.node(parent, parts.length === 2 ? 'app' : 'folder');
  }

  getTreeItem(element: AppTreeNode): vscode.TreeItem {
    if (element.kind === 'app') {
      const app = this.tree.appOf(element.uri.path);
      const item = new vscode.TreeItem(element.uri, vscode.TreeItemCollapsibleState.Expanded);
      item.id = `app:${app?.id ?? element.uri.path}`;
      item.contextValue = 'app';
      const sb = app && this.registry.forApp(app.id);
      const by = app?.generator === 'templates' ? 'built-in template' : app?.generator === 'claude' ? 'written by Claude' : app?.generator === 'disk' ? 'opened from a folder' : app?.generator;
      item.description = [by, sb ? (sb.prewarmed ? 'sandbox pre-warmed' : sb.status) : undefined, sb?.status === 'running' ? verifyWord(sb.deployment?.verification) : undefined].filter(Boolean).join(' · ');
      item.iconPath = new vscode.ThemeIcon(sb?.status === 'running' ? 'vm-running' : 'package');
      item.tooltip = app?.prompt ? `“${app.prompt}”` : undefined;
      return item;
    }
    if (element.kind === 'versions' || element.kind === 'version') return this.versionItem(element);
    const item = new vscode.TreeItem(element.uri, element.kind === 'folder' ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
    item.id = `${element.kind}:${element.uri.path}`;
    item.contextValue = element.kind === 'folder' ? 'appFolder' : element.uri.path.endsWith(`/${MANIFEST_NAME}`) && element.uri.path.split('/').length === 3 ? 'appManifest' : 'appFile';
    if (element.kind === 'file') item.command = { command: 'vscode.open', title: 'Open', arguments: [element.uri] };
    return item;
  }

  private versionItem(element: AppTreeNode): vscode.TreeItem {
    const app = this.tree.appOf(element.uri.path);
    const versions = (app && this.versions?.list(app)) || [];
    if (element.kind === 'versions') {
      const item = new vscode.TreeItem('Versions', vscode.TreeItemCollapsibleState.Collapsed);
      item.id = `versions:${app?.id ?? element.uri.path}`;
      item.contextValue = 'appVersions';
      item.description = String(versions.length);
      item.iconPath = new vscode.ThemeIcon('history');
      item.tooltip = 'Compare any version with the current files, or go back to it.';
      return item;
    }
    const v = versions.find((x) => x.id === element.versionId);
    const item = new vscode.TreeItem(v ? versionTitle(v) : `v${element.versionId}`, vscode.TreeItemCollapsibleState.None);
    item.id = `version:${app?.id ?? element.uri.path}:${element.versionId}`;
    item.contextValue = 'appVersion';
    if (!v) return item;
    if (app && this.versions?.screenshotOf?.(app.id, v)) item.contextValue = 'appVersion:screenshot';
    item.description = [v.label, ago(v.at), v.deployedAt && v.kind !== 'deployed' ? 'deployed' : undefined, verifyWord(v.check)].filter(Boolean).join(' · ');
    const check = v.check ? `\nVerification: ${v.check.summary}${v.check.problems.map((p) => `\n- ${p}`).join('')}${v.check.screenshot ? '\n(Open Screenshot: the page as the check saw it)' : ''}` : '';
    item.tooltip = `${versionTitle(v)}: ${v.label}\n${new Date(v.at).toLocaleString()} · ${v.files.length} files${v.deployedAt ? `\nDeployed ${new Date(v.deployedAt).toLocaleString()}` : ''}${check}`;
    item.iconPath = new vscode.ThemeIcon(VERSION_ICONS[v.kind]);
    item.command = { command: 'spawnApp.version.compare', title: 'Compare with Current', arguments: [element] };
    return item;
  }
}

/** "just now", "5 min ago", "3 h ago", "2 d ago" */
function ago(at: number, now = Date.now()): string {
  const s = Math.max(0, Math.round((now - at) / 1000));
  if (s < 60) return 'just now';
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86400)} d ago`;
}
