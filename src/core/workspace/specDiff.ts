/** What changed between two specs: files added, changed and deleted, and whether what runs (start, dependencies) changed. */
import type { AppFile, AppSpec } from '../app/spec';
import { checkPath } from '../validate';
import { compareFiles } from '../app/versions';

export interface SpecDiff {
  added: string[];
  changed: string[];
  deleted: string[];
  startChanged: boolean;
  depsChanged: boolean;
}

/** Whether two dependency lists name the same packages (order does not matter; an install would do the same). */
export function sameDependencies(a: readonly string[], b: readonly string[]): boolean {
  const key = (d: readonly string[]) => [...new Set(d.map((x) => x.trim()))].sort().join('\n');
  return key(a) === key(b);
}

/** Whether `next` runs something the user has not approved in `approved`: another start command or other dependencies. */
export function changesWhatRuns(approved: Pick<AppSpec, 'startCommand' | 'dependencies'>, next: Pick<AppSpec, 'startCommand' | 'dependencies'>): boolean {
  return approved.startCommand.trim() !== next.startCommand.trim() || !sameDependencies(approved.dependencies, next.dependencies);
}

export function diffSpecs(prev: AppSpec, next: AppSpec): SpecDiff {
  const norm = (files: AppFile[]) => files.map((f) => {
    const c = checkPath(f.path);
    return { path: c.ok ? c.path : f.path, content: f.content };
  });
  return {
    ...compareFiles(norm(prev.files), norm(next.files)),
    startChanged: prev.startCommand !== next.startCommand,
    depsChanged: !sameDependencies(prev.dependencies, next.dependencies),
  };
}
