/**
 * Open App from Folder…: reads a folder with spawn-app.json (or a spec .json) into the virtual workspace, where it
 * is validated, edited and deployed like a generated app. Args: `{folder}` (a path) or a file URI.
 */
import path from 'node:path';
import * as vscode from 'vscode';
import { loadApp } from '../../core/workspace/appDir';
import { CancelledError } from '../../core/base/errors';
import { mainFileOf } from '../../core/app/spec';
import { appUri } from '../fs/appUri';
import { defineCommand } from './command';
import { optionsOf } from './targets';

export const openAppFromFolderCommand = defineCommand('spawnApp.openFromFolder', async (s, ...args) => {
  const o = optionsOf(args) as { folder?: string };
  let p = o.folder ?? (args[0] instanceof vscode.Uri && args[0].scheme === 'file' ? args[0].fsPath : undefined);
  if (!p) {
    const picked = await vscode.window.showOpenDialog({
      canSelectFolders: true,
      canSelectFiles: true,
      canSelectMany: false,
      openLabel: 'Open App',
      title: 'Open a Spawn App folder (with spawn-app.json) or spec file',
      filters: { 'Spawn App spec': ['json'] },
    });
    if (!picked?.[0]) throw new CancelledError();
    p = picked[0].fsPath;
  }
  const { spec, generator } = loadApp(p);
  const app = s.tree.createApp({ nameHint: spec.title ?? path.basename(p, '.json'), generator: generator ?? 'disk' });
  s.diagnostics.setExtra(app, s.tree.setSpec(app, spec, generator ?? 'disk'));
  const findings = s.diagnostics.refresh(app);
  s.iterate.history.record(app, 'opened', `Opened from ${p}`);
  s.logger.scope('open').info(`opened ${p} as ${app.name} (${spec.files.length} files, ${findings.length} findings)`);
  const main = mainFileOf({ appType: spec.appType, files: s.tree.filePaths(app).map((p) => ({ path: p, content: '' })) });
  if (main) await vscode.window.showTextDocument(appUri(s.tree, app, main.path), { preview: false });
  return { appId: app.id, appName: app.name, findings: findings.length };
});
