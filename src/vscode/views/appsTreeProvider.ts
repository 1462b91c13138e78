/** The Apps view: the virtual workspace (each app's folder and files) straight from the AppTree. */
import * as vscode from 'vscode';
import type { AppTree } from '../../core/appTree';
import { MANIFEST_NAME } from '../../core/validate';
import { SCHEME } from '../fs/appUri';
import { Disposable, toDisposable } from '../dispose';
import type { SandboxRegistry } from './sandboxRegistry';

export interface AppTreeNode {
  /** The node's `spawnapp:` URI. */
  readonly uri: vscode.Uri;
  readonly kind: 'app' | 'folder' | 'file';
}

export class AppsTreeProvider extends Disposable implements vscode.TreeDataProvider<AppTreeNode> {
  private readonly _onDidChangeTreeData = this._register(new vscode.EventEmitter<AppTreeNode | undefined>());
  readonly onDidChangeTreeData = this._onDidChangeTreeData.event;
  private timer?: ReturnType<typeof setTimeout>;
  private readonly nodes = new Map<string, AppTreeNode>();

  constructor(
    private readonly tree: AppTree,
    private readonly registry: SandboxRegistry,
  ) {
    super();
    const off = tree.onDidChange(() => this.refreshSoon());
    this._register(toDisposable(() => {
      off();
      if (this.timer) clearTimeout(this.timer);
    }));
    this._register(registry.onDidChange(() => this.refreshSoon()));
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

  getChildren(element?: AppTreeNode): AppTreeNode[] {
    if (!element) return this.tree.apps().map((a) => this.node(this.tree.pathOf(a), 'app'));
    if (!this.tree.exists(element.uri.path)) return [];
    let entries: [string, 'file' | 'directory'][];
    try {
      entries = this.tree.readDirectory(element.uri.path);
    } catch {
      return [];
    }
    return entries
      .sort(([an, ak], [bn, bk]) => (ak === bk ? an.localeCompare(bn) : ak === 'directory' ? -1 : 1))
      .map(([name, kind]) => this.node(`${element.uri.path}/${name}`, kind === 'directory' ? 'folder' : 'file'));
  }

  getParent(element: AppTreeNode): AppTreeNode | undefined {
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
      item.description = [by, sb ? sb.status : undefined].filter(Boolean).join(' · ');
      item.iconPath = new vscode.ThemeIcon(sb?.status === 'running' ? 'vm-running' : 'package');
      item.tooltip = app?.prompt ? `“${app.prompt}”` : undefined;
      return item;
    }
    const item = new vscode.TreeItem(element.uri, element.kind === 'folder' ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
    item.id = `${element.kind}:${element.uri.path}`;
    item.contextValue = element.kind === 'folder' ? 'appFolder' : element.uri.path.endsWith(`/${MANIFEST_NAME}`) && element.uri.path.split('/').length === 3 ? 'appManifest' : 'appFile';
    if (element.kind === 'file') item.command = { command: 'vscode.open', title: 'Open', arguments: [element.uri] };
    return item;
  }
}
