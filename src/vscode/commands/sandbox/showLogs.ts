/** Show Logs: the sandbox's own output (install, app, phases). */
import { defineCommand } from '../command';
import { resolveSandbox } from '../targets';

export const showSandboxLogsCommand = defineCommand('spawnApp.sandbox.showLogs', async (s, ...args) => {
  const e = await resolveSandbox(s, args).catch(() => undefined);
  if (e) s.logs.show(e);
  else s.logger.show(false);
});
