/**
 * Download Data…: the sandbox's app data folder ($DATA_DIR) saved as a .tar.gz through a save dialog (the session's
 * export: folders and regular files; links, FIFOs and devices left out). Args: target, `{uri}` (tests: no dialog).
 */
import os from 'node:os';
import * as vscode from 'vscode';
import { defineCommand } from '../command';
import { resolveSandbox } from '../targets';

export const downloadDataCommand = defineCommand('spawnApp.sandbox.downloadData', async (s, ...args) => {
  const e = await resolveSandbox(s, args);
  const given = args.find((a): a is { uri: vscode.Uri } => typeof a === 'object' && a !== null && (a as { uri?: unknown }).uri instanceof vscode.Uri)?.uri;
  const name = `${e.appName.replace(/[^\w.-]+/g, '-')}-data.tar.gz`;
  const uri = given ?? (await vscode.window.showSaveDialog({ title: `Download the data of ${e.appName}`, defaultUri: vscode.Uri.file(`${defaultFolder()}/${name}`), filters: { 'Archive (.tar.gz)': ['gz'] }, saveLabel: 'Download' }));
  if (!uri) return undefined;
  const session = await s.sessions.current();
  const done = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Saving the data of ${e.appName}…` }, () => session.exportData(e.id, uri.fsPath));
  void vscode.window.showInformationMessage(done.message);
  return done;
});

function defaultFolder(): string {
  return vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? os.homedir();
}
