/** Open Screenshot (a deployed version in the Apps view): the page as the verification step saw it (issue 20). Args: node or `{appId, versionId}`. */
import * as vscode from 'vscode';
import { SpawnError } from '../../../core/base/errors';
import { versionTitle } from '../../../core/app/versions';
import { defineCommand } from '../command';
import { resolveIterateApp, versionIdOf } from '../iterateTargets';

export const openScreenshotCommand = defineCommand('spawnApp.version.openScreenshot', async (s, ...args) => {
  const app = await resolveIterateApp(s, args);
  const id = versionIdOf(args);
  if (id === undefined) throw new SpawnError('usage', 'Pick a deployed version in the Apps view (Versions).');
  const v = s.iterate.history.get(app.id, id);
  if (!v) throw new SpawnError('usage', `${app.name} has no version ${id}.`);
  const uri = s.iterate.history.screenshotOf(app.id, v);
  if (!uri) throw new SpawnError('usage', `${versionTitle(v)} of ${app.name} has no screenshot: only a deploy checked in a browser keeps one.`);
  await s.iterate.history.screenshotsWritten(); // the deploy that just ended may still be writing it
  try {
    await vscode.workspace.fs.stat(uri);
  } catch {
    throw new SpawnError('usage', `The screenshot of ${versionTitle(v)} is no longer there (deleted from the extension's storage).`);
  }
  await vscode.commands.executeCommand('vscode.open', uri, { preview: true });
  return { appId: app.id, versionId: id, uri: uri.toString() };
});
