/** A status bar item: running sandboxes and what this session has cost; it opens the Sandboxes view. */
import * as vscode from 'vscode';
import { formatUsd } from '../../core/base/pricing';
import { Disposable, toDisposable } from '../base/dispose';
import type { SandboxRegistry } from '../sandboxes/sandboxRegistry';
import type { SessionCost } from '../cost/sessionCost';
import type { SpendingCap } from '../cost/spendingCap';

export class SessionStatusBar extends Disposable {
  private readonly item = this._register(vscode.window.createStatusBarItem('spawnApp.session', vscode.StatusBarAlignment.Left, 50));

  constructor(
    private readonly registry: SandboxRegistry,
    private readonly cost: SessionCost,
    private readonly cap?: SpendingCap,
  ) {
    super();
    this.item.name = 'Spawn App';
    this.item.command = 'spawnApp.sandboxes.focus';
    this._register(registry.onDidChange(() => this.render()));
    this._register(cost.onDidChange(() => this.render()));
    if (cap) this._register(cap.onDidChange(() => this.render()));
    const timer = setInterval(() => this.render(), 5000);
    this._register(toDisposable(() => clearInterval(timer)));
    this.render();
  }

  render(): void {
    const entries = this.registry.list();
    const running = entries.filter((e) => e.status === 'running').length;
    const cost = this.cost.total();
    const budget = this.cap?.budget();
    const today = budget?.today();
    if (entries.length === 0 && cost.usd === 0 && !cost.partial && !today?.usd && !today?.unknown) {
      this.item.hide();
      return;
    }
    const usd = `${formatUsd(cost.usd)}${cost.partial ? '+' : ''}`;
    this.item.text = budget ? `$(vm-running) ${running} · ${budget.describe().replace(/ today$/, '')}` : `$(vm-running) ${running} · ${usd}`;
    this.item.backgroundColor = budget?.capped ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
    this.item.tooltip = new vscode.MarkdownString(
      `**Spawn App**\n\n${running} running sandbox${running === 1 ? '' : 'es'} (${entries.length} listed)\n\n` +
        `Session cost: ${usd} — generation ${formatUsd(cost.generation)}, sandboxes ${formatUsd(cost.sandboxes)}` +
        `${cost.partial ? '\n\nSome prices are unknown, so the total is a lower bound.' : ''}` +
        `${budget ? `\n\nToday: ${budget.describe()} (spawnApp.budgetUsd)` : ''}`,
    );
    this.item.show();
  }
}
