/**
 * A broken app fixed from where its problems show (issue 20), through the real UI (VS Code 1.100.3 via code-server,
 * headless Chromium), with the fake Anthropic API on loopback and `spawnApp.autoVerifyFix: 0` (no round on its own):
 * the calculator's script throws at load → the deploy's check in a browser finds it → the preview's check line lists
 * the problem with its file and line, beside **Fix with Claude** → the fix as a diff → Accept → redeployed, and the
 * preview says verified. Screenshots go to test-results/screenshots/verify-*.png (`npm run screenshots`: docs/screenshots/).
 *
 *   npm run test:e2e
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import type { Host } from '../../scripts/vscode-host/host.mjs';
import { runCommand, startHost } from '../../scripts/vscode-host/host.mjs';
import { templateSpec } from '../../src/core/stacks';
import { FakeAnthropic } from '../fakes/fakeAnthropic';
import { closeHost, deployFromPalette, frameWith, inFrameWith, root, screenshotIfFailed, setAnthropicKey, shots, spawnFromPrompt } from './helpers';

const BROKEN = "throw new Error('the calculator broke at load');";
const FIX_BUTTON = '#check [data-action="fix"]:not([hidden])';

describe('e2e: a page that throws at load → the preview lists the problem → Fix with Claude → Accept → verified', function () {
  this.timeout(240_000);
  let fake: FakeAnthropic;
  let host: Host;
  let page: Page;
  const shot = (name: string) => page.screenshot({ path: path.join(shots, `verify-${name}`) });
  const toast = () => page.locator('.notification-toast');
  const row = (text: string | RegExp) => page.locator('.pane-body .monaco-list-row').filter({ hasText: text }).first();

  before(async () => {
    mkdirSync(shots, { recursive: true });
    fake = await FakeAnthropic.start();
    host = await startHost({
      extensionDevelopmentPath: root,
      viewport: { width: 1440, height: 900 },
      settings: { 'spawnApp.generator': 'templates', 'spawnApp.sandboxProvider': 'local', 'spawnApp.anthropicBaseUrl': fake.url, 'spawnApp.autoVerifyFix': 0 },
    });
    page = host.page;
  });

  afterEach(async function () {
    await screenshotIfFailed(this.currentTest, page);
  });

  after(async () => {
    await closeHost(host);
    await fake?.close();
  });

  it('spawns the calculator and breaks its script at load', async () => {
    await page.locator('.activitybar .action-item a[aria-label="Spawn App"]').click({ timeout: 30_000 });
    await setAnthropicKey(page, 'sk-ant-e2e-verify-fix-0123456789');
    await spawnFromPrompt(page, 'Web app', 'a calculator', 'index.html');
    // app.js from the Apps view; the throw typed as its first line, and saved.
    await row('app.js').click();
    await page.locator('.tabs-container .tab.active').filter({ hasText: 'app.js' }).waitFor();
    await page.locator('.editor-instance .view-lines').first().click();
    await page.keyboard.press('Control+Home');
    await page.keyboard.type(BROKEN);
    await page.keyboard.press('Escape'); // no suggestion taken by the Enter
    await page.keyboard.press('Enter');
    await page.keyboard.press('Control+S');
    await page.locator('.tabs-container .tab.active.dirty').waitFor({ state: 'detached' });
  });

  it('deploys: the preview lists the problem with its file and line, and offers Fix with Claude', async () => {
    await deployFromPalette(page, 'to the local runner?');
    const problem = await inFrameWith(page, FIX_BUTTON, async (preview) => {
      await preview.waitForFunction(() => /^\u26a0 1 problem found .* at /.test(document.getElementById('checkLine')?.textContent ?? ''));
      await preview.click('#checkLine'); // opens the list
      return (await preview.textContent('#checkProblems li'))!;
    });
    assert.match(problem, /the calculator broke at load/);
    assert.match(problem, /app\.js:1\b/);
    await row(/running · 1 problem/).waitFor();
    // The deploy's notification says so too, with its own Fix with Claude.
    await toast().getByText('its check in a browser found 1 problem', { exact: false }).waitFor();
    assert.equal(fake.messageRequests().length, 0, 'autoVerifyFix 0: no round on its own');
    await shot('problems.png');
  });

  it('Fix with Claude in the preview: the problems and the screenshot go to Claude, the fix opens as a diff; Accept redeploys and the preview says verified', async () => {
    await runCommand(page, 'Notifications: Clear All Notifications');
    const original = templateSpec('webapp', 'a calculator').files.find((f) => f.path === 'app.js')!.content;
    fake.enqueue({ kind: 'ok', input: { summary: 'Removes the throw at load.', changes: [{ path: 'app.js', content: original }], deletions: [] } });
    await inFrameWith(page, FIX_BUTTON, (preview) => preview.click(FIX_BUTTON));
    await toast().getByText('Claude proposes a fix for calculator', { exact: false }).waitFor({ timeout: 30_000 });
    await page.locator('.tabs-container .tab').filter({ hasText: 'calculator: fix for the problems found in a browser (proposed)' }).waitFor();
    const sent = fake.messageRequests().at(-1)!.body!;
    assert.match(JSON.stringify(sent), /the calculator broke at load/, 'the problem was sent');
    const content = (sent.messages as { content: { type: string }[] }[])[0]!.content;
    assert.ok(content.some((b) => b.type === 'image'), 'with the screenshot');
    await shot('fix-proposal.png');
    await toast().getByRole('button', { name: 'Accept' }).click();

    const fixHidden = await inFrameWith(page, '#checkLine', async (checked) => {
      await checked.waitForFunction(() => /^\u2713 Verified in a browser at /.test(document.getElementById('checkLine')?.textContent ?? ''), undefined, { timeout: 60_000 });
      return checked.isHidden('#check [data-action="fix"]');
    });
    assert.equal(fixHidden, true, 'nothing left to fix');
    await row(/running · verified/).waitFor();
    const app = await frameWith(page, '#display');
    for (const key of ['7', '*', '6', '=']) await app.click(`button[data-key="${key}"]`);
    await app.waitForFunction(() => document.getElementById('display')?.textContent === '42');
    await shot('fixed.png');
  });
});
