/** Open Terminal: a shell in the sandbox's app folder, in a VS Code terminal (see sandboxTerminals.ts). */
import { defineCommand } from '../command';
import { resolveSandbox } from '../targets';

export const openTerminalCommand = defineCommand('spawnApp.sandbox.openTerminal', async (s, ...args) => {
  const e = await resolveSandbox(s, args);
  const t = s.terminals.create(e);
  t.terminal.show();
  return t;
});
