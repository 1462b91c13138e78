/**
 * What this window has spent, for the status bar: generations (Claude requests) plus every sandbox of its own,
 * running or ended, priced by core/deploy/cost.ts. Display only: today's budget is charged by the app session
 * (its generation charges and its SpendMeter, fed by spendingCap.ts). Local runs are free; a sandbox whose
 * resources are unknown makes the total a lower bound (`partial`).
 */
import * as vscode from 'vscode';
import { sandboxUsd } from '../../core/deploy/cost';
import { Disposable } from '../base/dispose';
import type { SandboxEntry } from '../sandboxes/sandboxEntry';
import type { SandboxRegistry } from '../sandboxes/sandboxRegistry';

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
  private generationUsd = 0;
  private generationUnknown = false;
  private endedSandboxUsd = 0;
  /** An ended sandbox's cost was unknown: the total stays a lower bound (never counted as zero). */
  private endedUnknown = false;
  private readonly _onDidChange = this._register(new vscode.EventEmitter<void>());
  readonly onDidChange = this._onDidChange.event;

  constructor(private readonly registry: SandboxRegistry) {
    super();
    this._register(registry.onDidRemove((e) => {
      if (e.origin === 'other') return;
      const c = entryCost(e);
      if (c === null) this.endedUnknown = true;
      else this.endedSandboxUsd += c;
    }));
  }

  private gate: ((what: string) => Promise<void>) | undefined;

  /** The spending cap's check before a model request (set once by the composition root). */
  setGate(gate: (what: string) => Promise<void>): void {
    this.gate = gate;
  }

  /** Called before a generation, refine or fix starts: past today's cap, the user is asked first (CancelledError on no). */
  async beforeRequest(what: string): Promise<void> {
    await this.gate?.(what);
  }

  /** A generation request's cost (null: its model's price is unknown), shown in the window's total. */
  addGeneration(usd: number | null): void {
    if (usd === null) this.generationUnknown = true;
    else this.generationUsd += usd;
    this._onDidChange.fire();
  }

  /** The session's spend at `now`: only this window's sandboxes count, not other windows' it lists. */
  total(now = Date.now()): SessionSpend {
    let sandboxes = this.endedSandboxUsd;
    let partial = this.generationUnknown || this.endedUnknown;
    for (const e of this.registry.list()) {
      if (e.origin === 'other') continue;
      const c = entryCost(e, now);
      if (c === null) partial = true;
      else sandboxes += c;
    }
    return { usd: this.generationUsd + sandboxes, generation: this.generationUsd, sandboxes, partial };
  }
}
