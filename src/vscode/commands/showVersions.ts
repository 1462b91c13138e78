/**
 * Show Versions…: a quick pick of the app's versions (newest first), then Compare with Current or Go Back.
 * Args: an app target, or `{appId, versionId, action: 'compare' | 'restore', confirm?}` to skip the pickers.
 */
import * as vscode from 'vscode';
import { CancelledError, SpawnError } from '../../core/base/errors';
import { versionTitle } from '../../core/app/versions';
import { defineCommand } from './command';
import { resolveIterateApp, versionIdOf } from './iterateTargets';
import { optionsOf } from './targets';
import { restoreVersion } from './versions/restoreVersion';

export const showVersionsCommand = defineCommand('spawnApp.showVersions', async (s, ...args) => {
  const app = await resolveIterateApp(s, args);
  const o = optionsOf(args) as { action?: 'compare' | 'restore'; confirm?: boolean };
  const versions = s.iterate.history.list(app);
  if (versions.length === 0) throw new SpawnError('usage', `${app.name} has no versions yet: they are kept from its next generation, refine, fix or deploy.`);
  let id = versionIdOf(args);
  if (id === undefined) {
    const pick = await vscode.window.showQuickPick(
      [...versions].reverse().map((v) => ({
        label: versionTitle(v),
        description: v.label,
        detail: `${new Date(v.at).toLocaleString()} · ${v.files.length} files${v.deployedAt ? ' · deployed' : ''}`,
        id: v.id,
      })),
      { title: `Versions of ${app.name}`, placeHolder: 'Pick a version to compare with the current files or go back to', matchOnDescription: true },
    );
    if (!pick) throw new CancelledError();
    id = pick.id;
  }
  let action = o.action;
  if (!action) {
    const pick = await vscode.window.showQuickPick(
      [
        { label: '$(diff) Compare with Current', action: 'compare' as const },
        { label: '$(discard) Go Back to This Version', description: 'the current files are kept as a version', action: 'restore' as const },
      ],
      { title: `v${id} of ${app.name}` },
    );
    if (!pick) throw new CancelledError();
    action = pick.action;
  }
  if (action === 'compare') return { appId: app.id, versionId: id, differing: await s.iterate.compare(app, id) };
  return restoreVersion(s, app, id, o);
});
