/** Open Preview: the app's preview panel beside the editor (a status line until the app answers). */
import { defineCommand } from './command';
import { resolveApp } from './targets';

export const openPreviewCommand = defineCommand('spawnApp.openPreview', async (s, ...args) => {
  const app = await resolveApp(s, args);
  s.previews.createOrShow(app.id);
  return { appId: app.id };
});
