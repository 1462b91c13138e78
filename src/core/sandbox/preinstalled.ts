/**
 * Spawn App's own E2B template (see e2b-template/): E2B's base image (Node 20, Python 3.11) with the common
 * dependencies already installed in the app folder, so a deploy can skip `npm install` for them.
 */

export const SPAWN_TEMPLATE_ALIAS = 'spawn-app-node-python';

/** What the template installs into /home/user/app (keep in sync with e2b-template/template.ts). */
export const TEMPLATE_PACKAGES: { npm: Record<string, string>; pip: Record<string, string> } = {
  npm: { express: '4.21.2' },
  pip: {},
};

function parseVersion(v: string): [number, number, number] | undefined {
  const m = /^v?(\d+)(?:\.(\d+|x|\*))?(?:\.(\d+|x|\*))?$/.exec(v.trim());
  if (!m) return undefined;
  const n = (s: string | undefined) => (s === undefined || s === 'x' || s === '*' ? -1 : Number(s));
  return [Number(m[1]), n(m[2]), n(m[3])];
}

/** A small subset of semver: exact, `^`, `~`, `x`-ranges, a bare major, `*` and `latest`-free names. */
export function satisfies(installed: string, range: string): boolean {
  const have = parseVersion(installed);
  if (!have) return false;
  const r = range.trim();
  if (r === '' || r === '*' || r === 'x') return true;
  const op = r[0] === '^' || r[0] === '~' ? r[0] : '';
  const want = parseVersion(op ? r.slice(1) : r);
  if (!want) return false;
  const [M, m, p] = want;
  const cmp = (a: number[], b: number[]) => a[0]! - b[0]! || a[1]! - b[1]! || a[2]! - b[2]!;
  const atLeast = cmp(have, [M, Math.max(m, 0), Math.max(p, 0)]) >= 0;
  if (op === '^') return have[0] === M && (M !== 0 || m < 0 || have[1] === m) && atLeast;
  if (op === '~') return have[0] === M && (m < 0 || have[1] === m) && atLeast;
  return have[0] === M && (m < 0 || have[1] === m) && (p < 0 || have[2] === p);
}

/** True when a dependency (`name` or `name@range`) is already satisfied by the template's packages. */
export function templateSatisfies(dep: string, ecosystem: 'npm' | 'pip'): boolean {
  if (ecosystem === 'pip') {
    const m = /^([A-Za-z0-9._-]+)(?:==([\w.]+))?$/.exec(dep);
    if (!m) return false;
    const have = TEMPLATE_PACKAGES.pip[m[1]!.toLowerCase()];
    return have !== undefined && (m[2] === undefined || m[2] === have);
  }
  const at = dep.lastIndexOf('@');
  const name = at > 0 ? dep.slice(0, at) : dep;
  const range = at > 0 ? dep.slice(at + 1) : '*';
  const have = TEMPLATE_PACKAGES.npm[name];
  return have !== undefined && satisfies(have, range);
}
