/**
 * Terminals into sandboxes: a VS Code terminal (`Pseudoterminal`) attached to a shell in the app folder, through
 * the provider's `openShell` (E2B: the SDK's PTY, resized with the terminal; local: bash on a PTY inside the app's
 * bubblewrap plan). Closing the terminal kills the shell, not the app; when a sandbox goes, its terminals close.
 */
import * as vscode from 'vscode';
import { messageOf, SpawnError } from '../../core/base/errors';
import type { Logger } from '../../core/base/events';
import { providerInfo } from '../../core/session';
import type { Shell } from '../../core/sandbox/types';
import { Disposable } from '../base/dispose';
import type { SandboxEntry } from './sandboxEntry';
import type { SandboxRegistry } from './sandboxRegistry';

/** One open terminal: its VS Code terminal and, for tests and logs, the last of what it printed. */
export interface SandboxTerminal {
  readonly sandboxId: string;
  readonly terminal: vscode.Terminal;
  /** The last 64 KB of output. */
  output(): string;
  /** Resolves when the shell has ended (closed terminal, exit, or the sandbox went). */
  readonly closed: Promise<void>;
}

const KEEP = 64 * 1024;

export class SandboxTerminals extends Disposable {
  private readonly open = new Set<SandboxTerminal & { close(): void }>();

  constructor(registry: SandboxRegistry, private readonly logger: Logger) {
    super();
    this._register(registry.onDidRemove((e) => {
      for (const t of [...this.open]) if (t.sandboxId === e.id) t.close();
    }));
    this._register({ dispose: () => [...this.open].forEach((t) => t.close()) });
  }

  list(sandboxId?: string): SandboxTerminal[] {
    return [...this.open].filter((t) => !sandboxId || t.sandboxId === sandboxId);
  }

  create(e: SandboxEntry): SandboxTerminal {
    const provider = e.providerRef;
    if (!provider.openShell) throw new SpawnError('usage', `The ${providerInfo(e.provider).label} cannot open a terminal into its sandboxes.`);
    if (e.status !== 'running' && e.status !== 'paused') throw new SpawnError('usage', `${e.appName} is not running; deploy it first.`);
    const write = new vscode.EventEmitter<string>();
    const done = new vscode.EventEmitter<number | void>();
    let out = '';
    let shell: Shell | undefined;
    let pending = '';
    let ended = false;
    let endClosed!: () => void;
    const closed = new Promise<void>((r) => (endClosed = r));
    const print = (text: string) => {
      out = (out + text).slice(-KEEP);
      write.fire(text);
    };
    const end = (code?: number) => {
      if (ended) return;
      ended = true;
      this.open.delete(entry);
      void shell?.kill().catch(() => undefined);
      done.fire(code);
      endClosed();
    };
    const pty: vscode.Pseudoterminal = {
      onDidWrite: write.event,
      onDidClose: done.event,
      open: (dims) => {
        provider.openShell!(e.id, { cols: dims?.columns ?? 80, rows: dims?.rows ?? 24, onData: print }).then(
          (sh) => {
            shell = sh;
            if (ended) return void sh.kill();
            if (pending) void sh.write(pending).catch(() => undefined);
            pending = '';
            void sh.exited.then(() => end(0));
          },
          (err: unknown) => {
            this.logger.warn(`terminal into ${e.id}: ${messageOf(err)}`);
            print(`\r\n${messageOf(err)}\r\n`);
            end(1);
          },
        );
      },
      close: () => end(),
      handleInput: (data) => {
        if (shell) void shell.write(data).catch(() => undefined);
        else pending += data;
      },
      setDimensions: (dims) => void shell?.resize(dims.columns, dims.rows).catch(() => undefined),
    };
    const terminal = vscode.window.createTerminal({ name: `${e.appName} (${providerInfo(e.provider).label})`, pty, iconPath: new vscode.ThemeIcon('vm') });
    const entry = {
      sandboxId: e.id,
      terminal,
      output: () => out,
      closed,
      close: () => {
        end();
        terminal.dispose();
      },
    };
    this.open.add(entry);
    return entry;
  }
}
