/** `spawn-app run "<prompt>"`: generate, deploy and serve one app (E2B is pre-warmed while the model writes). */
import { usage, withUsageHint } from '../args';
import type { Ctx } from '../context';
import { checkDetach, deployAndServe } from '../serve';
import { withInterrupt } from '../signals';

export async function cmdRun(ctx: Ctx): Promise<number> {
  const [prompt] = ctx.positionals;
  if (prompt === undefined) throw usage('run needs a prompt, e.g. spawn-app run "a calculator".');
  const choice = checkDetach(ctx);
  withUsageHint(() => ctx.session.checkPrompt(prompt, ctx.opts.type));
  const app = ctx.session.newApp(prompt);
  return withInterrupt(async (stop) => {
    try {
      await app.generate({ prompt, appType: ctx.opts.type, generator: ctx.opts.generator, signal: stop.controller.signal, deployTo: choice });
      return await deployAndServe(app, choice, ctx, stop);
    } finally {
      // Not taken (validation blocked the deploy, an interrupt before it): it goes.
      await app.discardPrewarm(stop.controller.signal.aborted ? 'cancelled' : 'not-used');
    }
  });
}
