/**
 * Go Back to This Version (a version in the Apps view): after a modal confirmation, the app's files become the
 * version's (the current ones are kept as a version first, so it can be undone); a running app is redeployed.
 * Args: node or `{appId, versionId, confirm?}`.
 */
import type { AppMeta } from '../../../core/workspace/treeTypes';
import { SpawnError } from '../../../core/base/errors';
import type { Services } from '../command';
import { defineCommand } from '../command';
import { resolveIterateApp, versionIdOf } from '../iterateTargets';
import type { CommandOptions } from '../targets';
import { confirmModal, optionsOf } from '../targets';

export const restoreVersionCommand = defineCommand('spawnApp.version.restore', async (s, ...args) => {
  const app = await resolveIterateApp(s, args);
  const id = versionIdOf(args);
  if (id === undefined) throw new SpawnError('usage', 'Pick a version in the Apps view (Versions), or use Show Versions….');
  return restoreVersion(s, app, id, optionsOf(args));
});

export async function restoreVersion(s: Services, app: AppMeta, id: number, o: CommandOptions): Promise<{ appId: string; versionId: number; redeployed: boolean }> {
  if (!s.iterate.history.get(app.id, id)) throw new SpawnError('usage', `${app.name} has no version ${id}.`);
  const running = s.deploys.isLive(app.id);
  await confirmModal(o, `Go back to v${id} of ${app.name}?`, `Its files become those of v${id}; the current files are kept as a version, so you can come back.${running ? ' The running app is redeployed.' : ''}`, 'Go Back');
  const r = await s.iterate.restore(app, id, { confirm: o.confirm, token: o.token });
  return { appId: app.id, versionId: r.versionId, redeployed: !!r.deploy };
}
