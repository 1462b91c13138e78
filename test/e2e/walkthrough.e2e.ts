/**
 * The walkthrough, as a new user meets it: Help: Welcome → "Get started with Spawn App" under Walkthroughs →
 * its six steps with their images (keys → spawn → edit → deploy → refine → agents). Saves walkthrough.png.
 *
 *   npm run test:e2e
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import type { Host } from '../../scripts/vscode-host/host.mjs';
import { runCommand, startHost } from '../../scripts/vscode-host/host.mjs';
import { closeHost, root, screenshotIfFailed, shots } from './helpers';

describe('e2e: a new user without keys: the walkthrough from the Welcome page, and the template that stands in', function () {
  this.timeout(180_000);
  let host: Host;
  let page: Page;

  before(async () => {
    mkdirSync(shots, { recursive: true });
    host = await startHost({ extensionDevelopmentPath: root, viewport: { width: 1440, height: 900 } });
    page = host.page;
  });

  afterEach(async function () {
    await screenshotIfFailed(this.currentTest, page);
  });

  after(() => closeHost(host));

  it('lists "Get started with Spawn App" on the Welcome page and opens it with its steps and images', async () => {
    await runCommand(page, 'Help: Welcome', { timeout: 30_000 });
    const welcome = page.locator('.gettingStartedContainer');
    await welcome.waitFor({ timeout: 30_000 });
    // On a first start the Welcome page opens VS Code's own walkthrough; "‹ Welcome" goes back to the list.
    const back = welcome.locator('.prev-button').first();
    if (await back.isVisible().catch(() => false)) await back.click();
    const entry = welcome.locator('button.getting-started-category').filter({ hasText: 'Get started with Spawn App' });
    await entry.or(welcome.getByText('More...', { exact: false })).first().waitFor({ timeout: 30_000 });
    if (!(await entry.isVisible().catch(() => false))) {
      // With many walkthroughs, VS Code folds the list behind "More…".
      await welcome.getByText('More...', { exact: false }).first().click({ timeout: 5_000 }).catch(() => undefined);
    }
    await entry.click({ timeout: 30_000 });
    const steps = welcome.locator('.getting-started-step');
    for (const title of ['Set your keys, or don’t', 'Spawn an app from a sentence', 'Read and edit the files', 'Deploy and preview', 'Refine it with a follow-up', 'Let an agent do it']) {
      await steps.filter({ hasText: title }).first().waitFor({ timeout: 15_000 });
    }
    // The first step is open, and its screenshot (shipped with the extension) has loaded.
    const loaded = (el: Element | SVGElement | null) => (el as HTMLImageElement).complete && (el as HTMLImageElement).naturalWidth > 0;
    const img = welcome.locator('img[alt="The Spawn App view with its welcome and the Set API Key buttons"]').first();
    await img.waitFor({ timeout: 15_000 });
    await page.waitForFunction(loaded, await img.elementHandle(), { timeout: 15_000 });
    assert.match((await img.getAttribute('srcset')) ?? '', /01-welcome\.png/);
    // The extension's icon heads the walkthrough.
    const icon = welcome.locator('img.category-icon[src*="icon.png"]').first();
    await page.waitForFunction(loaded, await icon.elementHandle(), { timeout: 15_000 });
    assert.equal(await steps.filter({ hasText: 'Set Anthropic API Key' }).count() > 0, true, 'the keys step offers its button');
    await page.screenshot({ path: path.join(shots, 'walkthrough.png') });
  });

  it('without a key and without a chat model (VS Code 1.100 has none), spawning says which template stands in and why', async () => {
    await runCommand(page, 'Spawn App: Spawn App from Prompt', { timeout: 30_000 });
    await page.locator('.quick-input-widget .monaco-list-row').filter({ hasText: 'Web app' }).click();
    const input = page.locator('.quick-input-widget input');
    await page.locator('.quick-input-widget').getByText('Describe the web app you want').waitFor();
    await input.fill('a snake game');
    await input.press('Enter');
    const toast = page.locator('.notification-toast').filter({ hasText: 'stands in for' });
    await toast.waitFor({ timeout: 30_000 });
    assert.equal(
      (await toast.locator('.notification-list-item-message').innerText()).trim(),
      'No Anthropic API key is set and VS Code has no chat model, so the built-in calculator template stands in for "a snake game".',
    );
    await toast.getByRole('button', { name: 'Set Anthropic API Key' }).waitFor();
    await page.locator('.tabs-container .tab').filter({ hasText: 'index.html' }).waitFor({ timeout: 30_000 });
    await page.screenshot({ path: path.join(shots, 'template-stands-in.png') });
  });
});
