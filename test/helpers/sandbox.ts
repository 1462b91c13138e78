/** The containment suites' guard: without a working bubblewrap they skip, or fail with SPAWN_APP_REQUIRE_SANDBOX=1 (CI). */
import { detectSandbox } from '../../src/core/sandbox/local/bwrap';

/** Skips the suite or test (`ctx`) where bwrap cannot sandbox; throws instead when SPAWN_APP_REQUIRE_SANDBOX=1. */
export function requireSandbox(ctx: Mocha.Context): void {
  const d = detectSandbox();
  if (d.sandboxed) return;
  if (process.env.SPAWN_APP_REQUIRE_SANDBOX === '1') throw new Error(`SPAWN_APP_REQUIRE_SANDBOX=1, but this machine cannot sandbox: ${d.reason}`);
  ctx.skip();
}
