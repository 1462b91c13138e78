/** `spawn-app validate PATH`: the findings of an app folder or spec file, with the app's secrets (exit 3 on errors). */
import { usage } from '../args';
import type { Ctx } from '../context';

export function cmdValidate(ctx: Ctx): number {
  const [p] = ctx.positionals;
  if (!p) throw usage('validate needs a PATH.');
  const { spec } = ctx.session.readFolder(p);
  const findings = ctx.session.validate(spec);
  for (const f of findings) ctx.render.emit({ event: 'finding', ...f });
  const errors = findings.filter((f) => f.severity === 'error').length;
  ctx.render.say(`${errors} error(s), ${findings.length - errors} warning(s).`);
  return errors ? 3 : 0;
}
