/** Maps the sandbox registry to tree items (the Sandboxes view); a 1 s tick keeps countdowns and costs live. */
import * as vscode from 'vscode';
import { formatUsd } from '../../core/pricing';
import type { ProviderId } from '../../core/sandbox/types';
import { Disposable, toDisposable } from '../dispose';
import type { ListError, SandboxEntry, SandboxRegistry } from './sandboxRegistry';

export interface SandboxNode {
  readonly kind: 'sandbox';
  readonly id: string;
}

export interface DetailNode {
  readonly kind: 'detail';
  readonly id: string;
  readonly field: 'url' | 'time' | 'cost' | 'phase' | 'error';
}

/** Sandboxes of other windows and machines (and local ones a gone window left), apart from this window's. */
export interface GroupNode {
  readonly kind: 'group';
  readonly id: 'other';
}

/** A provider whose listing failed: click to retry. */
export interface ListErrorNode {
  readonly kind: 'listError';
  readonly id: ProviderId;
}

export type SandboxTreeNode = SandboxNode | DetailNode | GroupNode | ListErrorNode;

const PROVIDER_LABELS = { local: 'local runner', e2b: 'E2B' } as const;

/** "4:05" / "1:02:03" */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

export class SandboxTreeProvider extends Disposable implements vscode.TreeDataProvider<SandboxTreeNode> {
  private readonly _onDidChangeTreeData = this._register(new vscode.EventEmitter<SandboxTreeNode | undefined>());
  readonly onDidChangeTreeData = this._onDidChangeTreeData.event;
  private readonly nodes = new Map<string, { node: SandboxNode; details: Map<DetailNode['field'], DetailNode> }>();
  private readonly otherGroup: GroupNode = { kind: 'group', id: 'other' };
  private readonly errorNodes = new Map<ProviderId, ListErrorNode>();
  private visible = false;
  private ticker?: ReturnType<typeof setInterval>;
  private discovered = false;

  constructor(
    private readonly registry: SandboxRegistry,
    /** Called once, the first time the view asks for its items (finds sandboxes that outlived a reload). */
    private readonly onFirstShow: () => void = () => undefined,
  ) {
    super();
    this._register(registry.onDidChange((e) => this._onDidChangeTreeData.fire(e ? this.nodeFor(e) : undefined)));
    this._register(toDisposable(() => this.stopTicker()));
  }

  /** The view tells whether it is visible: the countdown ticks only then. */
  setVisible(visible: boolean): void {
    this.visible = visible;
    this.updateTicker();
  }

  getChildren(element?: SandboxTreeNode): SandboxTreeNode[] {
    if (!element) {
      if (!this.discovered) {
        this.discovered = true;
        this.onFirstShow();
      }
      const entries = this.registry.list();
      for (const id of this.nodes.keys()) if (!this.registry.get(id)) this.nodes.delete(id);
      this.updateTicker();
      const errors = this.registry.listErrors().map((err) => this.errorNodeFor(err.provider));
      const others = entries.some((e) => e.foreign) ? [this.otherGroup] : [];
      return [...errors, ...entries.filter((e) => !e.foreign).map((e) => this.nodeFor(e)), ...others];
    }
    if (element.kind === 'group') return this.registry.list().filter((e) => e.foreign).map((e) => this.nodeFor(e));
    if (element.kind === 'detail' || element.kind === 'listError') return [];
    const e = this.registry.get(element.id);
    if (!e) return [];
    const fields: DetailNode['field'][] = [];
    if (e.status === 'starting') fields.push('phase');
    if (e.status === 'failed') fields.push('error');
    if (e.url && e.status === 'running') fields.push('url');
    fields.push('time', 'cost');
    return fields.map((f) => this.detailFor(e.id, f));
  }

  getParent(element: SandboxTreeNode): SandboxTreeNode | undefined {
    if (element.kind === 'detail') return this.nodes.get(element.id)?.node;
    if (element.kind === 'sandbox' && this.registry.get(element.id)?.foreign) return this.otherGroup;
    return undefined;
  }

  getTreeItem(element: SandboxTreeNode): vscode.TreeItem {
    if (element.kind === 'group') return this.groupItem();
    if (element.kind === 'listError') return this.listErrorItem(this.registry.listErrors().find((e) => e.provider === element.id));
    const e = this.registry.get(element.id);
    if (!e) return new vscode.TreeItem('(gone)');
    return element.kind === 'sandbox' ? this.sandboxItem(e) : this.detailItem(e, element.field);
  }

  /** The node of a sandbox (stable per id), e.g. for `TreeView.reveal`. */
  nodeFor(e: SandboxEntry): SandboxNode {
    let n = this.nodes.get(e.id);
    if (!n) {
      n = { node: { kind: 'sandbox', id: e.id }, details: new Map() };
      this.nodes.set(e.id, n);
    }
    return n.node;
  }

  private errorNodeFor(provider: ProviderId): ListErrorNode {
    let n = this.errorNodes.get(provider);
    if (!n) {
      n = { kind: 'listError', id: provider };
      this.errorNodes.set(provider, n);
    }
    return n;
  }

  private groupItem(): vscode.TreeItem {
    const n = this.registry.list().filter((e) => e.foreign).length;
    const item = new vscode.TreeItem('Other windows and machines', vscode.TreeItemCollapsibleState.Expanded);
    item.id = 'sandboxGroup:other';
    item.description = `${n} sandbox${n === 1 ? '' : 'es'}`;
    item.tooltip = 'Sandboxes of ours that another VS Code window or machine started (or a window that is gone left running). They cost money until they time out: destroy the ones nobody needs.';
    item.contextValue = 'sandboxGroup:other';
    item.iconPath = new vscode.ThemeIcon('remote-explorer');
    return item;
  }

  private listErrorItem(err: ListError | undefined): vscode.TreeItem {
    const label = PROVIDER_LABELS[err?.provider ?? 'e2b'];
    const item = new vscode.TreeItem(`Could not list ${label} sandboxes`);
    item.id = `sandboxListError:${err?.provider ?? 'e2b'}`;
    item.description = 'click to retry';
    item.tooltip = `${err?.message ?? 'The listing failed.'}\n\nSandboxes you started in this window are still shown; click to list again.`;
    item.contextValue = `sandboxListError${err?.code === 'deploy.auth' || err?.code === 'deploy.no_key' ? ':auth' : ''}`;
    item.iconPath = new vscode.ThemeIcon('warning', new vscode.ThemeColor('problemsWarningIcon.foreground'));
    item.command = { command: 'spawnApp.refreshSandboxes', title: 'Retry' };
    return item;
  }

  private detailFor(id: string, field: DetailNode['field']): DetailNode {
    const n = this.nodes.get(id) ?? { node: { kind: 'sandbox' as const, id }, details: new Map() };
    this.nodes.set(id, n);
    let d = n.details.get(field);
    if (!d) {
      d = { kind: 'detail', id, field };
      n.details.set(field, d);
    }
    return d;
  }

  private sandboxItem(e: SandboxEntry): vscode.TreeItem {
    const item = new vscode.TreeItem(e.appName, vscode.TreeItemCollapsibleState.Expanded);
    item.id = `sandbox:${e.id}`;
    const iso = e.provider === 'local' ? e.providerRef.isolation?.() : undefined;
    item.description = `${PROVIDER_LABELS[e.provider]} · ${e.status}${iso ? (iso.sandboxed ? ' · sandboxed' : ' · not sandboxed') : ''}`;
    item.contextValue = `sandbox:${e.status}:${e.provider}`;
    item.iconPath =
      e.status === 'running'
        ? new vscode.ThemeIcon('vm-running', new vscode.ThemeColor('testing.iconPassed'))
        : e.status === 'starting'
          ? new vscode.ThemeIcon('loading~spin')
          : new vscode.ThemeIcon('error', new vscode.ThemeColor('errorForeground'));
    const md = new vscode.MarkdownString(undefined, true);
    md.appendMarkdown(`**${escapeMd(e.appName)}** — ${e.status}\n\n`);
    md.appendMarkdown(`${PROVIDER_LABELS[e.provider]} sandbox \`${e.id}\`${e.foreign ? ' (started by another window or machine)' : e.found ? ' (found by listing)' : ''}\n\n`);
    if (iso) md.appendMarkdown(iso.sandboxed ? `Sandboxed (bubblewrap): an empty home, writes only to its folder, reachable only from this machine${iso.network ? '' : ', no network'}.\n\n` : `Not sandboxed: ${escapeMd(iso.reason ?? 'unknown reason')}.\n\n`);
    if (e.url) md.appendMarkdown(`URL: ${e.url}\n\n`);
    if (e.error) md.appendMarkdown(`Error: ${escapeMd(e.error.message)}\n\n`);
    item.tooltip = md;
    if (e.status === 'running') item.command = { command: 'spawnApp.sandbox.openPreview', title: 'Open Preview', arguments: [this.nodeFor(e)] };
    return item;
  }

  private detailItem(e: SandboxEntry, field: DetailNode['field']): vscode.TreeItem {
    const now = Date.now();
    const item = new vscode.TreeItem('');
    item.id = `sandbox:${e.id}:${field}`;
    item.contextValue = `sandboxDetail:${field}`;
    switch (field) {
      case 'phase':
        item.label = e.phase ?? 'Starting…';
        item.iconPath = new vscode.ThemeIcon('sync~spin');
        break;
      case 'error':
        item.label = e.error?.message ?? 'Failed';
        item.tooltip = e.error?.detail ? `${e.error.message}\n\n${e.error.detail}` : e.error?.message;
        item.iconPath = new vscode.ThemeIcon('warning');
        item.command = { command: 'spawnApp.sandbox.showLogs', title: 'Show Logs', arguments: [this.nodeFor(e)] };
        break;
      case 'url':
        item.label = e.url ?? '';
        item.tooltip = 'Open in Browser';
        item.iconPath = new vscode.ThemeIcon('link-external');
        item.command = { command: 'spawnApp.sandbox.openInBrowser', title: 'Open in Browser', arguments: [this.nodeFor(e)] };
        break;
      case 'time':
        if (e.endAt !== undefined) {
          item.label = `${formatDuration(e.endAt - now)} left`;
          item.description = `up ${formatDuration(now - e.startedAt)}`;
        } else {
          item.label = `up ${formatDuration(now - e.startedAt)}`;
          item.description = 'stops when this window closes';
        }
        item.iconPath = new vscode.ThemeIcon('watch');
        break;
      case 'cost': {
        const c = this.registry.cost(e, now);
        item.label = c === null ? 'cost unknown' : `${formatUsd(c)} so far`;
        item.description = e.provider === 'local' ? 'runs on this machine' : e.cpuCount && e.memoryMB ? `${e.cpuCount} vCPU, ${e.memoryMB} MB` : undefined;
        item.iconPath = new vscode.ThemeIcon('credit-card');
        break;
      }
    }
    return item;
  }

  private updateTicker(): void {
    const want = this.visible && this.registry.list().length > 0;
    if (want && !this.ticker) {
      this.ticker = setInterval(() => this.tick(), 1000);
    } else if (!want) {
      this.stopTicker();
    }
  }

  private stopTicker(): void {
    if (this.ticker) clearInterval(this.ticker);
    this.ticker = undefined;
  }

  private tick(): void {
    if (this.registry.list().length === 0) return this.stopTicker();
    for (const e of this.registry.list()) {
      for (const f of ['time', 'cost'] as const) this._onDidChangeTreeData.fire(this.detailFor(e.id, f));
    }
  }
}

function escapeMd(s: string): string {
  return s.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, '\\$&');
}
