/** `spawn-app resume ID`: a paused E2B sandbox runs again for the whole configured lifetime. */
import { usage } from '../args';
import type { Ctx } from '../context';

export async function cmdResume(ctx: Ctx): Promise<number> {
  const [id] = ctx.positionals;
  if (!id) throw usage('resume needs a sandbox ID (see spawn-app list).');
  const ms = await ctx.session.resumeSandbox(id);
  ctx.io.err(`Resumed ${id} for ${Math.round(ms / 60_000)} min (SPAWN_APP_SANDBOX_TIMEOUT_MS sets how long).`);
  return 0;
}
