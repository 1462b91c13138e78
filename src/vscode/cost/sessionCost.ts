/**
 * What this window has spent, for the status bar: generations (Claude requests) plus every sandbox of its own,
 * running or ended, priced by core/deploy/cost.ts. Display only: today's budget is charged by the app session
 * (its generation charges and its SpendMeter, fed by spendingCap.ts). Local runs are free; a sandbox whose
 * resources are unknown makes the total a lower bound (`partial`).
 */
import * as vscode from 'vscode';
import { sandboxUsd } from '../../core/deploy/cost';
import { Disposable, toDisposable } from '../base/dispose';
import type { SandboxEntry } from '../sandboxes/sandboxEntry';
import type { SandboxRegistry } from '../sandboxes/sandboxRegistry';
import type { Session } from '../../core/session';

export interface SessionSpend {
  usd: number;
  generation: number;
  sandboxes: number;
  partial: boolean;
}

/** Dollars a sandbox has cost so far (core/deploy/cost.ts); null when its resources are unknown. Local runs are free. */
export function entryCost(e: Pick<SandboxEntry, 'provider' | 'cpuCount' | 'memoryMB' | 'startedAt' | 'pausedMs' | 'pausedSince' | 'status' | 'endAt'>, now = Date.now()): number | null {
  // A sandbox found paused (after a reload) has no pausedSince: the core bills it up to its timeout at most.
  return sandboxUsd({ ...e, state: e.status === 'paused' ? 'paused' : 'running' }, now);
}

export class SessionCost extends Disposable {
  private endedSandboxUsd = 0;
  /** An ended sandbox's cost was unknown: the total stays a lower bound (never counted as zero). */
  private endedUnknown = false;
  private readonly _onDidChange = this._register(new vscode.EventEmitter<void>());
  readonly onDidChange = this._onDidChange.event;

  constructor(
    private readonly registry: SandboxRegistry,
    /** The app session: what its model requests cost (it charges every one of them to today's budget). */
    private readonly session: Pick<Session, 'generationSpent' | 'onCharged'>,
  ) {
    super();
    this._register(toDisposable(session.onCharged(() => this._onDidChange.fire())));
    this._register(registry.onDidRemove((e) => {
      if (e.origin === 'other') return;
      const c = entryCost(e);
      if (c === null) this.endedUnknown = true;
      else this.endedSandboxUsd += c;
    }));
  }

  /** The session's spend at `now`: only this window's sandboxes count, not other windows' it lists. */
  total(now = Date.now()): SessionSpend {
    let sandboxes = this.endedSandboxUsd;
    const generation = this.session.generationSpent();
    let partial = generation.unknown || this.endedUnknown;
    for (const e of this.registry.list()) {
      if (e.origin === 'other') continue;
      const c = entryCost(e, now);
      if (c === null) partial = true;
      else sandboxes += c;
    }
    return { usd: generation.usd + sandboxes, generation: generation.usd, sandboxes, partial };
  }
}
