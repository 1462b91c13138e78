/** Refresh (Sandboxes view title): lists the providers again for sandboxes of ours, e.g. E2B ones after a reload. */
import { defineCommand } from './command';

export const refreshSandboxesCommand = defineCommand('spawnApp.refreshSandboxes', async (s) => {
  await s.discovery.discover();
  await Promise.all(s.registry.list().map((e) => s.discovery.refreshData(e.id)));
  return s.registry.list().length;
});
