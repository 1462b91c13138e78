/**
 * The tests' one polling helper: calls `fn` every `everyMs` until it returns something truthy, and returns that.
 * A throw counts as "not yet" (a server still starting); after `timeoutMs` it fails naming `what` and the last
 * error. For what has no event to wait on (a file, a /proc entry, a page element, a remote state); where there
 * is an event (a promise, an emitter), await it instead.
 */
export async function until<T>(fn: () => T | Promise<T>, what: string, timeoutMs = 15_000, everyMs = 25): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v as NonNullable<T>;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${String(last)})` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
