/** The Anthropic client as Spawn App makes it (key passed explicitly, retries, timeouts, a redacting logger), and its errors as SpawnErrors. */
import Anthropic, {
  AnthropicError,
  APIConnectionError,
  APIConnectionTimeoutError,
  APIError,
  APIUserAbortError,
  AuthenticationError,
  BadRequestError,
  NotFoundError,
  OverloadedError,
  PermissionDeniedError,
  RateLimitError,
} from '@anthropic-ai/sdk';
import type { CoreConfig } from '../base/config';
import { CancelledError, SpawnError } from '../base/errors';
import type { ErrorHint } from '../base/errors';
import type { Logger } from '../base/events';

export interface ClaudeOptions {
  /** SDK retries on 408/409/429/5xx/529 and connection errors, before a stream starts (SDK default 2). */
  maxRetries?: number;
  /** Time allowed until the response headers arrive, per attempt. */
  timeoutMs?: number;
  /** Longest silence allowed inside a started stream (the SDK's timeout does not cover the body). */
  idleTimeoutMs?: number;
  /** Refine and fix requests mark the system prompt and the app's files for the prompt cache (default true). */
  promptCache?: boolean;
}

export const CLAUDE_DEFAULTS = { maxRetries: 2, timeoutMs: 120_000, idleTimeoutMs: 120_000, promptCache: true } as const;

export function createClient(cfg: CoreConfig, opts: Required<ClaudeOptions>, log: Logger): Anthropic {
  const prefixed = (fn: (msg: string, ...args: unknown[]) => void) => (msg: string, ...args: unknown[]) => fn(`[claude/sdk] ${redact(String(msg), cfg.anthropicApiKey)}`, ...args);
  return new Anthropic({
    // Passed explicitly: without it the SDK walks its own credential chain (profiles, config files).
    apiKey: cfg.anthropicApiKey,
    baseURL: cfg.anthropicBaseUrl || undefined,
    maxRetries: opts.maxRetries,
    timeout: opts.timeoutMs,
    logger: { error: prefixed(log.error.bind(log)), warn: prefixed(log.warn.bind(log)), info: prefixed(log.info.bind(log)), debug: prefixed(log.debug.bind(log)) },
  });
}

/** Removes the key from any text that might reach a user or a log. */
export function redact(text: string, key: string | undefined): string {
  if (!key || key.length < 4) return text;
  return text.split(key).join('[redacted]');
}

interface ErrorContext {
  signal?: AbortSignal;
  model: string;
  key?: string;
  baseUrl?: string;
  maxRetries: number;
}

function hostOf(baseUrl: string | undefined): string {
  if (!baseUrl) return 'api.anthropic.com';
  try {
    return new URL(baseUrl).host;
  } catch {
    return baseUrl;
  }
}

function causeText(err: unknown): string {
  const parts: string[] = [];
  let e: unknown = err;
  for (let i = 0; i < 5 && e; i++) {
    if (e instanceof Error) {
      parts.push(`${e.name}: ${e.message}`, String((e as { code?: unknown }).code ?? ''));
      e = e.cause;
    } else {
      parts.push(String(e));
      break;
    }
  }
  return parts.join(' ');
}

/** Maps whatever the SDK threw to one SpawnError with a stable code and one clear sentence. */
export function toSpawnError(err: unknown, ctx: ErrorContext): SpawnError {
  if (err instanceof SpawnError) return err;
  if (ctx.signal?.aborted || err instanceof APIUserAbortError) return new CancelledError();
  const tries = ctx.maxRetries > 0 ? ` after ${ctx.maxRetries + 1} tries` : '';
  const detailOf = (e: unknown) => {
    if (e instanceof APIError) {
      const said = e.apiMessage ?? (e.status === undefined ? null : e.message);
      const parts = [said ? `Anthropic said: ${said}` : '', e.requestID ? `request-id ${e.requestID}` : ''].filter(Boolean);
      return parts.length ? redact(parts.join(' · '), ctx.key) : undefined;
    }
    return redact(causeText(e), ctx.key) || undefined;
  };
  const make = (code: ConstructorParameters<typeof SpawnError>[0], message: string, hint?: ErrorHint) => new SpawnError(code, message, detailOf(err), { cause: err, hint });

  if (err instanceof TruncatedStreamError) return make('generation.network', 'The connection to the Anthropic API closed before the response was complete; try again.');
  if (err instanceof StallError) return make('generation.timeout', 'The Anthropic API stopped sending mid-response; try again.');
  if (err instanceof AuthenticationError) return make('generation.auth', 'Anthropic rejected the API key (401); check it or set a new key.', { key: 'anthropic' });
  if (err instanceof PermissionDeniedError) return make('generation.auth', `This API key is not allowed to use ${ctx.model} (403); check the key's workspace and permissions.`, { key: 'anthropic' });
  if (err instanceof RateLimitError) {
    if (err.errorCode === 'enforced_spend_limit_reached') return make('generation.rate_limited', 'Your Anthropic organisation reached its monthly spend limit; raise the limit or wait for the next month.');
    return make('generation.rate_limited', `Anthropic's rate limit was hit${tries}; wait a minute and try again.`);
  }
  if (err instanceof OverloadedError || (err instanceof APIError && err.status === 529)) {
    return make('generation.overloaded', `The Anthropic API is overloaded${tries}; try again in a minute.`);
  }
  // `event: error` inside a started stream: an APIError without a status, never retried by the SDK.
  if (err instanceof APIError && err.status === undefined && err.type === 'overloaded_error') {
    return make('generation.overloaded', 'The Anthropic API became overloaded mid-response; try again in a minute.');
  }
  if (err instanceof APIError && err.type === 'rate_limit_error') return make('generation.rate_limited', "Anthropic's rate limit was hit mid-response; wait a minute and try again.");
  if (err instanceof APIConnectionTimeoutError) return make('generation.timeout', `The Anthropic API at ${hostOf(ctx.baseUrl)} did not answer in time${tries}; try again.`);
  if (err instanceof APIConnectionError) return make('generation.network', `Could not reach the Anthropic API at ${hostOf(ctx.baseUrl)}${tries}; check the network or the API's address.`, { setting: 'anthropicBaseUrl' });
  if (err instanceof NotFoundError) return make('generation.failed', `The model ${ctx.model} was not found (404); pick another model.`, { setting: 'model' });
  if (err instanceof BadRequestError) return make('generation.failed', 'The Anthropic API refused the request (400); see the details.');
  if (err instanceof APIError && typeof err.status === 'number') {
    return make('generation.failed', `The Anthropic API failed with status ${err.status}${err.status >= 500 ? tries : ''}; try again later.`);
  }
  if (err instanceof APIError) return make('generation.failed', 'The Anthropic API reported an error mid-response; try again.');
  // A stream cut mid-way surfaces as an AnthropicError or TypeError ("terminated", ECONNRESET), or as a stream
  // that ended before message_stop.
  const text = causeText(err);
  if (/terminated|ECONNRESET|socket|other side closed|EPIPE|premature|stream ended without producing|request ended without sending/i.test(text)) {
    return make('generation.network', 'The connection to the Anthropic API dropped before the response was complete; try again.');
  }
  if (err instanceof AnthropicError) return make('generation.failed', `The Anthropic SDK failed: ${redact(err.message.split('\n')[0] ?? '', ctx.key)}`);
  return make('generation.failed', `Claude generation failed unexpectedly: ${redact(err instanceof Error ? err.message.split('\n')[0] ?? '' : String(err), ctx.key)}`);
}

export class TruncatedStreamError extends Error {
  constructor() {
    super('The stream ended before message_stop.');
    this.name = 'TruncatedStreamError';
  }
}

export class StallError extends Error {
  constructor() {
    super('The response stalled.');
    this.name = 'StallError';
  }
}
