/**
 * Destroy: after a modal confirmation that names the app's data folder and its size (the session's words), stops the
 * app and deletes its sandbox and its data. Args: target, `{confirm}`.
 */
import * as vscode from 'vscode';
import { providerInfo } from '../../../core/session';
import { defineCommand } from '../command';
import { confirmModal, optionsOf, resolveSandbox } from '../targets';

export const destroySandboxCommand = defineCommand('spawnApp.sandbox.destroy', async (s, ...args) => {
  const e = await resolveSandbox(s, args);
  const what = await (await s.sessions.current()).destroyWords(e.id);
  await confirmModal(
    optionsOf(args),
    `Destroy the sandbox of ${e.appName}?`,
    `The app stops and its ${providerInfo(e.provider).label} ${what} are deleted. The app's files stay in the Apps view.`,
    'Destroy',
  );
  return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Destroying ${e.appName}…` }, () => s.registry.destroy(e.id, { data: true }));
});
