/** What an E2B SDK or network error is: its HTTP status, a timeout, a network failure below HTTP, worth a retry, gone. */
import { NotFoundError, TimeoutError } from 'e2b';

/** The step an error happened in (the sentence names it). */
export type E2BStep = 'create' | 'connect' | 'write' | 'run' | 'start' | 'list' | 'destroy' | 'extend' | 'pause' | 'resume' | 'terminal';

export function statusOf(err: unknown): number | undefined {
  const s = (err as { statusCode?: unknown })?.statusCode;
  return typeof s === 'number' ? s : undefined;
}

export function isTimeoutError(err: unknown): boolean {
  return err instanceof Error && (err.name === 'TimeoutError' || err instanceof TimeoutError);
}

/** A network failure below HTTP (connection refused, DNS, TLS, reset). */
export function networkCause(err: unknown): string | undefined {
  if (!(err instanceof Error)) return undefined;
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  if (err.name === 'TypeError' && /fetch failed|network/i.test(err.message)) return cause?.code ?? cause?.message ?? err.message;
  const code = (err as NodeJS.ErrnoException).code;
  if (code && /^(ECONN|ENOTFOUND|EAI_|ETIMEDOUT|EPIPE|UND_ERR)/.test(code)) return code;
  return undefined;
}

export function isTransient(err: unknown): boolean {
  const s = statusOf(err);
  return (s !== undefined && s >= 500) || networkCause(err) !== undefined || (err instanceof Error && err.name === 'ServiceBusyError');
}

export function isNotFound(err: unknown): boolean {
  return err instanceof NotFoundError || statusOf(err) === 404;
}
