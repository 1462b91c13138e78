/** `spawn-app refine PATH "<follow-up>"`: changes an app folder with Claude and prints the changed paths. */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { MANIFEST_NAME } from '../../core/session';
import { usage, withUsageHint } from '../args';
import type { Ctx } from '../context';
import { withInterrupt } from '../signals';

const LETTER = { added: 'A', changed: 'M', deleted: 'D' } as const;

export async function cmdRefine(ctx: Ctx): Promise<number> {
  const [p, followUp] = ctx.positionals;
  if (!p || followUp === undefined) throw usage('refine needs a PATH and a follow-up, e.g. spawn-app refine ./app "make it blue".');
  withUsageHint(() => ctx.session.checkPrompt(followUp, undefined, 'follow-up'));
  if (!existsSync(path.join(p, MANIFEST_NAME))) throw usage(`${p} is not a Spawn App folder (no ${MANIFEST_NAME}).`);
  const app = ctx.session.newApp(p);
  app.open(p);
  return withInterrupt(async (stop) => {
    const { patch, diff, findings } = await app.refine({ followUp, signal: stop.controller.signal });
    for (const f of findings) ctx.render.emit({ event: 'finding', ...f });
    const changes = (['added', 'changed', 'deleted'] as const).flatMap((change) => diff![change].map((file) => ({ file, change })));
    for (const { file, change } of changes) {
      if (ctx.render.json) ctx.io.out(JSON.stringify({ event: 'changed', path: file, change }));
      else ctx.io.out(`${LETTER[change]} ${file}`);
    }
    ctx.render.say(patch.summary ? `${patch.summary} (${changes.length} file${changes.length === 1 ? '' : 's'})` : `${changes.length} file(s) changed.`);
    return 0;
  });
}
