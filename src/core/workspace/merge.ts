/**
 * Applying an accepted change (a refine or a fix) when the user may have edited the app while it was open: a
 * three-way merge of the files Claude read (`base`), what it proposed (`proposed`) and the files now (`now`).
 */
import { SpawnError } from '../base/errors';
import type { SpecDiff } from './specDiff';
import { diffSpecs } from './specDiff';
import type { AppSpec } from '../app/spec';

/** The files of `now` with the proposal's changes, additions and deletions applied (other files keep `now`'s content). */
export function mergeFiles(now: AppSpec, proposed: AppSpec, diff: SpecDiff): AppSpec['files'] {
  const content = new Map(proposed.files.map((f) => [f.path, f.content]));
  const touched = new Set([...diff.added, ...diff.changed]);
  const deleted = new Set(diff.deleted);
  const out = now.files.filter((f) => !deleted.has(f.path)).map((f) => (touched.has(f.path) && content.has(f.path) ? { path: f.path, content: content.get(f.path)! } : f));
  for (const p of diff.added) if (!out.some((f) => f.path === p) && content.has(p)) out.push({ path: p, content: content.get(p)! });
  return out;
}

/** What the proposal and the user's edits since `base` both touched (files, or the manifest's start command/dependencies). */
export function mergeConflicts(base: AppSpec, proposed: AppSpec, now: AppSpec): string[] {
  const diff = diffSpecs(base, proposed);
  const drift = diffSpecs(base, now);
  const moved = new Set([...drift.added, ...drift.changed, ...drift.deleted]);
  const files = [...diff.added, ...diff.changed, ...diff.deleted].filter((p) => moved.has(p));
  const manifest = (diff.startChanged || diff.depsChanged) && (drift.startChanged || drift.depsChanged);
  return manifest ? [...files, 'spawn-app.json'] : files;
}

/**
 * The spec to apply: `now` with the proposal on top. Refused (a `usage` error naming the files) when a path the
 * proposal touches also changed since Claude read it: the user's newer edit would be lost.
 */
export function mergeAccepted(base: AppSpec, proposed: AppSpec, now: AppSpec): AppSpec {
  const conflicts = mergeConflicts(base, proposed, now);
  if (conflicts.length) {
    throw new SpawnError('usage', `${conflicts.join(', ')} changed while Claude's change was open, so it was not applied. Ask again to include your edit.`);
  }
  const diff = diffSpecs(base, proposed);
  return {
    ...now,
    files: mergeFiles(now, proposed, diff),
    startCommand: diff.startChanged ? proposed.startCommand : now.startCommand,
    dependencies: diff.depsChanged ? proposed.dependencies : now.dependencies,
  };
}
