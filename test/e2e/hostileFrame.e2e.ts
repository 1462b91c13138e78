/**
 * The preview from the attacker's side (real VS Code via code-server, headless Chromium): an app folder whose page
 * nests a frame that keeps posting preview messages (`{type:'state', …}` saying the app failed, `{type:'reload'}`)
 * to `window.parent`, `parent.parent` and `top`. It is opened with Open App from Folder… (its manifest claims
 * `"generator": "templates"`, so the deploy dialog must still warn), deployed on the local runner, and shown in
 * the preview; the preview must ignore every message that does not come from the extension.
 *
 *   npm run test:e2e
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Frame, Page } from 'playwright-core';
import type { Host } from '../../scripts/vscode-host/host.mjs';
import { runCommand, startHost } from '../../scripts/vscode-host/host.mjs';
import { frameWith, killStrays, NO_CHECK, root, screenshotIfFailed, shots } from './helpers';

const HOSTILE_STATE = { appName: 'pwned', status: 'failed', message: 'HOSTILE', error: { message: 'HOSTILE: your app crashed, paste your API key to fix it' }, actions: ['destroy', 'fix'] };

/** The app: its page posts to the preview directly, and nests a frame that posts through parent.parent and top. */
function writeHostileApp(dir: string): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'spawn-app.json'), JSON.stringify({ appType: 'webapp', startCommand: 'node server.js', dependencies: [], port: 3000, title: 'Hostile', generator: 'templates' }, null, 2));
  writeFileSync(
    path.join(dir, 'server.js'),
    `const http = require('http'); const fs = require('fs'); const path = require('path');
http.createServer((req, res) => {
  const name = req.url.split('?')[0] === '/child.html' ? 'child.html' : 'index.html';
  res.writeHead(200, { 'content-type': 'text/html' });
  res.end(fs.readFileSync(path.join(__dirname, name)));
}).listen(process.env.PORT || 3000, process.env.HOST || '127.0.0.1');
`,
  );
  const post = (targets: string) => `
  const state = ${JSON.stringify(HOSTILE_STATE)};
  let n = 0;
  setInterval(() => {
    for (const w of ${targets}) {
      try { w.postMessage({ type: 'state', state }, '*'); w.postMessage({ type: 'reload' }, '*'); } catch (e) { /* a closed window */ }
    }
    document.body.dataset.posted = String(++n);
  }, 50);`;
  writeFileSync(path.join(dir, 'index.html'), `<!DOCTYPE html><html><body><h1 id="hostile-app">Hostile app</h1>
<iframe id="child" src="child.html"></iframe>
<script>${post('[window.parent, window.top]')}</script></body></html>`);
  writeFileSync(path.join(dir, 'child.html'), `<!DOCTYPE html><html><body><p id="hostile-child">nested</p>
<script>${post('[window.parent.parent, window.parent.parent.parent, window.top]')}</script></body></html>`);
}

describe('e2e: a frame inside the previewed app cannot talk to the preview', function () {
  this.timeout(240_000);
  let host: Host;
  let page: Page;
  let work: string;
  let appDir: string;

  before(async () => {
    mkdirSync(shots, { recursive: true });
    work = mkdtempSync(path.join(os.tmpdir(), 'spawn-e2e-hostile-'));
    appDir = path.join(work, 'hostile');
    writeHostileApp(appDir);
    host = await startHost({
      extensionDevelopmentPath: root,
      folder: work,
      viewport: { width: 1440, height: 900 },
      settings: { 'spawnApp.generator': 'templates', 'spawnApp.sandboxProvider': 'local', ...NO_CHECK },
      // The local runner without bubblewrap (the fallback): where the ⚠ and the question are what protects the user.
      env: { SPAWN_APP_SANDBOX: 'off' },
    });
    page = host.page;
  });

  afterEach(async function () {
    await screenshotIfFailed(this.currentTest, page);
  });

  after(async () => {
    if (host) {
      const tmp = host.tmp;
      await host.close();
      killStrays(tmp);
    }
    killStrays(work);
    rmSync(work, { recursive: true, force: true });
  });

  it('opens the folder; the deploy dialog warns although its manifest says "generator": "templates"', async () => {
    await runCommand(page, 'Spawn App: Open App from Folder…', { timeout: 30_000 });
    const input = page.locator('.quick-input-widget input');
    await input.waitFor();
    await input.fill(appDir + '/');
    // The simple file dialog has moved into the folder once it lists the folder's manifest; then accept the folder.
    await page.locator('.quick-input-widget .monaco-list-row').filter({ hasText: 'spawn-app.json' }).waitFor();
    await page.locator('.quick-input-widget').getByRole('button', { name: 'Open App' }).click();
    await page.locator('.tabs-container .tab').filter({ hasText: 'index.html' }).waitFor({ timeout: 30_000 });
    await runCommand(page, 'Spawn App: Deploy App');
    const dialog = page.locator('.monaco-dialog-box');
    await dialog.getByText('to the local runner?').waitFor();
    await dialog.getByText('not sandboxed', { exact: false }).first().waitFor();
    await dialog.getByText('⚠ This code was not generated from a built-in template just now', { exact: false }).waitFor();
    await page.screenshot({ path: path.join(shots, 'hostile-01-confirm.png') });
    await dialog.getByRole('button', { name: 'Deploy', exact: true }).click();
  });

  it('the nested frame posts again and again; the preview keeps showing the app, not the forged state', async () => {
    const app = await frameWith(page, '#hostile-app', 60_000).catch(async (err: unknown) => {
      // The app never showed: say what the preview shows instead (a forged state hides the app's frame).
      const preview = await frameWith(page, '#status', 5_000);
      throw new Error(`the app's frame is not shown; the preview says ${JSON.stringify(await preview.textContent('#message'))} (${String(err)})`);
    });
    const child = await frameWith(page, '#hostile-child', 30_000);
    const posted = async (f: Frame) => Number(await f.evaluate(() => document.body.dataset.posted ?? '0'));
    // Both frames have posted many times (each post also asks for a reload), so the preview has had them all.
    await child.waitForFunction(() => Number(document.body.dataset.posted ?? 0) >= 40, undefined, { timeout: 30_000 });
    assert.ok((await posted(app)) >= 1);
    const preview = await frameWith(page, '#status');
    const seen = await preview.evaluate(() => ({
      statusHidden: (document.getElementById('status') as HTMLElement).hidden,
      frameHidden: (document.getElementById('app') as HTMLElement).hidden,
      message: document.getElementById('message')?.textContent ?? '',
      title: document.body.dataset.status,
    }));
    await page.screenshot({ path: path.join(shots, 'hostile-02-preview.png') });
    assert.doesNotMatch(seen.message, /HOSTILE/);
    assert.deepEqual({ ...seen, message: undefined }, { statusHidden: true, frameHidden: false, message: undefined, title: 'running' });
    // The app frame was never reloaded by a forged {type:'reload'}: its own counter kept counting from its start.
    assert.ok((await posted(app)) >= 40, `the app frame's counter restarted (${await posted(app)})`);
  });
});
