/**
 * A React app through the real UI (VS Code 1.100.3 via code-server, headless Chromium), templates + local runner:
 * Spawn App from Prompt → React app → the files open → Deploy → the preview shows the app served by Vite → an edit
 * of src/App.tsx saved in the editor reaches the preview through Vite's HMR: the page is not reloaded (a marker set
 * on the app frame's window survives, and so does React state), and the app was not restarted.
 *
 * code-server's path proxy (`/proxy/PORT/`) strips its prefix, which breaks Vite's root-absolute URLs
 * (`/@vite/client`); this suite runs code-server with its subdomain proxy (`PORT.localhost:SERVERPORT`) instead,
 * which serves the app at its root. Desktop VS Code does not proxy loopback URLs at all.
 *
 *   npm run build && npx mocha --no-config --require tsx/cjs --timeout 240000 --exit test/e2e/react.e2e.ts
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import type { Host } from '../../scripts/vscode-host/host.mjs';
import { runCommand, startHost } from '../../scripts/vscode-host/host.mjs';
import { closeHost, frameWith, NO_CHECK, root, screenshotIfFailed, shots } from './helpers';

describe('e2e: a React app, deployed, hot-reloaded from the editor without a page reload', function () {
  this.timeout(300_000);
  let host: Host;
  let page: Page;

  const shot = (name: string) => page.screenshot({ path: path.join(shots, name) });

  before(async () => {
    mkdirSync(shots, { recursive: true });
    host = await startHost({
      extensionDevelopmentPath: root,
      viewport: { width: 1440, height: 900 },
      subdomainProxy: true,
      settings: { 'spawnApp.generator': 'templates', 'spawnApp.sandboxProvider': 'local', ...NO_CHECK },
    });
    page = host.page;
  });

  afterEach(async function () {
    await screenshotIfFailed(this.currentTest, page);
  });

  after(() => closeHost(host));

  it('React app from the quick pick: the files open at src/App.tsx', async () => {
    await page.locator('.activitybar .action-item a[aria-label="Spawn App"]').click({ timeout: 30_000 });
    await runCommand(page, 'Spawn App: Spawn App from Prompt', { timeout: 30_000 });
    const react = page.locator('.quick-input-widget .monaco-list-row').filter({ hasText: 'React app' });
    await react.click();
    await page.locator('.quick-input-widget').getByText('Describe the react app you want').waitFor();
    const input = page.locator('.quick-input-widget input');
    await input.fill('a counter with a reset button');
    await input.press('Enter');
    await page.locator('.tabs-container .tab').filter({ hasText: 'App.tsx' }).waitFor({ timeout: 30_000 });
    await page.locator('.pane-body .monaco-list-row').filter({ hasText: 'vite.config.ts' }).first().waitFor();
    await page.locator('.view-lines').getByText('useState').first().waitFor();
  });

  it('deploys: Vite serves the counter in the preview', async () => {
    await runCommand(page, 'Spawn App: Deploy App');
    const dialog = page.locator('.monaco-dialog-box');
    await dialog.getByText('Runs: npm run dev').waitFor();
    await dialog.getByRole('button', { name: 'Deploy', exact: true }).click();
    // The first deploy installs React, Vite and Tailwind from the npm registry (or its cache).
    const app = await frameWith(page, '#value', 180_000);
    assert.equal((await app.textContent('#value'))?.trim(), '0');
    assert.ok(await app.evaluate(() => !!document.querySelector('script[type="module"][src$="/@vite/client"]')), 'served by Vite');
    await app.click('button:text-is("+")');
    await app.waitForFunction(() => document.getElementById('value')?.textContent === '1');
  });

  it('an edit of src/App.tsx saved in the editor shows without a reload of the page', async () => {
    const app = await frameWith(page, '#value');
    await app.evaluate(() => {
      (window as unknown as { spawnMarker: string }).spawnMarker = 'set before the edit';
    });
    // Find/replace in the open App.tsx, then save.
    await page.locator('.tabs-container .tab').filter({ hasText: 'App.tsx' }).click();
    await page.locator('.monaco-editor .view-lines').first().click();
    await page.keyboard.press('Control+H');
    const find = page.locator('.find-widget textarea').first();
    await find.fill('>Counter<');
    const replace = page.locator('.find-widget textarea').nth(1);
    await replace.fill('>Counter, hot-reloaded<');
    await page.keyboard.press('Control+Alt+Enter');
    await page.locator('.find-widget .codicon-widget-close').first().click();
    await page.locator('.monaco-editor .view-lines').first().click();
    await page.keyboard.press('Control+Home');
    await page.keyboard.press('Control+S');
    await app.waitForFunction(() => document.querySelector('h1')?.textContent === 'Counter, hot-reloaded', undefined, { timeout: 15_000 });
    assert.equal(await app.evaluate(() => (window as unknown as { spawnMarker?: string }).spawnMarker), 'set before the edit', 'the page was not reloaded');
    assert.equal((await app.textContent('#value'))?.trim(), '1', 'React state survived (Fast Refresh)');
    await runCommand(page, 'Notifications: Clear All Notifications');
    await shot('react-hmr.png');
  });
});
