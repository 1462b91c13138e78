/** One error type for everything the core reports to a user: a stable code and one clear sentence. */

export type ErrorCode =
  | 'usage'
  | 'blocked'
  | 'cancelled'
  | 'generation.failed'
  | 'generation.auth'
  | 'generation.rate_limited'
  | 'generation.overloaded'
  | 'generation.network'
  | 'generation.timeout'
  | 'generation.truncated'
  | 'generation.invalid_output'
  | 'generation.no_key'
  | 'deploy.failed'
  | 'deploy.auth'
  | 'deploy.rate_limited'
  | 'deploy.template_not_found'
  | 'deploy.create_timeout'
  | 'deploy.write_failed'
  | 'deploy.install_failed'
  | 'deploy.start_failed'
  | 'deploy.health_timeout'
  | 'deploy.not_found'
  | 'deploy.network'
  | 'deploy.timeout_cap'
  | 'deploy.no_key'
  | 'io';

/**
 * Something the user can change to get past an error, named the same for both fronts: the CLI renders it as its
 * environment variable or flag, the extension as its setting (with a button that opens it) or command.
 */
export type ErrorHint =
  /** A key: the extension offers its Set … API Key command, the CLI names the environment variable. */
  | { key: 'anthropic' | 'e2b' }
  /** A setting, with a value worth trying. */
  | { setting: HintSetting; value?: string | number }
  /** Another choice that avoids the problem ("use the templates", "run locally"). */
  | { use: 'templates' | 'local' };

export type HintSetting = 'model' | 'maxTokens' | 'e2bTemplate' | 'sandboxTimeout' | 'anthropicBaseUrl';

export interface SpawnErrorOptions {
  cause?: unknown;
  /** The app the error is about (the extension offers actions for it, e.g. Fix with Claude). */
  appId?: string;
  hint?: ErrorHint | ErrorHint[];
}

export class SpawnError extends Error {
  /** What the user can change, best first. */
  readonly hints: readonly ErrorHint[];
  /** The app the error is about, when known. */
  readonly appId?: string;

  constructor(
    readonly code: ErrorCode,
    message: string,
    /** Extra lines worth showing (an installer's or app's last output). */
    readonly detail?: string,
    options: SpawnErrorOptions = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SpawnError';
    this.appId = options.appId;
    this.hints = options.hint === undefined ? [] : Array.isArray(options.hint) ? options.hint : [options.hint];
  }

  /** This error about `appId` (a copy; an error that names its app already keeps it). */
  about(appId: string): SpawnError {
    if (this.appId) return this;
    const copy = new SpawnError(this.code, this.message, this.detail, { cause: this.cause, appId, hint: [...this.hints] });
    copy.name = this.name;
    copy.stack = this.stack;
    return copy;
  }
}

/** `err` marked as being about `appId` when it is a SpawnError (other errors offer no app actions); cancels stay cancels. */
export function aboutApp(err: unknown, appId: string): unknown {
  return err instanceof SpawnError && !(err instanceof CancelledError) ? err.about(appId) : err;
}

/** Error codes of a failed step that Claude can be asked to fix. */
export const FIXABLE_CODES: ReadonlySet<string> = new Set<ErrorCode>(['deploy.install_failed', 'deploy.start_failed', 'deploy.health_timeout']);

/** Thrown when the user cancels: callers stay silent about it. */
export class CancelledError extends SpawnError {
  constructor() {
    super('cancelled', 'Cancelled.');
    this.name = 'CancelledError';
  }
}

export function isCancelled(err: unknown): boolean {
  return err instanceof CancelledError || (err instanceof Error && err.name === 'AbortError');
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new CancelledError();
}

/** The first line of any error, for a user; never a stack trace. */
export function messageOf(err: unknown): string {
  if (err instanceof Error) return err.message.split('\n')[0] || err.name;
  return String(err);
}

/**
 * What a JSON.parse error says, without the part that quotes the text (V8 writes `…, "<first bytes>" is not valid
 * JSON`): ", <reason>" or "".
 */
export function jsonErrorReason(message: string): string {
  if (/^Unexpected end of JSON input/.test(message)) return ': it ends too early';
  const token = /^Unexpected (token|non-whitespace character|string|number)/.exec(message);
  if (token) return `: unexpected ${token[1] === 'token' ? 'character' : token[1]}`;
  // "Expected ',' or '}' after property value in JSON at position 51", "Bad control character in string literal …":
  // the grammar's words only, cut before any position or quoted text.
  const head = /^(Expected [^"]*?|Bad (?:control|escaped) character[^"]*?|Unterminated string[^"]*?|Exponent part is missing a number[^"]*?|No number after minus sign[^"]*?)(?= in JSON|$)/.exec(message);
  if (head) return `: ${head[1]!.charAt(0).toLowerCase()}${head[1]!.slice(1)}`;
  return '';
}

/**
 * Any error as a SpawnError for a user: a SpawnError as it is; a system error the user can act on as its sentence
 * (a process whose command line and environment exceed what the kernel takes fails with E2BIG); anything else as
 * "Unexpected error: <its first line>".
 */
export function asSpawnError(err: unknown): SpawnError {
  if (err instanceof SpawnError) return err;
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'E2BIG') {
    return new SpawnError('deploy.failed', 'A process could not be started: its command line and environment are larger than the system allows (E2BIG); make the start command or the app\'s secrets smaller.', undefined, { cause: err });
  }
  return new SpawnError('io', `Unexpected error: ${messageOf(err)}`, undefined, { cause: err });
}

/** Exit codes of the CLI contract. */
export function exitCodeFor(err: unknown): number {
  if (isCancelled(err)) return 130;
  if (!(err instanceof SpawnError)) return 1;
  if (err.code === 'usage') return 2;
  if (err.code === 'blocked') return 3;
  if (err.code.startsWith('generation.')) return 4;
  if (err.code.startsWith('deploy.')) return 5;
  return 1;
}
