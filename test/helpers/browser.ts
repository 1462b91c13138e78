/** The browser suites' guard: without Chromium/Chrome/Edge they skip, or fail with SPAWN_APP_REQUIRE_BROWSER=1 (CI). */
import { findBrowser } from '../../src/core/verify';

/** The browser's path; skips the suite (`ctx`) where there is none, throws instead when SPAWN_APP_REQUIRE_BROWSER=1. */
export function requireBrowser(ctx: Mocha.Context): string {
  const found = findBrowser();
  if (found.path) return found.path;
  if (process.env.SPAWN_APP_REQUIRE_BROWSER === '1') throw new Error(`SPAWN_APP_REQUIRE_BROWSER=1, but ${found.reason}`);
  ctx.skip();
}
