/**
 * Today's spending cap in the extension (`spawnApp.budgetUsd`): it charges what the SessionCost counts (generation
 * and this window's sandbox time) to a daily record kept in globalState (so a reload does not reset it), warns once
 * at 80 %, asks before a generation, refine or fix past the cap, and at the cap pauses this window's running E2B
 * sandboxes (not deleting them) with one message. An unknown price is counted as unknown, never as zero. The budget
 * and the check before a paid call are the app session's (core/session): this is its `spend` port (MementoSpendStore)
 * and its `ask.pastCap` port (askPastCap).
 */
import * as vscode from 'vscode';
import type { Budget, SpendRecord, SpendStore } from '../../core/deploy/budget';
import { CancelledError, messageOf } from '../../core/base/errors';
import type { PastCap, Session } from '../../core/session';
import { providerInfo } from '../../core/session';
import { Disposable, toDisposable } from '../base/dispose';
import type { Logger } from '../../core/base/events';
import type { SandboxLogs } from '../sandboxes/sandboxLogs';
import type { SandboxRegistry } from '../sandboxes/sandboxRegistry';
import type { SessionCost } from './sessionCost';
import { entryCost } from './sessionCost';

const STATE_KEY = 'spawnApp.spend';

/** The daily record in the extension's global state (shared by every window of this profile). */
export class MementoSpendStore implements SpendStore {
  constructor(private readonly state: vscode.Memento) {}
  load(): SpendRecord | undefined {
    return this.state.get<SpendRecord>(STATE_KEY);
  }
  save(r: SpendRecord): void {
    void this.state.update(STATE_KEY, r);
  }
}

/** Answers "start past the cap?" (a modal; integration tests answer through `answerWith`). */
export type AskPastCap = (message: string, detail: string) => Promise<boolean>;

const modal: AskPastCap = async (message, detail) => (await vscode.window.showWarningMessage(message, { modal: true, detail }, 'Start Anyway')) === 'Start Anyway';

export class SpendingCap extends Disposable {
  private readonly _onDidChange = this._register(new vscode.EventEmitter<void>());
  readonly onDidChange = this._onDidChange.event;
  /** What the SessionCost had counted at the last charge (its total only grows within a window). */
  private charged = 0;
  private chargedUnknown = false;
  private ask: AskPastCap = modal;
  private pausing = false;
  /**
   * A sandbox found after a reload (`reloaded`) is counted by SessionCost from its start, but what it cost before
   * the reload was charged then: what it had cost when this window first listed it is left out.
   */
  private reloadedBaseline = 0;
  private readonly listed = new Set<string>();

  constructor(
    private readonly cost: SessionCost,
    private readonly registry: SandboxRegistry,
    private readonly logs: SandboxLogs,
    /** The app session: its budget (over MementoSpendStore, with spawnApp.budgetUsd) and its check before a paid call. */
    private readonly session: Session,
    private readonly logger: Logger,
    private readonly clock: () => number = Date.now,
    tickMs = 5000,
  ) {
    super();
    cost.setGate((what) => this.beforeRequest(what));
    this._register(cost.onDidChange(() => this.sync()));
    this._register(registry.onDidRemove((e) => this.listed.delete(e.id)));
    const timer = setInterval(() => this.sync(), tickMs);
    this._register(toDisposable(() => clearInterval(timer)));
  }

  /** Today's budget (the session's, with the cap as the setting says now). */
  budget(): Budget {
    const budget = this.session.budget;
    if (!budget) throw new Error('The extension\'s session has no spend port.');
    return budget;
  }

  /** Charges what the session counted since the last call; warns at 80 %, pauses at the cap. */
  sync(): void {
    const now = this.clock();
    for (const e of this.registry.list()) {
      if (e.origin === 'other' || this.listed.has(e.id)) continue;
      this.listed.add(e.id);
      if (e.origin === 'reloaded') this.reloadedBaseline += entryCost(e, now) ?? 0;
    }
    const total = this.cost.total(now);
    // Left out: what a sandbox found after a reload cost before it, and what the session charged itself.
    total.usd -= this.reloadedBaseline + total.charged;
    const budget = this.budget();
    const outcomes = [];
    if (total.usd > this.charged) {
      outcomes.push(budget.charge(total.usd - this.charged));
      this.charged = total.usd;
    }
    if (total.unchargedPartial && !this.chargedUnknown) {
      this.chargedUnknown = true;
      outcomes.push(budget.charge(null));
    }
    if (outcomes.length === 0) return;
    this._onDidChange.fire();
    if (outcomes.some((o) => o.warn) && !budget.capped) void vscode.window.showWarningMessage(budget.warning());
    if (budget.capped) void this.pauseRunning(budget, outcomes.some((o) => o.reached));
  }

  /** Past the cap, the session asks (askPastCap) before a model request starts; a no is a (silent) cancel. */
  async beforeRequest(what: string): Promise<void> {
    this.sync();
    await this.session.checkPaid({ generation: what });
  }

  /** The session's `ask.pastCap` port: the modal (or the test's answer); a no is a (silent) cancel. */
  async askPastCap(q: PastCap): Promise<boolean> {
    const ok = await this.ask(`Today's spending cap is reached (${q.spent}).`, `${q.what} would spend more. Start it anyway, or raise spawnApp.budgetUsd.`);
    if (!ok) throw new CancelledError();
    return true;
  }

  /** Test mode: answer the past-the-cap question with `fn` until disposed. */
  answerWith(fn: AskPastCap): vscode.Disposable {
    this.ask = fn;
    return new vscode.Disposable(() => (this.ask = modal));
  }

  /** "$0.42 / $2.00 today" for the status bar. */
  describe(): string {
    return this.budget().describe();
  }

  /** Pauses this window's running E2B sandboxes (one message for all of them). */
  private async pauseRunning(budget: Budget, announce: boolean): Promise<void> {
    if (this.pausing) return;
    const running = this.registry.list().filter((e) => e.origin !== 'other' && e.status === 'running' && e.providerRef.pause && !providerInfo(e.provider).onThisMachine);
    if (running.length === 0) return;
    this.pausing = true;
    try {
      const paused: string[] = [];
      for (const e of running) {
        try {
          await this.registry.pause(e.id); // listed as paused, with Resume
          paused.push(e.appName);
          this.logs.append(e.id, `Paused at today's spending cap (${budget.describe()}).`);
        } catch (err) {
          this.logger.warn(`[budget] could not pause ${e.id}: ${messageOf(err)}`);
        }
      }
      if (paused.length || announce) {
        void vscode.window.showWarningMessage(`Today's spending cap is reached (${budget.describe()}): paused ${paused.length ? paused.join(', ') : 'no sandbox'} (not deleted; they cost nothing while paused).`);
      }
    } finally {
      this.pausing = false;
    }
  }
}
