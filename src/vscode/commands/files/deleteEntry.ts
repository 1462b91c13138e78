/** Delete (Apps view): deletes a file or folder; deleting a whole app also destroys its sandbox. Args: node, `{confirm}`. */
import * as vscode from 'vscode';
import { SpawnError } from '../../../core/base/errors';
import { isAppUri } from '../../fs/appUri';
import { closeEditorsUnder } from '../../generate/spawner';
import { defineCommand } from '../command';
import { confirmModal, optionsOf } from '../targets';

export const deleteEntryCommand = defineCommand('spawnApp.file.delete', async (s, ...args) => {
  const node = args[0] as { uri?: vscode.Uri } | vscode.Uri | undefined;
  const uri = node instanceof vscode.Uri ? node : node?.uri;
  if (!isAppUri(uri) || uri.path === '/') throw new SpawnError('usage', 'Pick a file, folder or app in the Apps view to delete.');
  const app = s.tree.appOf(uri.path);
  const isApp = uri.path.split('/').filter(Boolean).length === 1;
  const sandbox = isApp && app ? s.registry.forApp(app.id) : undefined;
  await confirmModal(
    optionsOf(args.slice(1)),
    isApp ? `Delete the app ${app?.name}?` : `Delete ${uri.path.slice(1)}?`,
    isApp ? `Its files are removed from the Apps view${sandbox ? ' and its sandbox is destroyed' : ''}. Save it to a folder first to keep it.` : 'This cannot be undone.',
    'Delete',
  );
  if (sandbox) await s.registry.destroy(sandbox.id);
  if ((await vscode.workspace.fs.stat(uri)).type === vscode.FileType.Directory) {
    // A folder goes at once (a workspace edit would try to keep its content for undo).
    await closeEditorsUnder(uri);
    await vscode.workspace.fs.delete(uri, { recursive: true });
    return true;
  }
  const edit = new vscode.WorkspaceEdit();
  edit.deleteFile(uri, { ignoreIfNotExists: true });
  if (!(await vscode.workspace.applyEdit(edit))) throw new SpawnError('io', `Could not delete ${uri.path.slice(1)}.`);
  return true;
});
