/**
 * The test entry for the newer VS Code (1.104+, scripts/vscode-host/install-next.sh): the suites that need
 * `vscode.lm.registerLanguageModelChatProvider` (a fake chat model from test/host/lm-fixture). `npm run test:lm`.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import Mocha from 'mocha';
import * as vscode from 'vscode';

export function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'bdd', color: true, timeout: 60_000, slow: 4_000, grep: process.env.SPAWN_APP_TEST_GREP || undefined });
  for (const f of readdirSync(__dirname).filter((n) => n.endsWith('.test.js')).sort()) mocha.addFile(path.join(__dirname, f));
  return new Promise((resolve, reject) => {
    mocha.run((failures) => {
      void Promise.resolve(vscode.commands.executeCommand('spawnApp.destroyAllSandboxes', { confirm: true }))
        .catch(() => undefined)
        .then(() => (failures > 0 ? reject(new Error(`${failures} test${failures === 1 ? '' : 's'} failed.`)) : resolve()));
    });
  });
}
