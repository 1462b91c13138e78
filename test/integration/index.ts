/**
 * The test entry VS Code loads in the extension host (the @vscode/test-electron convention: `run()` with Mocha).
 * Runs every compiled `*.test.js` next to this file. SPAWN_APP_TEST_GREP narrows the run while debugging.
 * Run: `npm run test:integration` (real VS Code via code-server, scripts/vscode-host/), or `npm run
 * test:vscode-test-cli` on a machine that can download VS Code (.vscode-test.mjs). SPAWN_APP_TEST_REPORTER=scripts/timing-reporter.cjs
 * (an absolute path) with SPAWN_APP_TIMING_OUT=FILE writes each file's and test's seconds there.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import Mocha from 'mocha';
import * as vscode from 'vscode';

export async function run(): Promise<void> {
  // No check in a browser after each deploy (spawnApp.verifyDeploys) but in the suites that look at it
  // (helpers.ts: checkedInABrowser, withCheck): each check loads and screenshots the page in a headless Chromium.
  await vscode.workspace.getConfiguration('spawnApp').update('verifyDeploys', false, vscode.ConfigurationTarget.Global);
  const mocha = new Mocha({ ui: 'bdd', color: true, timeout: 60_000, slow: 4_000, grep: process.env.SPAWN_APP_TEST_GREP || undefined, reporter: process.env.SPAWN_APP_TEST_REPORTER || undefined });
  for (const f of readdirSync(__dirname).filter((n) => n.endsWith('.test.js')).sort()) mocha.addFile(path.join(__dirname, f));
  return new Promise((resolve, reject) => {
    mocha.run((failures) => {
      // Whatever a failed test left running goes now: local apps run in their own process groups, which a killed
      // extension host would leave behind.
      void Promise.resolve(vscode.commands.executeCommand('spawnApp.destroyAllSandboxes', { confirm: true }))
        .catch(() => undefined)
        .then(() => (failures > 0 ? reject(new Error(`${failures} integration test${failures === 1 ? '' : 's'} failed.`)) : resolve()));
    });
  });
}
