/** Copy URL: the URL a browser reaches the app at. */
import * as vscode from 'vscode';
import { SpawnError } from '../../../core/base/errors';
import { defineCommand } from '../command';
import { resolveSandbox } from '../targets';

export const copyUrlCommand = defineCommand('spawnApp.sandbox.copyUrl', async (s, ...args) => {
  const e = await resolveSandbox(s, args);
  if (!e.url) throw new SpawnError('usage', `${e.appName} has no URL yet.`);
  const url = (await s.previews.externalUrl(e.url)).toString(true);
  await vscode.env.clipboard.writeText(url);
  void vscode.window.setStatusBarMessage(`Copied ${url}`, 3000);
  return url;
});
