/** Open in Integrated Browser: VS Code's own browser where it has one, else the Simple Browser, else the system's. */
import * as vscode from 'vscode';
import { SpawnError } from '../../../core/base/errors';
import { defineCommand } from '../command';
import { resolveSandbox } from '../targets';

export const openInIntegratedBrowserCommand = defineCommand('spawnApp.sandbox.openInIntegratedBrowser', async (s, ...args) => {
  const e = await resolveSandbox(s, args);
  if (!e.url || e.status !== 'running') throw new SpawnError('usage', `${e.appName} is not running.`);
  const url = await s.previews.externalUrl(e.url);
  const open = await s.previews.integratedBrowser();
  if (!open) return vscode.env.openExternal(url);
  await open(url);
  return true;
});
