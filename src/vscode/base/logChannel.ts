/**
 * The one "Spawn App" LogOutputChannel. Components log through `scope('component')`, which prefixes
 * `[component]` and implements the core's Logger interface. Known secret values are redacted from every line.
 */
import * as vscode from 'vscode';
import type { Logger as CoreLogger } from '../../core/base/events';
import { SpawnError } from '../../core/base/errors';
import { Disposable } from './dispose';

export class LogChannel extends Disposable {
  private readonly channel: vscode.LogOutputChannel;
  private readonly secrets = new Set<string>();

  constructor(channel?: vscode.LogOutputChannel) {
    super();
    this.channel = this._register(channel ?? vscode.window.createOutputChannel('Spawn App', { log: true }));
  }

  /** Values that must never appear in the log (API keys). */
  addSecret(value: string | undefined): void {
    if (value && value.length >= 4) this.secrets.add(value);
  }

  redact(text: string): string {
    let out = text;
    for (const s of this.secrets) out = out.split(s).join('[redacted]');
    return out;
  }

  scope(component: string): CoreLogger {
    const line = (msg: string, args: unknown[]) => this.redact(`[${component}] ${[msg, ...args.map(format)].join(' ')}`);
    return {
      trace: (msg, ...args) => this.channel.trace(line(msg, args)),
      debug: (msg, ...args) => this.channel.debug(line(msg, args)),
      info: (msg, ...args) => this.channel.info(line(msg, args)),
      warn: (msg, ...args) => this.channel.warn(line(msg, args)),
      error: (msg, ...args) => this.channel.error(line(typeof msg === 'string' ? msg : describeError(msg), args)),
    };
  }

  show(preserveFocus = true): void {
    this.channel.show(preserveFocus);
  }
}

function format(arg: unknown): string {
  if (arg instanceof Error) return describeError(arg);
  if (typeof arg === 'string') return arg;
  try {
    return JSON.stringify(arg);
  } catch {
    return String(arg);
  }
}

/** The whole error for the log: message, code, detail (last output) and stack. */
export function describeError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const parts = [err instanceof SpawnError ? `${err.message} [${err.code}]` : err.message];
  if (err instanceof SpawnError && err.detail) parts.push(err.detail);
  if (err.stack) parts.push(err.stack);
  if (err.cause) parts.push(`caused by: ${describeError(err.cause)}`);
  return parts.join('\n');
}
