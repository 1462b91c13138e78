/**
 * One user's path through the real UI (VS Code 1.100.3 via code-server, headless Chromium): the command palette,
 * the quick pick and the input box, the generated files in the editor, the modal confirmation, the preview
 * webview showing the running calculator (its buttons clicked inside the nested iframes), and Destroy from the
 * Sandboxes tree. Templates + local runner: no keys, no network. Screenshots go to test-results/screenshots/ (or to
 * $SPAWN_APP_SCREENSHOTS_DIR; `npm run screenshots` refreshes docs/screenshots/, the pictures of the README and docs/).
 *
 *   npm run test:e2e
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import type { Host } from '../../scripts/vscode-host/host.mjs';
import { runCommand, startHost } from '../../scripts/vscode-host/host.mjs';
import { answers, closeHost, frameWith, inFrameWith, root, screenshotIfFailed, shots } from './helpers';
import { STACKS } from '../../src/core/stacks';


describe('e2e: prompt → files → deploy → the calculator computes in the preview → destroy', function () {
  this.timeout(240_000);
  let host: Host;
  let page: Page;
  let appUrl: string;

  const shot = (name: string) => page.screenshot({ path: path.join(shots, name) });

  before(async () => {
    mkdirSync(shots, { recursive: true });
    host = await startHost({
      extensionDevelopmentPath: root,
      viewport: { width: 1440, height: 900 },
      settings: { 'spawnApp.generator': 'templates', 'spawnApp.sandboxProvider': 'local' },
    });
    page = host.page;
  });

  afterEach(async function () {
    await screenshotIfFailed(this.currentTest, page);
  });

  after(() => closeHost(host));

  it('shows its own activity-bar view with a welcome', async () => {
    await page.locator('.activitybar .action-item a[aria-label="Spawn App"]').click({ timeout: 30_000 });
    await page.getByText('No apps yet.', { exact: false }).first().waitFor({ timeout: 15_000 });
    await page.getByText('No sandboxes running.', { exact: false }).first().waitFor();
    await shot('01-welcome.png');
  });

  it('asks for the app type and the prompt, then streams the files in and opens the main one', async () => {
    await runCommand(page, 'Spawn App: Spawn App from Prompt', { timeout: 30_000 });
    const webapp = page.locator('.quick-input-widget .monaco-list-row').filter({ hasText: 'Web app' });
    await webapp.waitFor();
    // Every app type of the stack table is offered (the list is virtual: its size, and its last row once scrolled to).
    const types = Object.keys(STACKS).length;
    await page.locator(`.quick-input-widget .monaco-list-row[aria-setsize="${types}"]`).first().waitFor();
    await shot('02-app-type.png');
    await webapp.click();
    const input = page.locator('.quick-input-widget input');
    await page.locator('.quick-input-widget').getByText('Describe the web app you want').waitFor();
    await input.fill('a calculator');
    await shot('03-prompt.png');
    await input.press('Enter');
    await page.locator('.tabs-container .tab').filter({ hasText: 'index.html' }).waitFor({ timeout: 30_000 });
    await page.locator('.pane-body .monaco-list-row').filter({ hasText: 'calculator' }).first().waitFor();
    await page.locator('.pane-body .monaco-list-row').filter({ hasText: 'app.js' }).first().waitFor();
    await page.locator('.view-lines').getByText('<h1>Calculator</h1>').waitFor();
    await shot('04-files.png');
  });

  it('deploys after a modal confirmation that says what will run where', async () => {
    await runCommand(page, 'Spawn App: Deploy App');
    const dialog = page.locator('.monaco-dialog-box');
    await dialog.waitFor();
    await dialog.getByText('to the local runner?').waitFor();
    await dialog.getByText('Runs: node server.js').waitFor();
    await shot('05-confirm.png');
    await dialog.getByRole('button', { name: 'Deploy', exact: true }).click();
  });

  it('shows the running calculator in the preview, and it computes', async () => {
    const app = await frameWith(page, '#display', 60_000);
    assert.equal((await app.textContent('#display'))?.trim(), '0');
    await page.locator('.pane-body .monaco-list-row').filter({ hasText: /^http:\/\/127\.0\.0\.1:\d+/ }).first().waitFor();
    await runCommand(page, 'Notifications: Clear All Notifications');
    await shot('06-preview.png');
    for (const key of ['7', '*', '6', '=']) await app.click(`button[data-key="${key}"]`);
    await app.waitForFunction(() => document.getElementById('display')?.textContent === '42');
    const toolbar = await frameWith(page, '.toolbar [data-action="openInBrowser"]');
    appUrl = (await toolbar.textContent('#url'))?.trim() ?? '';
    assert.match(appUrl, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(await answers(appUrl), true);
    await shot('07-computed.png');
  });

  it('the preview says the deploy was verified in a browser; the deployed version keeps its screenshot (Open Screenshot)', async () => {
    await inFrameWith(page, '#checkLine', (preview) => preview.waitForFunction(() => /^\u2713 Verified in a browser at .+ \(\d+ ms\)$/.test(document.getElementById('checkLine')?.textContent ?? ''), undefined, { timeout: 30_000 }));
    await page.locator('.pane-body .monaco-list-row').filter({ hasText: /running · verified/ }).first().waitFor();
    const versions = page.locator('.pane-body .monaco-list-row').filter({ hasText: 'Versions' }).first();
    await versions.click();
    const deployed = page.locator('.pane-body .monaco-list-row').filter({ hasText: /v\d+ · / }).filter({ hasText: 'verified' }).first();
    await deployed.waitFor();
    await deployed.click({ button: 'right' });
    // Hover and Enter (a click on a context menu item is sometimes not taken in the web workbench).
    await page.locator('.context-view .action-menu-item').filter({ hasText: 'Open Screenshot' }).hover();
    await page.keyboard.press('Enter');
    await page.locator('.tabs-container .tab').filter({ hasText: /\.png/ }).waitFor({ timeout: 15_000 });
    // VS Code's image viewer (a webview) says the picture's size in the status bar.
    await page.locator('.statusbar').getByText('1280x800').waitFor({ timeout: 15_000 });
    await shot('verify-screenshot.png');
    await runCommand(page, 'View: Close Editor');
    await versions.click();
  });

  it('destroys the sandbox from the tree: the app is gone', async () => {
    const row = page.locator('.pane-body .monaco-list-row[aria-level="1"]').filter({ hasText: 'calculator' }).filter({ hasText: 'local runner' });
    await row.click({ button: 'right' });
    const item = page.locator('.context-view .action-menu-item').filter({ hasText: 'Destroy Sandbox' });
    await item.hover();
    await page.keyboard.press('Enter');
    const dialog = page.locator('.monaco-dialog-box');
    await dialog.getByText('Destroy the sandbox of calculator?').waitFor();
    await shot('08-destroy-confirm.png');
    await dialog.getByRole('button', { name: 'Destroy', exact: true }).click();
    await row.waitFor({ state: 'detached', timeout: 15_000 });
    await page.getByText('No sandboxes running.', { exact: false }).first().waitFor();
    const status = await frameWith(page, '#status');
    await status.waitForFunction(() => document.getElementById('message')?.textContent?.includes('Not running'));
    assert.equal(await answers(appUrl), false, 'the app no longer answers');
    await shot('09-destroyed.png');
  });
});
