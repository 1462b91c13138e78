/**
 * Delete Draft (Apps view item, palette): after a modal confirmation, removes an app for good: its sandboxes are
 * destroyed, its editors and preview closed, and its saved draft deleted from storage at once. Args: target,
 * `{appId | appName, confirm}`. Resolves with true.
 */
import { appUri } from '../fs/appUri';
import { closeEditorsUnder } from '../generate/spawner';
import { defineCommand } from './command';
import { confirmModal, optionsOf, resolveApp } from './targets';

export const deleteDraftCommand = defineCommand('spawnApp.deleteDraft', async (s, ...args) => {
  const app = await resolveApp(s, args);
  const sandboxes = s.registry.list().filter((e) => e.appId === app.id && e.origin !== 'other');
  await confirmModal(
    optionsOf(args),
    `Delete the draft ${app.name}?`,
    `Its files, findings and deploy history are removed from the Apps view and from Spawn App's storage${sandboxes.length ? `, and its sandbox${sandboxes.length === 1 ? ' is' : 'es are'} destroyed with its data` : ''}. This cannot be undone: Save App to Folder… keeps a copy.`,
    'Delete Draft',
  );
  // A sandbox that cannot be destroyed (offline) keeps the draft: the error says why, nothing is half gone.
  for (const e of sandboxes) await s.registry.destroy(e.id, { data: true });
  s.previews.close(app.id);
  await closeEditorsUnder(appUri(s.tree, app));
  if (s.tree.app(app.id)) s.tree.delete(s.tree.pathOf(app));
  s.drafts.flush();
  s.logger.scope('drafts').info(`deleted the draft ${app.name} (${app.id})`);
  return true;
});
