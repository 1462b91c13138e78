/** Open in Browser: the app's URL (mapped through `asExternalUri`, so local ports work from remotes too). */
import * as vscode from 'vscode';
import { SpawnError } from '../../../core/base/errors';
import { defineCommand } from '../command';
import { resolveSandbox } from '../targets';

export const openInBrowserCommand = defineCommand('spawnApp.sandbox.openInBrowser', async (s, ...args) => {
  const e = await resolveSandbox(s, args);
  if (!e.url || e.status !== 'running') throw new SpawnError('usage', `${e.appName} is not running.`);
  return vscode.env.openExternal(await s.previews.externalUrl(e.url));
});
