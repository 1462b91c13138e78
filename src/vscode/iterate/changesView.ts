/**
 * Shows a set of file changes in VS Code's own diff editors: one file as a diff editor (`vscode.diff`), several
 * in the multi-file changes editor (`vscode.changes`), and closes them again.
 */
import * as vscode from 'vscode';
import type { AppMeta } from '../../core/workspace/treeTypes';
import type { AppTree } from '../../core/workspace/appTree';
import { isAppUri } from '../fs/appUri';

export interface ChangePair {
  rel: string;
  /** Before (undefined: the file is added). */
  original?: vscode.Uri;
  /** After (undefined: the file is deleted). */
  modified?: vscode.Uri;
}

/** Opens the changes under `title`; `empty` stands in for a missing side of a single diff. */
export async function showChanges(title: string, pairs: readonly ChangePair[], empty: (rel: string) => vscode.Uri): Promise<void> {
  if (pairs.length === 0) return;
  if (pairs.length === 1) {
    const p = pairs[0]!;
    await vscode.commands.executeCommand('vscode.diff', p.original ?? empty(p.rel), p.modified ?? empty(p.rel), title, { preview: false, preserveFocus: false });
    return;
  }
  await vscode.commands.executeCommand(
    'vscode.changes',
    title,
    pairs.map((p) => [p.modified ?? p.original, p.original, p.modified]),
  );
}

/** Closes the diff tabs that show `uris` (as either side), and the changes editor titled `title`. */
export async function closeChanges(title: string, uris: readonly vscode.Uri[]): Promise<void> {
  const keys = new Set(uris.map((u) => u.toString()));
  const tabs = vscode.window.tabGroups.all.flatMap((g) => g.tabs).filter((t) => {
    const input = t.input;
    const has = (u: vscode.Uri | undefined) => !!u && keys.has(u.toString());
    if (input instanceof vscode.TabInputTextDiff) return has(input.original) || has(input.modified) || t.label === title;
    if (input instanceof vscode.TabInputText || input instanceof vscode.TabInputWebview) return false;
    // The multi-file changes editor (no stable tab input type in 1.100): its diffs, or its title ("<title> (3 files)").
    const diffs = (input as { textDiffs?: { original?: vscode.Uri; modified?: vscode.Uri }[] } | undefined)?.textDiffs;
    return (Array.isArray(diffs) && diffs.some((d) => has(d.original) || has(d.modified))) || t.label === title || t.label.startsWith(`${title} (`);
  });
  if (tabs.length) await vscode.window.tabGroups.close(tabs, true).then(undefined, () => undefined);
}

/** Saves the app's dirty editors: what Claude reads, and what a version keeps, is what the user sees. */
export async function saveAppEditors(tree: AppTree, app: AppMeta): Promise<void> {
  const prefix = `${tree.pathOf(app)}/`;
  for (const doc of vscode.workspace.textDocuments) {
    if (doc.isDirty && isAppUri(doc.uri) && doc.uri.path.startsWith(prefix)) await doc.save();
  }
}
