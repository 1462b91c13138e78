/**
 * Each sandbox's own log (phases, install and app output): kept in memory, shown in an output channel
 * ("Spawn App: <app> (<id>)") created on first Show Logs. A log someone opened stays readable after its sandbox
 * went (why did it stop?) until the window closes; the others go with their sandbox.
 */
import * as vscode from 'vscode';
import { Disposable, toDisposable } from '../base/dispose';
import type { SandboxEntry } from './sandboxEntry';
import type { SandboxRegistry } from './sandboxRegistry';

const MAX_LOG_LINES = 5000;

export class SandboxLogs extends Disposable {
  private readonly logs = new Map<string, { lines: string[]; channel?: vscode.OutputChannel }>();

  constructor(
    registry: SandboxRegistry,
    private readonly createChannel: (name: string) => vscode.OutputChannel = (name) => vscode.window.createOutputChannel(name),
  ) {
    super();
    this._register(registry.onDidRemove((e) => {
      const l = this.logs.get(e.id);
      if (l?.channel) l.channel.appendLine('Sandbox removed.');
      else this.logs.delete(e.id);
    }));
    this._register(toDisposable(() => {
      for (const l of this.logs.values()) l.channel?.dispose();
      this.logs.clear();
    }));
  }

  /** Appends a line to the sandbox's log. */
  append(sandboxId: string, line: string): void {
    const l = this.of(sandboxId);
    l.lines.push(line);
    if (l.lines.length > MAX_LOG_LINES) l.lines.splice(0, l.lines.length - MAX_LOG_LINES);
    l.channel?.appendLine(line);
  }

  /** The sandbox's log so far. */
  text(sandboxId: string): string {
    return (this.logs.get(sandboxId)?.lines ?? []).join('\n');
  }

  /** Shows the sandbox's log in its own output channel. */
  show(entry: SandboxEntry): void {
    const l = this.of(entry.id);
    if (!l.channel) {
      l.channel = this.createChannel(`Spawn App: ${entry.appName} (${entry.id})`);
      for (const line of l.lines) l.channel.appendLine(line);
    }
    l.channel.show(true);
  }

  private of(id: string): { lines: string[]; channel?: vscode.OutputChannel } {
    let l = this.logs.get(id);
    if (!l) {
      l = { lines: [] };
      this.logs.set(id, l);
    }
    return l;
  }
}
