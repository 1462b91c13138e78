/** The one event type that flows from the core to both fronts (the CLI prints it, the extension renders it). */
import type { Finding } from './finding';
import type { ProviderId } from './providerId';
import type { VerifyProblem, VerifyState } from './verification';

export type Phase = 'generate' | 'validate' | 'create' | 'write' | 'install' | 'start' | 'health';

export type LogSource = 'install' | 'app';

export type SpawnEvent =
  /** `started`: the path is known (content may be partial); `complete`: the content is final. */
  | { event: 'file'; path: string; status: 'started' | 'complete'; content?: string }
  | ({ event: 'finding' } & Finding)
  | { event: 'phase'; phase: Phase; status: 'started' | 'finished' | 'failed' | 'skipped'; durationMs?: number; detail?: string }
  | { event: 'log'; source: LogSource; stream: 'stdout' | 'stderr'; line: string }
  /** The sandbox exists (before anything runs in it): a front can list it, and stop it if the user asks. */
  | { event: 'created'; sandboxId: string; provider: ProviderId; startedAt: number; endAt?: number; cpuCount?: number; memoryMB?: number }
  | { event: 'ready'; url: string; sandboxId: string; provider: string; durationMs?: number }
  /** The running app checked in a browser (or over HTTP only): after `ready`, on every deploy, redeploy and restart. */
  | { event: 'verify'; status: 'started'; url: string }
  | { event: 'verify'; status: 'finished'; url: string; state: VerifyState; problems: VerifyProblem[]; title?: string; ms: number; note?: string }
  /** A model's request: its tokens (the prompt cache's reads and writes only when there were any) and price (null: unknown). */
  | { event: 'cost'; kind: 'generation'; model?: string; inputTokens?: number; outputTokens?: number; cacheReadTokens?: number; cacheWriteTokens?: number; usd: number | null; note?: string };

export type EventSink = (e: SpawnEvent) => void;

/** Minimal logger the core writes to; the extension maps it onto a LogOutputChannel, the CLI onto stderr. */
export interface Logger {
  trace(msg: string, ...args: unknown[]): void;
  debug(msg: string, ...args: unknown[]): void;
  info(msg: string, ...args: unknown[]): void;
  warn(msg: string, ...args: unknown[]): void;
  error(msg: string | Error, ...args: unknown[]): void;
}

export const nullLogger: Logger = { trace() {}, debug() {}, info() {}, warn() {}, error() {} };

/** Splits a byte stream into lines, keeping a partial last line until more arrives. */
export class LineSplitter {
  private rest = '';
  constructor(private readonly onLine: (line: string) => void) {}
  push(chunk: string): void {
    const parts = (this.rest + chunk).split(/\r?\n/);
    this.rest = parts.pop() ?? '';
    for (const p of parts) this.onLine(p);
  }
  flush(): void {
    if (this.rest) this.onLine(this.rest);
    this.rest = '';
  }
}

/** Keeps the last N lines of output, for error messages ("the app's last output"). */
export class TailBuffer {
  private lines: string[] = [];
  constructor(private readonly max = 40) {}
  push(line: string): void {
    this.lines.push(line);
    if (this.lines.length > this.max) this.lines.splice(0, this.lines.length - this.max);
  }
  text(n = this.max): string {
    return this.lines.slice(-n).join('\n');
  }
}
