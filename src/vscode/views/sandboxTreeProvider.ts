/** Maps the sandbox registry to tree items (the Sandboxes view); a 1 s tick keeps countdowns and costs live. */
import * as vscode from 'vscode';
import { Disposable, toDisposable } from '../base/dispose';
import type { SandboxDiscovery } from '../sandboxes/sandboxDiscovery';
import type { SandboxEntry } from '../sandboxes/sandboxEntry';
import type { SandboxRegistry } from '../sandboxes/sandboxRegistry';
import type { ProviderId } from '../../core/base/providerId';
import type { DetailNode, GroupNode, ListErrorNode, SandboxNode, SandboxTreeNode } from './sandboxItems';
import { detailItem, groupItem, listErrorItem, sandboxItem } from './sandboxItems';

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
    private readonly discovery: SandboxDiscovery,
    /** Called once, the first time the view asks for its items (finds sandboxes that outlived a reload). */
    private readonly onFirstShow: () => void = () => undefined,
  ) {
    super();
    this._register(registry.onDidChange((e) => this._onDidChangeTreeData.fire(e ? this.nodeFor(e) : undefined)));
    this._register(discovery.onDidChange(() => this._onDidChangeTreeData.fire(undefined)));
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
      const errors = this.discovery.listErrors().map((err) => this.errorNodeFor(err.provider));
      const others = entries.some((e) => e.origin === 'other') ? [this.otherGroup] : [];
      return [...errors, ...entries.filter((e) => e.origin !== 'other').map((e) => this.nodeFor(e)), ...others];
    }
    if (element.kind === 'group') return this.registry.list().filter((e) => e.origin === 'other').map((e) => this.nodeFor(e));
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
    if (element.kind === 'sandbox' && this.registry.get(element.id)?.origin === 'other') return this.otherGroup;
    return undefined;
  }

  getTreeItem(element: SandboxTreeNode): vscode.TreeItem {
    if (element.kind === 'group') return groupItem(this.registry.list().filter((e) => e.origin === 'other').length);
    if (element.kind === 'listError') return listErrorItem(this.discovery.listErrors().find((e) => e.provider === element.id));
    const e = this.registry.get(element.id);
    if (!e) return new vscode.TreeItem('(gone)');
    return element.kind === 'sandbox' ? sandboxItem(e, this.nodeFor(e)) : detailItem(e, element.field, this.nodeFor(e));
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
