/** Refresh (Sandboxes view title): lists the providers again for sandboxes of ours, e.g. E2B ones after a reload. */
import { defineCommand } from './command';

export const refreshSandboxesCommand = defineCommand('spawnApp.refreshSandboxes', async (s) => {
  await s.registry.discover(() => s.providers.available());
  return s.registry.list().length;
});
