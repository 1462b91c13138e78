/** The seed's absolute app root: `/app/x` is accepted and normalised to `x`. */
export const SEED_APP_ROOT = '/app';

/** Strips the seed's `/app/` prefix and leading `./`; does not validate (see validate/paths.ts). */
export function normaliseAppPath(path: string): string {
  let p = path;
  if (p === SEED_APP_ROOT) return '';
  if (p.startsWith(SEED_APP_ROOT + '/')) p = p.slice(SEED_APP_ROOT.length + 1);
  while (p.startsWith('./')) p = p.slice(2);
  return p;
}
