/** Open Preview (sandbox item): the preview panel of the sandbox's app, or the browser when the app is not here. */
import * as vscode from 'vscode';
import { defineCommand } from '../command';
import { resolveSandbox } from '../targets';

export const openSandboxPreviewCommand = defineCommand('spawnApp.sandbox.openPreview', async (s, ...args) => {
  const e = await resolveSandbox(s, args);
  if (e.appId && s.tree.app(e.appId)) {
    s.previews.createOrShow(e.appId);
    return { appId: e.appId };
  }
  if (e.url) await vscode.env.openExternal(await s.previews.externalUrl(e.url));
  return undefined;
});
