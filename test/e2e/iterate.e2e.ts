/**
 * The iterate loop through the real UI (VS Code 1.100.3 via code-server, headless Chromium), with the fake
 * Anthropic API on loopback: Refine App… from the palette → the multi-file changes editor → Accept in the
 * notification → the preview shows the change; a refine that breaks the server → the error notification's
 * "Fix with Claude" → the fix as a diff → Accept → the app answers again; the Versions node in the Apps view.
 * Screenshots go to test-results/screenshots/iterate-*.png.
 *
 *   npm run test:e2e
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import type { Host } from '../../scripts/vscode-host/host.mjs';
import { runCommand, startHost } from '../../scripts/vscode-host/host.mjs';
import { FakeAnthropic } from '../fakes/fakeAnthropic';
import { deployFromPalette, frameWith, killStrays, NO_CHECK, root, screenshotIfFailed, setAnthropicKey, shots, spawnFromPrompt } from './helpers';


describe('e2e: refine → diff → accept; a failed start → Fix with Claude; versions', function () {
  this.timeout(240_000);
  let fake: FakeAnthropic;
  let host: Host;
  let page: Page;
  const shot = (name: string) => page.screenshot({ path: path.join(shots, `iterate-${name}`) });
  const toast = () => page.locator('.notification-toast');

  before(async () => {
    mkdirSync(shots, { recursive: true });
    fake = await FakeAnthropic.start();
    host = await startHost({
      extensionDevelopmentPath: root,
      viewport: { width: 1440, height: 900 },
      settings: { 'spawnApp.generator': 'templates', 'spawnApp.sandboxProvider': 'local', 'spawnApp.anthropicBaseUrl': fake.url, ...NO_CHECK },
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
    await fake?.close();
  });

  it('sets a key, spawns and deploys the calculator', async () => {
    await page.locator('.activitybar .action-item a[aria-label="Spawn App"]').click({ timeout: 30_000 });
    await setAnthropicKey(page, 'sk-ant-e2e-iterate-0123456789');
    await spawnFromPrompt(page, 'Web app', 'a calculator', 'index.html');
    await deployFromPalette(page, 'to the local runner?');
    await frameWith(page, '#display', 60_000);
    await runCommand(page, 'Notifications: Clear All Notifications');
  });

  it('Refine App…: the proposal opens as a changes editor; Accept in the notification; the preview shows it', async () => {
    fake.enqueue({
      kind: 'ok',
      input: {
        summary: 'Adds a tagline under the title.',
        changes: [
          { path: 'index.html', content: '<!doctype html>\n<html><head><link rel="stylesheet" href="style.css"></head>\n<body>\n  <h1>Calculator</h1>\n  <p id="tagline">Now with a tagline</p>\n</body></html>\n' },
          { path: 'style.css', content: '#tagline { color: teal; }\n' },
        ],
        deletions: [],
      },
    });
    await runCommand(page, 'Spawn App: Refine App…');
    const input = page.locator('.quick-input-widget input');
    await page.locator('.quick-input-widget').getByText('What should change?').waitFor();
    await input.fill('add a tagline');
    await input.press('Enter');
    await toast().getByText('Claude proposes a change to calculator', { exact: false }).waitFor({ timeout: 30_000 });
    await page.locator('.tabs-container .tab').filter({ hasText: 'calculator: add a tagline (proposed)' }).waitFor();
    await shot('1-proposal.png');
    await toast().getByRole('button', { name: 'Accept' }).click();
    const app = await frameWith(page, '#tagline', 30_000);
    assert.equal((await app.textContent('#tagline'))?.trim(), 'Now with a tagline');
    await page.locator('.tabs-container .tab').filter({ hasText: '(proposed)' }).waitFor({ state: 'detached' });
    assert.match(JSON.stringify(fake.messageRequests().at(-1)!.body), /<h1>Calculator<\/h1>/, 'Claude got the current files');
  });

  it('a refine that breaks the start: the error offers Fix with Claude, whose fix (accepted) brings the app back', async () => {
    await runCommand(page, 'Notifications: Clear All Notifications');
    fake.enqueue({ kind: 'ok', input: { summary: 'Logs requests.', changes: [{ path: 'server.js', content: "throw new Error('boom: config.json is missing');\n" }], deletions: [] } });
    await runCommand(page, 'Spawn App: Refine App…');
    const input = page.locator('.quick-input-widget input');
    await page.locator('.quick-input-widget').getByText('What should change?').waitFor();
    await input.fill('log requests');
    await input.press('Enter');
    await toast().getByRole('button', { name: 'Accept' }).click({ timeout: 30_000 });
    const fix = toast().getByRole('button', { name: 'Fix with Claude' });
    await fix.waitFor({ timeout: 30_000 });
    await frameWith(page, '[data-action="fix"]:not([hidden])');
    await shot('2-failed.png');
    fake.enqueue({ kind: 'ok', input: { summary: 'Removes the throw.', changes: [{ path: 'server.js', content: "require('http').createServer((q, s) => s.end('fixed')).listen(process.env.PORT || 3000);\n" }], deletions: [] } });
    await fix.click();
    await toast().getByText('Claude proposes a fix for calculator', { exact: false }).waitFor({ timeout: 30_000 });
    await shot('3-fix.png');
    assert.match(JSON.stringify(fake.messageRequests().at(-1)!.body), /boom: config\.json is missing/, 'the failing output was sent');
    await toast().getByRole('button', { name: 'Accept' }).click();
    await page.locator('.pane-body .monaco-list-row').filter({ hasText: 'local runner · running' }).first().waitFor({ timeout: 30_000 });
  });

  it('lists the versions under the app in the Apps view', async () => {
    await page.locator('.pane-body .monaco-list-row').filter({ hasText: 'Versions' }).first().click();
    for (const v of ['v1 · generated', 'v2 · refined', 'v3 · refined', 'v4 · fixed']) {
      await page.locator('.pane-body .monaco-list-row').filter({ hasText: v }).first().waitFor();
    }
    await shot('4-versions.png');
  });
});
