/**
 * Changing an app of the virtual workspace as a whole: to a patched spec (an accepted refine or fix) or to the
 * exact files of a version (going back). Only what differs is written, so open editors of untouched files and
 * the file watchers see nothing.
 */
import type { AppMeta } from './treeTypes';
import type { AppTree } from './appTree';
import { decodeText, encodeText, manifestText } from './treeText';
import { manifestOf } from './appDir';
import { SpawnError } from '../base/errors';
import type { SpecDiff } from './specDiff';
import { diffSpecs } from './specDiff';
import type { AppFile, AppSpec } from '../app/spec';
import { checkPath, MANIFEST_NAME } from '../validate';

/** The app's files as they are now, manifest included (what a version stores). */
export function currentFiles(tree: AppTree, app: AppMeta): AppFile[] {
  return tree.serializeApp(app).files;
}

/**
 * Brings the app from its current spec to `next`: writes added and changed files, deletes removed ones (and the
 * folders they leave empty), and updates only the keys of the manifest that changed (the user's formatting and
 * other keys stay). Returns what changed.
 */
export function applySpecToTree(tree: AppTree, app: AppMeta, next: AppSpec): SpecDiff {
  const { spec: current } = tree.specOf(app);
  if (!current) throw new SpawnError('blocked', `${app.name}'s ${MANIFEST_NAME} cannot be read; fix it first.`);
  const diff = diffSpecs(current, next);
  const contents = new Map(next.files.map((f) => {
    const c = checkPath(f.path);
    return [c.ok ? c.path : f.path, f.content] as const;
  }));
  for (const p of [...diff.added, ...diff.changed]) {
    const content = contents.get(p);
    if (content === undefined) continue;
    const r = tree.putFile(app, p, content);
    if (!r.ok) throw new SpawnError('blocked', `The change was refused: ${r.finding.message}`);
  }
  for (const p of diff.deleted) removeFile(tree, app, p);
  if (diff.startChanged || diff.depsChanged || current.port !== next.port) {
    const path = tree.pathOf(app, MANIFEST_NAME);
    let text: string;
    try {
      const m = JSON.parse(decodeText(tree.readFile(path))) as Record<string, unknown>;
      m.startCommand = next.startCommand;
      m.dependencies = next.dependencies;
      m.port = next.port;
      text = JSON.stringify(m, null, 2) + '\n';
    } catch {
      text = manifestText(manifestOf(next));
    }
    tree.writeFile(path, encodeText(text), { create: true, overwrite: true });
  }
  return diff;
}

/** Makes the app hold exactly `files` (manifest included): a version's snapshot. */
export function replaceAppFiles(tree: AppTree, app: AppMeta, files: readonly AppFile[]): void {
  const manifest = files.find((f) => f.path === MANIFEST_NAME);
  const keep = new Set(files.map((f) => f.path));
  for (const f of files) {
    if (f.path === MANIFEST_NAME) continue;
    const r = tree.putFile(app, f.path, f.content);
    if (!r.ok) throw new SpawnError('blocked', `The version could not be restored: ${r.finding.message}`);
  }
  for (const p of tree.filePaths(app)) if (!keep.has(p)) removeFile(tree, app, p);
  if (manifest) {
    const path = tree.pathOf(app, MANIFEST_NAME);
    const now = tree.exists(path) ? decodeText(tree.readFile(path)) : undefined;
    if (now !== manifest.content) tree.writeFile(path, encodeText(manifest.content), { create: true, overwrite: true });
  }
}

/** Deletes a file and the folders it leaves empty (never the app's own folder). */
function removeFile(tree: AppTree, app: AppMeta, rel: string): void {
  const full = tree.pathOf(app, rel);
  if (!tree.exists(full)) return;
  tree.delete(full);
  const parts = rel.split('/').slice(0, -1);
  while (parts.length) {
    const dir = tree.pathOf(app, parts.join('/'));
    if (!tree.exists(dir) || tree.readDirectory(dir).length > 0) break;
    tree.delete(dir);
    parts.pop();
  }
}
