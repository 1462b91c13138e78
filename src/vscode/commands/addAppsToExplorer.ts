/**
 * Add Apps to Explorer: mounts the virtual workspace (`spawnapp:/`) as a workspace folder. Going from no or one
 * folder to more restarts the extension host; the apps are kept (they are saved in the extension's storage).
 */
import * as vscode from 'vscode';
import { rootUri, SCHEME } from '../fs/appUri';
import { defineCommand } from './command';
import { confirmModal, optionsOf } from './targets';

export const addAppsToExplorerCommand = defineCommand('spawnApp.addToExplorer', async (_s, ...args) => {
  const folders = vscode.workspace.workspaceFolders ?? [];
  if (folders.some((f) => f.uri.scheme === SCHEME)) {
    await vscode.commands.executeCommand('workbench.view.explorer');
    return false;
  }
  if (folders.length <= 1) {
    await confirmModal(
      optionsOf(args),
      'Add the Spawn App apps to the Explorer?',
      'This window becomes a multi-root workspace, and VS Code restarts its extensions. Your apps are kept; running local sandboxes stop.',
      'Add to Explorer',
    );
  }
  return vscode.workspace.updateWorkspaceFolders(folders.length, 0, { uri: rootUri(), name: 'Spawn Apps' });
});
