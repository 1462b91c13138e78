/** Compare with Current (a version in the Apps view): the version ↔ the app's files now, as diffs. Args: node or `{appId, versionId}`. */
import { SpawnError } from '../../../core/base/errors';
import { defineCommand } from '../command';
import { resolveIterateApp, versionIdOf } from '../iterateTargets';

export const compareVersionCommand = defineCommand('spawnApp.version.compare', async (s, ...args) => {
  const app = await resolveIterateApp(s, args);
  const id = versionIdOf(args);
  if (id === undefined) throw new SpawnError('usage', 'Pick a version in the Apps view (Versions), or use Show Versions….');
  return { appId: app.id, versionId: id, differing: await s.iterate.compare(app, id) };
});
