/**
 * Spawn App's own E2B template (see e2b-template/): E2B's base image (Node 20, Python 3.11) with the common
 * dependencies already installed in the app folder, so a deploy can skip `npm install` for them.
 */
import semverSatisfies from 'semver/functions/satisfies';

export const SPAWN_TEMPLATE_ALIAS = 'spawn-app-node-python';

/** What the template installs into /home/user/app (keep in sync with e2b-template/template.ts). */
export const TEMPLATE_PACKAGES: { npm: Record<string, string>; pip: Record<string, string> } = {
  npm: { express: '4.21.2' },
  pip: {},
};

/** Whether an installed version satisfies an npm range (the `semver` package: the same rules npm applies). */
export function satisfies(installed: string, range: string): boolean {
  return semverSatisfies(installed, range.trim() || '*');
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
