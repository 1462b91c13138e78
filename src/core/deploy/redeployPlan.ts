/** What a redeploy must do: which files to write, whether to install and restart, and which kind of deploy comes next. */
import type { AppFile, AppSpec } from '../app/spec';
import { checkPath } from '../validate';
import { stackOf } from '../stacks';
import type { SpecDiff } from '../workspace/specDiff';
import { diffSpecs } from '../workspace/specDiff';

const MANIFEST_FILES = new Set(['package.json', 'package-lock.json', 'requirements.txt', 'pyproject.toml']);
const SERVER_EXT = /\.(?:m?js|cjs|ts|py|json)$/;

/** Whether a changed file is code the running process has loaded (so the app must restart to see it). */
export function isServerFile(spec: AppSpec, p: string): boolean {
  if (MANIFEST_FILES.has(p)) return true;
  const startTokens = spec.startCommand.split(/\s+/).map((t) => t.replace(/^\.\//, ''));
  if (startTokens.includes(p)) return true;
  // The stack says which of its files its server loads (react: Vite's config; a webapp: none but its server).
  return stackOf(spec.appType).serverFile?.(p, spec) ?? SERVER_EXT.test(p);
}

export interface RedeployPlan {
  write: AppFile[];
  remove: string[];
  install: boolean;
  restart: boolean;
  diff: SpecDiff;
}

/**
 * The install decision, for every path that puts an app into a sandbox that already ran it (a redeploy in place, a
 * restart of a failed or stopped app): install when nothing is known to be installed there, when the declared
 * dependencies changed (and some remain), or when a react app's package.json changed (it installs from it).
 */
export function needsInstall(installed: AppSpec | undefined, next: AppSpec): boolean {
  if (!installed) return true;
  const diff = diffSpecs(installed, next);
  const manifestChanged = stackOf(next.appType).installsFromPackageJson === true && [...diff.added, ...diff.changed].includes('package.json');
  return (diff.depsChanged && next.dependencies.length > 0) || manifestChanged;
}

/** Only the changed files are written; install when needsInstall says so; restart only when the process must. */
export function planRedeploy(prev: AppSpec, next: AppSpec): RedeployPlan {
  const diff = diffSpecs(prev, next);
  const touched = new Set([...diff.added, ...diff.changed]);
  const write = next.files
    .map((f) => ({ path: (checkPath(f.path) as { path: string }).path, content: f.content }))
    .filter((f) => touched.has(f.path));
  const restart =
    diff.startChanged ||
    diff.depsChanged ||
    [...diff.added, ...diff.changed, ...diff.deleted].some((p) => isServerFile(next, p) || isServerFile(prev, p));
  return { write, remove: diff.deleted, install: needsInstall(prev, next), restart, diff };
}


/** How an app's next deploy goes: a new sandbox, an update of the running app, or a restart in its sandbox. */
export type DeployKind = 'first' | 'redeploy' | 'restart';

/**
 * The one rule for every front: a running app is updated in place (redeploy); a stopped one (exited, failed) is
 * restarted in place while its sandbox still exists; only without a sandbox is a new one created.
 */
export function deployKind(current: { running: boolean; sandboxExists: boolean } | undefined): DeployKind {
  if (!current || !current.sandboxExists) return 'first';
  return current.running ? 'redeploy' : 'restart';
}
