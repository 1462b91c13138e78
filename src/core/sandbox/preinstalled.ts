/**
 * Spawn App's own E2B template (see e2b-template/): E2B's base image (Node 20, Python 3.11) with the common
 * dependencies already installed in the app folder, so a deploy can skip `npm install` for them.
 */
import semverSatisfies from 'semver/functions/satisfies';

import type { AppSpec, AppType } from '../app/spec';
import { APP_TYPES, stackOf } from '../stacks';
import { API_PACKAGES } from '../stacks/api';
import { npmSpec, pipSatisfies } from '../stacks/packageSpec';

export const SPAWN_TEMPLATE_ALIAS = 'spawn-app-node-python';

/** What the template installs into /home/user/app (keep in sync with e2b-template/template.ts). */
export const TEMPLATE_PACKAGES: { npm: Record<string, string>; pip: Record<string, string> } = {
  npm: { ...API_PACKAGES },
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
  const { name, range } = npmSpec(dep);
  const have = TEMPLATE_PACKAGES.npm[name];
  return have !== undefined && satisfies(have, range ?? '*');
}

// ---- per-stack templates whose server is already running ----------------------------------------------------------

/** The `spawnApp.e2bTemplate` / SPAWN_APP_E2B_TEMPLATE value that selects one template per app type (below). */
export const STACK_TEMPLATES_CHOICE = 'spawn-app';

/**
 * One of Spawn App's per-stack E2B templates (e2b-template/): the stack's dependencies installed in /home/user/app,
 * a baseline app there, and its server started at build time (`setStartCmd(…, waitForPort(3000))`), so a sandbox
 * from it serves at once. A deploy into it writes only what differs from the baseline and waits for the health
 * check; it restarts the server only when the start command or server code differs (see deployInto).
 */
export interface StackTemplate {
  alias: string;
  appType: AppType;
  /** What runs in the template: its files in /home/user/app, start command and port. */
  baseline: AppSpec;
  /** The environment the template's server starts with (E2B: listen on every interface, behind the https edge). */
  envs: Record<string, string>;
  /** Packages installed in /home/user/app (exact versions). */
  npm: Record<string, string>;
  /** Python packages installed in the image (exact versions; the Python stacks). */
  pip: Record<string, string>;
}

const E2B_ENVS = { PORT: '3000', HOST: '0.0.0.0', SPAWN_APP_PUBLIC_PROTOCOL: 'https' };

/** The stacks that have an E2B template (the `e2b` of their line in core/stacks), by app type. */
export const STACK_TEMPLATES: Partial<Record<AppType, StackTemplate>> = Object.fromEntries(
  APP_TYPES.flatMap((appType) => {
    const stack = stackOf(appType);
    const pip = stack.ecosystem === 'pip';
    return stack.e2b ? [[appType, { alias: stack.e2b.alias, appType, baseline: stack.e2b.baseline, envs: E2B_ENVS, npm: pip ? {} : { ...stack.packages }, pip: pip ? { ...stack.packages } : {} }]] : [];
  }),
);

/** True when a dependency of an ecosystem is satisfied by a template's installed packages. */
export function stackTemplateSatisfies(template: Pick<StackTemplate, 'npm' | 'pip'>, dep: string, ecosystem: 'npm' | 'pip'): boolean {
  return ecosystem === 'pip' ? pipSatisfies(template.pip, dep) : packagesSatisfy(template.npm, dep);
}

/** True when a dependency is satisfied by one of these exact installed versions. */
export function packagesSatisfy(npm: Record<string, string>, dep: string): boolean {
  const { name, range } = npmSpec(dep);
  const have = npm[name];
  return have !== undefined && (range === 'latest' ? false : satisfies(have, range ?? '*'));
}
