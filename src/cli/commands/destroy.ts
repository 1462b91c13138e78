/** `spawn-app destroy ID|--all`: what could be reached is destroyed first; an unreachable provider is one sentence. */
import { SpawnError } from '../../core/base/errors';
import { usage } from '../args';
import type { Ctx } from '../context';
import { unreachable } from './list';

export async function cmdDestroy(ctx: Ctx): Promise<number> {
  const [id] = ctx.positionals;
  const all = ctx.opts.all;
  if (!id && !all) throw usage('destroy needs a sandbox ID or --all.');
  if (id && all) throw usage('Give either a sandbox ID or --all, not both.');
  if (all) {
    const { destroyed: n, failed } = await ctx.session.destroyAllSandboxes();
    ctx.io.err(`Destroyed ${n} sandbox${n === 1 ? '' : 'es'} and ${n === 1 ? 'its' : 'their'} data.`);
    if (failed.length) throw unreachable(failed, 'its sandboxes were not destroyed');
    return 0;
  }
  // What goes, in the session's words (the app data folder and its size), said with the result.
  const what = await ctx.session.destroyWords(id!);
  if (await ctx.session.destroySandbox(id!)) {
    ctx.io.err(`Destroyed ${what}.`);
    return 0;
  }
  throw new SpawnError('deploy.not_found', `No sandbox ${id} was found (it may have ended already).`);
}
