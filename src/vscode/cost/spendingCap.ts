/**
 * Today's spending cap in the extension (`spawnApp.budgetUsd`). The budget, the check before a paid call and the
 * meter of sandbox time are the app session's (core/session: Budget, checkPaid, SpendMeter): this is the window's
 * side of them. Its ports: where the day's spend is kept (MementoSpendStore, globalState, so a reload does not reset
 * it), how to ask past the cap (askPastCap), which sandboxes this window pays for (its registry's own: deployed,
 * pre-warmed, and those found after a reload, from then on) and how one is paused at the cap (registry.pause); and
 * how the session's notes show: the 80 % warning once, and one message for the sandboxes paused at the cap.
 */
import * as vscode from 'vscode';
import type { SpendRecord, SpendStore } from '../../core/deploy/budget';
import type { Budget } from '../../core/deploy/budget';
import { CancelledError } from '../../core/base/errors';
import type { MeteredSandbox, PastCap, Session, SessionEvent } from '../../core/session';
import { Disposable, toDisposable } from '../base/dispose';
import type { SandboxEntry } from '../sandboxes/sandboxEntry';
import type { SandboxLogs } from '../sandboxes/sandboxLogs';
import type { SandboxRegistry } from '../sandboxes/sandboxRegistry';

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
  private ask: AskPastCap = modal;
  /** Sandboxes paused at the cap by one tick, shown in one message. */
  private capPaused: string[] | undefined;

  constructor(
    private readonly registry: SandboxRegistry,
    private readonly logs: SandboxLogs,
    /** The app session: its budget (over MementoSpendStore, with spawnApp.budgetUsd), its check before a paid call, its meter. */
    private readonly session: Session,
  ) {
    super();
    // This window's sandboxes, for the session's one meter (another window's are that window's to pay for).
    this._register(toDisposable(session.meter.add(() => registry.list().filter((e) => e.origin !== 'other').map((e) => this.metered(e)))));
    // A pause, a resume or a destroy is charged up to that moment.
    this._register(registry.onDidChange(() => void this.sync()));
  }

  private metered(e: SandboxEntry): MeteredSandbox {
    return {
      id: e.id,
      provider: e.provider,
      app: e.appId,
      name: e.appName,
      cpuCount: e.cpuCount,
      memoryMB: e.memoryMB,
      startedAt: e.startedAt,
      pausedMs: e.pausedMs,
      pausedSince: e.pausedSince,
      state: e.status === 'paused' ? 'paused' : 'running',
      endAt: e.endAt,
      seenLate: e.origin === 'reloaded',
      pauseAtCap: e.providerRef.pause ? () => this.pauseAtCap(e.id) : undefined,
    };
  }

  private async pauseAtCap(id: string): Promise<void> {
    await this.registry.pause(id); // listed as paused, with Resume
    this.logs.append(id, `Paused at today's spending cap (${this.budget().describe()}).`);
  }

  /** Today's budget (the session's, with the cap as the setting says now). */
  budget(): Budget {
    const budget = this.session.budget;
    if (!budget) throw new Error('The extension\'s session has no spend port.');
    return budget;
  }

  /** Charges this window's sandbox time up to now (the session's meter); at the cap, their pauses settle the promise. */
  sync(): Promise<void> {
    const done = this.session.meter.tick();
    this._onDidChange.fire();
    return done;
  }

  /** The session's budget notes (its progress port): the 80 % warning, and one message for the sandboxes paused at the cap. */
  onBudget(e: Extract<SessionEvent, { event: 'budget' }>): void {
    this._onDidChange.fire();
    if (e.status === 'warning') {
      void vscode.window.showWarningMessage(e.message);
      return;
    }
    if (e.status === 'reached') {
      void vscode.window.showWarningMessage(`${e.message.replace(/\.$/, '')}: no sandbox of this window was running to pause.`);
      return;
    }
    const name = (e.sandboxId && this.registry.get(e.sandboxId)?.appName) ?? e.sandboxId ?? 'a sandbox';
    if (this.capPaused) {
      this.capPaused.push(name);
      return;
    }
    // The meter reports every sandbox it paused in one go: gathered into one message.
    const names = (this.capPaused = [name]);
    queueMicrotask(() => {
      this.capPaused = undefined;
      void vscode.window.showWarningMessage(`Today's spending cap is reached (${e.spent}): paused ${names.join(', ')} (not deleted; they cost nothing while paused).`);
    });
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
}
