/** `spawn-app pause ID`: an E2B sandbox paused costs nothing; a request to its URL (or resume) wakes it. */
import { usage } from '../args';
import type { Ctx } from '../context';

export async function cmdPause(ctx: Ctx): Promise<number> {
  const [id] = ctx.positionals;
  if (!id) throw usage('pause needs a sandbox ID (see spawn-app list).');
  const paused = await ctx.session.pauseSandbox(id);
  ctx.io.err(paused ? `Paused ${id}: it costs nothing while paused; a request to its URL, or spawn-app resume ${id}, wakes it.` : `${id} was paused already.`);
  return 0;
}
