/**
 * The capped fix loop and the messages of a refine or fix: the model always sees the files as they are now (the
 * user's edits included) and answers with only what changes.
 */
import { SpawnError } from '../base/errors';
import type { AppSpec } from '../app/spec';

/** The useful tail of a failing step's output, for a fix request. */
export function usefulTail(output: string, maxLines = 60, maxChars = 4000): string {
  const lines = output.split('\n').filter((l) => l.trim() !== '');
  let tail = lines.slice(-maxLines).join('\n');
  if (tail.length > maxChars) tail = '…' + tail.slice(-maxChars);
  return tail;
}

function filesBlock(spec: AppSpec): string {
  return spec.files.map((f) => `<file path="${f.path}">\n${f.content}\n</file>`).join('\n');
}

function specHeader(spec: AppSpec): string {
  return `App type: ${spec.appType}\nStart command: ${spec.startCommand}\nDependencies: ${spec.dependencies.join(', ') || '(none)'}\nPort: ${spec.port} (listen on $PORT when set)`;
}

/** The user turn of a refine request: the files as they are now, then the follow-up. */
export function refineMessage(spec: AppSpec, followUp: string): string {
  return `${specHeader(spec)}\n\nThe app's current files (including the user's own edits; keep them unless asked otherwise):\n${filesBlock(spec)}\n\nChange request: ${followUp}\n\nCall update_app with only the files that change, are added or are deleted.`;
}

export type FailedStep = 'install' | 'start' | 'health';

/** The user turn of a fix request: the failing step's output tail and the files. */
export function fixMessage(spec: AppSpec, step: FailedStep, output: string): string {
  return `${specHeader(spec)}\n\nThe app's current files:\n${filesBlock(spec)}\n\nThe ${step === 'install' ? 'dependency install' : step === 'start' ? 'app start' : 'health check on port ' + spec.port} failed. Its last output:\n<output>\n${usefulTail(output)}\n</output>\n\nFind the cause and call update_app with the smallest fix.`;
}

/** Caps automatic fix attempts in a row and keeps their running cost. */
export class FixLoop {
  private attemptsInRow = 0;
  private usd = 0;
  private unknownPrice = false;

  constructor(readonly cap = 2) {}

  get attempts(): number {
    return this.attemptsInRow;
  }

  /** Dollars spent in this loop so far, or null if some attempt's price was unknown. */
  get costUsd(): number | null {
    return this.unknownPrice ? null : this.usd;
  }

  canAttempt(): boolean {
    return this.attemptsInRow < this.cap;
  }

  /** Records one attempt; throws when the cap is reached. */
  record(usd: number | null): void {
    if (!this.canAttempt()) throw new SpawnError('generation.failed', `Stopped after ${this.cap} fix attempts in a row.`);
    this.attemptsInRow++;
    if (usd === null) this.unknownPrice = true;
    else this.usd += usd;
  }

  /** The app came up: the next failure starts a new loop. */
  succeeded(): void {
    this.attemptsInRow = 0;
    this.usd = 0;
    this.unknownPrice = false;
  }
}
