/** `spawn-app generate "<prompt>" --out DIR`: writes an app folder (nothing when validation finds an error). */
import { usage, withUsageHint } from '../args';
import type { Ctx } from '../context';
import { withInterrupt } from '../signals';

export async function cmdGenerate(ctx: Ctx): Promise<number> {
  const [prompt] = ctx.positionals;
  const out = ctx.opts.out;
  if (prompt === undefined) throw usage('generate needs a prompt.');
  if (!out) throw usage('generate needs --out DIR.');
  withUsageHint(() => ctx.session.checkPrompt(prompt, ctx.opts.type));
  const app = ctx.session.newApp(prompt);
  return withInterrupt(async (stop) => {
    const { spec, findings } = await app.generate({ prompt, appType: ctx.opts.type, generator: ctx.opts.generator, signal: stop.controller.signal });
    for (const f of findings) ctx.render.emit({ event: 'finding', ...f });
    app.save(out, findings);
    ctx.render.say(`Wrote ${spec.files.length} files to ${out}`);
    return 0;
  });
}
