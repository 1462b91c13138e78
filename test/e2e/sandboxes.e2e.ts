/**
 * Sandboxes through the real UI (VS Code 1.100.3 via code-server, headless Chromium), issue 15, one window for all:
 * - Open Terminal (Sandboxes view item) on a local app: `echo $PWD` typed into the terminal prints the app folder;
 * - an app deployed to E2B (the fake E2B, started here), then Pause (Sandboxes view item): the row says `paused` and
 *   the fake E2B holds it paused;
 * - the status bar shows today's spend against `spawnApp.budgetUsd`.
 * Each step takes a screenshot of the docs (terminal.png, sandboxes-paused.png, budget.png) into test-results/screenshots/
 * (or $SPAWN_APP_SCREENSHOTS_DIR; `npm run screenshots` refreshes docs/screenshots/). Templates + local runner +
 * fake E2B: no keys, no network.
 *
 *   npm run test:e2e
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import type { Host } from '../../scripts/vscode-host/host.mjs';
import { runCommand, startHost } from '../../scripts/vscode-host/host.mjs';
import { FakeE2B } from '../fakes/fakeE2B';
import { answers, deployFromPalette, killStrays, NO_CHECK, root, screenshotIfFailed, shots, until } from './helpers';

const E2B_KEY = 'e2b_sandboxes_e2e_0123456789';

describe('e2e: a terminal into a local app, Pause of an E2B sandbox, and the budget in the status bar', function () {
  this.timeout(240_000);
  let host: Host;
  let page: Page;
  let fake: FakeE2B;
  let localRoot: string;

  const shot = (name: string) => page.screenshot({ path: path.join(shots, name) });
  const sandboxRow = (name: RegExp | string, provider: string) =>
    page.locator('.pane-body .monaco-list-row[aria-level="1"]').filter({ hasText: name }).filter({ hasText: provider });

  /** Right-click on a tree row, then the context menu's item. */
  async function contextMenu(row: ReturnType<typeof sandboxRow>, item: string): Promise<void> {
    const entry = page.locator('.context-view .action-menu-item').filter({ hasText: new RegExp(`^${item}$`) });
    // The row is re-rendered while its state changes (a redeploy's "starting", the data count): a menu opened on the
    // row as it was a moment before lacks the running app's items. Open it again until it has the one we want.
    for (let i = 0; ; i++) {
      await row.click({ button: 'right' });
      try {
        await entry.waitFor({ timeout: 5_000 });
        break;
      } catch (err) {
        const offered = await page.locator('.context-view .action-menu-item').allTextContents();
        console.log(`      the menu offered: ${offered.join(', ')} (row: ${await row.textContent()})`);
        await page.keyboard.press('Escape');
        if (i === 5) throw err;
      }
    }
    await entry.hover();
    await page.keyboard.press('Enter');
  }

  async function spawn(prompt: string, mainFileText: string): Promise<void> {
    await runCommand(page, 'Spawn App: Spawn App from Prompt', { timeout: 30_000 });
    await page.locator('.quick-input-widget .monaco-list-row').filter({ hasText: 'Web app' }).click();
    await page.locator('.quick-input-widget input').fill(prompt);
    await page.locator('.quick-input-widget input').press('Enter');
    await page.locator('.view-lines').getByText(mainFileText).waitFor({ timeout: 30_000 });
  }

  const deploy = (where: string) => deployFromPalette(page, `to ${where}?`);

  before(async () => {
    mkdirSync(shots, { recursive: true });
    fake = await FakeE2B.start({ apiKey: E2B_KEY, cpuCount: 2, memoryMB: 512 });
    localRoot = mkdtempSync(path.join(os.tmpdir(), 'spawn-e2e-local-'));
    host = await startHost({
      extensionDevelopmentPath: root,
      viewport: { width: 1440, height: 900 },
      env: { SPAWN_APP_LOCAL_ROOT: localRoot },
      settings: {
        'spawnApp.generator': 'templates',
        'spawnApp.sandboxProvider': 'auto',
        'spawnApp.budgetUsd': 1,
        ...NO_CHECK,
        // xterm's DOM renderer: the terminal's text is in `.xterm-rows`, where the test reads it.
        'terminal.integrated.gpuAcceleration': 'off',
      },
    });
    page = host.page;
    // The E2B endpoints are machine-scoped settings: VS Code reads them from the server's machine settings.
    mkdirSync(path.join(host.tmp, 'userData/Machine'), { recursive: true });
    writeFileSync(
      path.join(host.tmp, 'userData/Machine/settings.json'),
      JSON.stringify({ 'spawnApp.e2bApiUrl': fake.url, 'spawnApp.e2bSandboxUrl': fake.url, 'spawnApp.e2bDomain': fake.domain }),
    );
  });

  afterEach(async function () {
    await screenshotIfFailed(this.currentTest, page);
  });

  after(async () => {
    const tmp = host?.tmp;
    await host?.close();
    if (tmp) killStrays(tmp);
    if (localRoot) {
      killStrays(localRoot);
      rmSync(localRoot, { recursive: true, force: true });
    }
    await fake?.close();
  });

  it('Open Terminal on a local app: `echo $PWD` prints the app folder', async () => {
    await page.locator('.activitybar .action-item a[aria-label="Spawn App"]').click({ timeout: 30_000 });
    await spawn('a calculator', '<h1>Calculator</h1>');
    await deploy('the local runner');
    const row = sandboxRow('calculator', 'local runner');
    await row.waitFor({ timeout: 60_000 });
    const sandboxFolders = () => readdirSync(localRoot).filter((n) => n.startsWith('local-')); // not the runner's own .system-scan.json
    const [id] = await until(() => (sandboxFolders().length ? sandboxFolders() : undefined), 'the local sandbox folder', 30_000);
    const appDir = path.join(localRoot, id!, 'app');
    // A throw (the record being written) counts as not yet.
    const { port } = await until(() => JSON.parse(readFileSync(path.join(localRoot, id!, 'sandbox.json'), 'utf8')) as { port: number }, 'the local sandbox record', 30_000);
    await until(() => answers(`http://127.0.0.1:${port}`), 'the local app to answer', 60_000);
    await runCommand(page, 'Notifications: Clear All Notifications');

    await contextMenu(row, 'Open Terminal');
    const tab = page.locator('.terminal-tabs-entry, .single-terminal-tab').filter({ hasText: 'calculator' });
    await tab.first().waitFor({ timeout: 15_000 });
    const rows = page.locator('.terminal-wrapper.active .xterm-rows');
    await rows.waitFor();
    const lines = async () => (await rows.locator(':scope > div').allTextContents()).map((l) => l.replace(/\u00a0/g, ' ').trim());
    await until(async () => (await lines()).some((l) => /[$#]$/.test(l)), 'the shell prompt', 15_000);
    await page.locator('.terminal-wrapper.active .xterm').click();
    await page.keyboard.type('echo $PWD');
    await page.keyboard.press('Enter');
    await until(async () => (await lines()).includes(appDir), `the terminal to print ${appDir}`, 15_000).catch(async (err: Error) => {
      throw new Error(`${err.message}; it shows:\n${(await lines()).filter(Boolean).join('\n')}`);
    });
    const shown = await lines();
    assert.ok(shown.some((l) => l.endsWith('echo $PWD')), `the typed command is echoed: ${shown.filter(Boolean).join(' | ')}`);
    await shot('terminal.png');
  });

  it('an app deployed to E2B, then paused from the Sandboxes view: the row says paused, and E2B holds it paused', async () => {
    await runCommand(page, 'Spawn App: Set E2B API Key', { timeout: 30_000 });
    const input = page.locator('.quick-input-widget input[type="password"]');
    await input.waitFor();
    await input.fill(E2B_KEY);
    await input.press('Enter');
    await input.waitFor({ state: 'hidden' });
    await spawn('a todo list', '<h1>Todo list</h1>');
    await deploy('E2B');
    await until(() => fake.live().length === 1, 'the sandbox in the fake E2B', 30_000);
    const row = sandboxRow(/todo/i, 'E2B');
    await row.filter({ hasText: 'E2B · running' }).waitFor({ timeout: 60_000 });
    const id = fake.live()[0]!.id;
    assert.equal(fake.live()[0]!.state, 'running');

    await contextMenu(row, 'Pause');
    await row.filter({ hasText: 'E2B · paused' }).waitFor({ timeout: 30_000 });
    // The row's child says so too (instead of the time left), with what wakes it.
    await page.locator('.pane-body .monaco-list-row[aria-level="2"]').filter({ hasText: /^paused/ }).filter({ hasText: 'a request to its URL resumes it' }).waitFor();
    assert.deepEqual(fake.live().map((s) => [s.id, s.state]), [[id, 'paused']], 'the fake E2B was asked to pause it (not kill it)');
    // The local app is still running beside it.
    await sandboxRow('calculator', 'local runner').filter({ hasText: 'local runner · running' }).waitFor();
    await runCommand(page, 'Notifications: Clear All Notifications');
    await page.locator('.pane-body .monaco-list-row').first().hover(); // no tooltip left over on the tree
    await shot('sandboxes-paused.png');
  });

  it('the status bar shows spent / budget (spawnApp.budgetUsd), its tooltip today’s figure', async () => {
    const item = page.locator('.statusbar-item').filter({ hasText: /\$\d/ });
    await item.waitFor({ timeout: 15_000 });
    const text = ((await item.textContent()) ?? '').trim();
    // "$(vm-running) N · $spent / $budget": one running sandbox (the local app; the E2B one is paused), a budget of $1.00.
    assert.match(text, /^1 · \$\d+(\.\d+)?( \+ unknown)? \/ \$1\.00$/, `status bar: "${text}"`);
    await item.hover();
    const hover = page.locator('.monaco-hover').filter({ hasText: 'Today:' });
    await hover.waitFor({ timeout: 10_000 });
    assert.match((await hover.textContent()) ?? '', /Today: \$\d+(\.\d+)?( \+ unknown)? \/ \$1\.00 today \(spawnApp\.budgetUsd\)/);
    await shot('budget.png');
  });
});
