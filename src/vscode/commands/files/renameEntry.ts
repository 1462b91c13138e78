/** Rename… (Apps view): renames a file, folder or whole app; open editors follow. */
import path from 'node:path';
import * as vscode from 'vscode';
import { CancelledError, SpawnError } from '../../../core/base/errors';
import { checkPath } from '../../../core/validate';
import { isAppUri } from '../../fs/appUri';
import { defineCommand } from '../command';

export const renameEntryCommand = defineCommand('spawnApp.file.rename', async (s, ...args) => {
  const node = args[0] as { uri?: vscode.Uri } | vscode.Uri | undefined;
  const uri = node instanceof vscode.Uri ? node : node?.uri ?? vscode.window.activeTextEditor?.document.uri;
  if (!isAppUri(uri) || uri.path === '/') throw new SpawnError('usage', 'Pick a file, folder or app in the Apps view to rename.');
  const old = path.posix.basename(uri.path);
  const name =
    (args[1] as { name?: string } | undefined)?.name ??
    (await vscode.window.showInputBox({
      title: 'Rename',
      value: old,
      valueSelection: [0, old.lastIndexOf('.') > 0 ? old.lastIndexOf('.') : old.length],
      validateInput: validateName,
    }));
  if (name === undefined || name.trim() === old) throw new CancelledError();
  const invalid = validateName(name);
  if (invalid) throw new SpawnError('usage', invalid);
  const target = uri.with({ path: path.posix.join(path.posix.dirname(uri.path), name.trim()) });
  const edit = new vscode.WorkspaceEdit();
  edit.renameFile(uri, target, { overwrite: false });
  if (!(await vscode.workspace.applyEdit(edit))) throw new SpawnError('io', `Could not rename ${old} (is the name taken?).`);
  s.logger.scope('files').info(`renamed ${uri.path} to ${target.path}`);
  return target;
});

function validateName(v: string): string | undefined {
  const c = checkPath(v.trim());
  if (!c.ok) return c.message;
  if (c.path.includes('/')) return 'A name, not a path.';
  return undefined;
}
