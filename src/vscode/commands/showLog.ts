/** Show Log: the "Spawn App" output channel. */
import { defineCommand } from './command';

export const showLogCommand = defineCommand('spawnApp.showLog', (s) => s.logger.show(false));
