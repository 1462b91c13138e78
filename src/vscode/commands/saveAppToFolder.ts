/** Save App to Folder…: writes the app (files + spawn-app.json) to disk with the core's saveApp. Args: target, `{folder}`. */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import { saveApp } from '../../core/workspace/appDir';
import { CancelledError, SpawnError } from '../../core/base/errors';
import { defineCommand } from './command';
import { confirmModal, optionsOf, resolveApp } from './targets';

export const saveAppToFolderCommand = defineCommand('spawnApp.saveToFolder', async (s, ...args) => {
  const app = await resolveApp(s, args);
  const o = optionsOf(args) as ReturnType<typeof optionsOf> & { folder?: string };
  const { spec, findings, generator } = s.tree.specOf(app);
  if (!spec) throw new SpawnError('blocked', `${app.name} cannot be saved: ${findings[0]?.message ?? 'its manifest is invalid'}`);
  const binary = findings.find((f) => f.rule === 'file.binary');
  if (binary) throw new SpawnError('blocked', `${app.name} cannot be saved: ${binary.message}`);
  let dir = o.folder;
  if (!dir) {
    const picked = await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, canSelectMany: false, openLabel: 'Save Here', title: `Save ${app.name} to Folder` });
    if (!picked?.[0]) throw new CancelledError();
    dir = path.join(picked[0].fsPath, app.name);
  }
  if (existsSync(dir) && readdirSync(dir).length > 0) {
    await confirmModal(o, `${dir} is not empty.`, 'Files with the same names are overwritten; other files stay.', 'Save Anyway');
  }
  saveApp(dir, spec, generator);
  s.logger.scope('save').info(`saved ${app.name} to ${dir}`);
  if (!o.folder) {
    void vscode.window.showInformationMessage(`Saved ${app.name} to ${dir}.`, 'Open Folder').then((pick) => {
      if (pick) void vscode.commands.executeCommand('vscode.openFolder', vscode.Uri.file(dir), { forceNewWindow: true });
    });
  }
  return { folder: dir };
});
