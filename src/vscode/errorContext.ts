/**
 * Which app an error is about, attached without changing the error (a WeakMap), so the one error path can offer
 * actions for that app ("Fix with Claude" on a failed install, start or health check).
 */
const apps = new WeakMap<object, string>();

/** Remembers that `err` is about the app `appId`; returns `err` (for `throw tagApp(err, id)`). */
export function tagApp<T>(err: T, appId: string): T {
  if (err && typeof err === 'object' && !apps.has(err)) apps.set(err, appId);
  return err;
}

export function appOfError(err: unknown): string | undefined {
  return err && typeof err === 'object' ? apps.get(err) : undefined;
}

/** Error codes of a failed step that Claude can be asked to fix. */
export const FIXABLE_CODES: ReadonlySet<string> = new Set(['deploy.install_failed', 'deploy.start_failed', 'deploy.health_timeout']);
