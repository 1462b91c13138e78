/** Destroy All (Sandboxes view title): after a modal confirmation, destroys every listed sandbox. Args: `{confirm}`. */
import * as vscode from 'vscode';
import { defineCommand } from './command';
import { confirmModal, optionsOf } from './targets';

export const destroyAllSandboxesCommand = defineCommand('spawnApp.destroyAllSandboxes', async (s, ...args) => {
  const all = s.registry.list();
  if (all.length === 0) {
    void vscode.window.showInformationMessage('No sandboxes to destroy.');
    return 0;
  }
  const names = all.map((e) => `• ${e.appName} (${e.provider}, ${e.status})`).join('\n');
  await confirmModal(optionsOf(args), `Destroy all ${all.length} sandbox${all.length === 1 ? '' : 'es'}?`, `Their apps stop and the sandboxes and their data are deleted:\n${names}`, 'Destroy All');
  return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'Destroying sandboxes…' }, () => s.registry.destroyAll({ data: true }));
});
