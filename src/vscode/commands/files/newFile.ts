/** New File… (Apps view): creates a file in an app or folder (the name may hold folders: "src/util.js"). */
import * as vscode from 'vscode';
import { CancelledError, SpawnError } from '../../../core/base/errors';
import { checkPath, MANIFEST_NAME } from '../../../core/validate';
import { isAppUri } from '../../fs/appUri';
import { defineCommand } from '../command';
import { resolveApp } from '../targets';

export const newFileCommand = defineCommand('spawnApp.file.new', async (s, ...args) => {
  const first = args[0] as { uri?: vscode.Uri; kind?: string } | undefined;
  const base = first?.uri && isAppUri(first.uri) && first.kind !== 'file' ? first.uri : vscode.Uri.from({ scheme: 'spawnapp', path: s.tree.pathOf(await resolveApp(s, args)) });
  const name =
    (args[1] as { name?: string } | undefined)?.name ??
    (await vscode.window.showInputBox({
      title: 'New File',
      prompt: `In ${base.path.slice(1)}`,
      placeHolder: 'file name, e.g. about.html or src/util.js',
      validateInput: validateName,
    }));
  if (name === undefined) throw new CancelledError();
  const invalid = validateName(name);
  if (invalid) throw new SpawnError('usage', invalid);
  const uri = vscode.Uri.joinPath(base, name.trim());
  const edit = new vscode.WorkspaceEdit();
  edit.createFile(uri, { ignoreIfExists: false, contents: new Uint8Array() });
  if (!(await vscode.workspace.applyEdit(edit))) throw new SpawnError('io', `Could not create ${uri.path.slice(1)}.`);
  await vscode.window.showTextDocument(uri, { preview: false });
  return uri;
});

function validateName(v: string): string | undefined {
  const c = checkPath(v.trim());
  if (!c.ok) return c.message;
  if (c.path === MANIFEST_NAME) return `${MANIFEST_NAME} is the app's manifest.`;
  return undefined;
}
