/**
 * Spawn App's own E2B template (see e2b-template/): E2B's base image (Node 20, Python 3.11) with the common
 * dependencies already installed in the app folder, so a deploy can skip `npm install` for them.
 */
import semverSatisfies from 'semver/functions/satisfies';

import { STATIC_SERVER } from '../generate/templateFiles';
import type { AppSpec, AppType } from '../app/spec';
import { REACT_PACKAGES, REACT_START_COMMAND, withReactScaffold } from '../stacks/stacks';

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
}

const PLACEHOLDER_PAGE = '<!doctype html><title>Spawn App</title><p>Spawn App: waiting for the app…</p>\n';
const PLACEHOLDER_API = `const express = require('express');
const app = express();
app.get('/', (_req, res) => res.send('Spawn App: waiting for the app…'));
app.listen(Number(process.env.PORT) || 3000, process.env.HOST || '0.0.0.0');
`;
const E2B_ENVS = { PORT: '3000', HOST: '0.0.0.0', SPAWN_APP_PUBLIC_PROTOCOL: 'https' };

export const STACK_TEMPLATES: Partial<Record<AppType, StackTemplate>> = {
  react: {
    alias: 'spawn-app-react',
    appType: 'react',
    baseline: withReactScaffold({ appType: 'react', files: [], startCommand: REACT_START_COMMAND, dependencies: [], port: 3000, title: 'Spawn App' }),
    envs: E2B_ENVS,
    npm: { ...REACT_PACKAGES.dependencies, ...REACT_PACKAGES.devDependencies },
  },
  webapp: {
    alias: 'spawn-app-webapp',
    appType: 'webapp',
    baseline: { appType: 'webapp', files: [{ path: 'server.js', content: STATIC_SERVER }, { path: 'index.html', content: PLACEHOLDER_PAGE }], startCommand: 'node server.js', dependencies: [], port: 3000 },
    envs: E2B_ENVS,
    npm: {},
  },
  api: {
    alias: 'spawn-app-api',
    appType: 'api',
    baseline: { appType: 'api', files: [{ path: 'server.js', content: PLACEHOLDER_API }], startCommand: 'node server.js', dependencies: [`express@${TEMPLATE_PACKAGES.npm.express}`], port: 3000 },
    envs: E2B_ENVS,
    npm: { ...TEMPLATE_PACKAGES.npm },
  },
};

/** True when a dependency is satisfied by one of these exact installed versions. */
export function packagesSatisfy(npm: Record<string, string>, dep: string): boolean {
  const at = dep.indexOf('@', dep.startsWith('@') ? 1 : 0);
  const name = at > 0 ? dep.slice(0, at) : dep;
  const range = at > 0 ? dep.slice(at + 1) : '*';
  const have = npm[name];
  return have !== undefined && (range === 'latest' ? false : satisfies(have, range));
}
