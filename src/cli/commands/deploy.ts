/** `spawn-app deploy PATH`: deploys an app folder and serves it. Code read from disk is never "ours": it asks. */
import { usage } from '../args';
import type { Ctx } from '../context';
import { checkDetach, deployAndServe } from '../serve';
import { withInterrupt } from '../signals';

export async function cmdDeploy(ctx: Ctx): Promise<number> {
  const [p] = ctx.positionals;
  if (!p) throw usage('deploy needs a PATH.');
  const choice = checkDetach(ctx);
  const app = ctx.session.newApp(p);
  app.open(p);
  return withInterrupt((stop) => deployAndServe(app, choice, ctx, stop));
}
