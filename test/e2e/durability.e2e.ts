/**
 * Durability through the real UI (VS Code 1.100.3 via code-server, headless Chromium), issue 8:
 * - a draft edited in the editor is back after a window reload, in its restored editor, while a corrupt draft
 *   record is set aside with one message;
 * - a reload stops the window's local apps; an extension host killed with SIGKILL takes its sandboxed local app
 *   with it (bubblewrap's --die-with-parent), and the next start finds nothing left (the unsandboxed orphan policy
 *   is covered by the integration suite with planted records);
 * - an E2B sandbox (the fake E2B, started here) deployed before a reload is listed after it, with time left; paused
 *   at its timeout, it is listed after the next reload as paused (and stays paused).
 * Templates + local runner + fake E2B: no keys, no network.
 *
 *   npm run test:e2e
 */
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import type { Host } from '../../scripts/vscode-host/host.mjs';
import { runCommand, startHost } from '../../scripts/vscode-host/host.mjs';
import { FakeE2B } from '../fakes/fakeE2B';
import { answers, deployFromPalette, failures, killStrays, NO_CHECK, root, until } from './helpers';

const E2B_KEY = 'e2b_durability_e2e_0123456789';

/** The extension host of this code-server (a process of its group started with --type=extensionHost). */
function extensionHostPid(host: Host): number | undefined {
  for (const pid of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const pgrp = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
      if (pgrp !== (host as unknown as { server: { pid: number } }).server.pid) continue;
      if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('--type=extensionHost')) return Number(pid);
    } catch {
      // gone
    }
  }
  return undefined;
}

/** The URLs of the local apps recorded under the local runner's root. */
function localApps(localRoot: string): { id: string; url: string }[] {
  const out: { id: string; url: string }[] = [];
  for (const id of readdirSync(localRoot)) {
    try {
      const r = JSON.parse(readFileSync(path.join(localRoot, id, 'sandbox.json'), 'utf8')) as { port: number; processes: unknown[] };
      if (r.processes.length) out.push({ id, url: `http://127.0.0.1:${r.port}` });
    } catch {
      // being written
    }
  }
  return out;
}

describe('e2e: drafts and sandboxes survive a window reload and a killed extension host', function () {
  this.timeout(240_000);
  let host: Host;
  let page: Page;
  let fake: FakeE2B;
  let localRoot: string;
  let draftsDir: string;

  const sandboxRow = (name: string, provider: string) =>
    page.locator('.pane-body .monaco-list-row[aria-level="1"]').filter({ hasText: name }).filter({ hasText: provider });

  /** Developer: Reload Window, then waits for the new workbench (not the old page's). */
  async function reload(): Promise<void> {
    await page.evaluate(() => ((globalThis as { beforeReload?: boolean }).beforeReload = true));
    await runCommand(page, 'Developer: Reload Window');
    await page.waitForFunction(() => !(globalThis as { beforeReload?: boolean }).beforeReload && !!document.querySelector('.monaco-workbench'), undefined, { timeout: 30_000 });
  }

  const deploy = (where: string) => deployFromPalette(page, `to ${where}?`);

  before(async () => {
    fake = await FakeE2B.start({ apiKey: E2B_KEY, cpuCount: 2, memoryMB: 512 });
    localRoot = mkdtempSync(path.join(os.tmpdir(), 'spawn-e2e-local-'));
    host = await startHost({
      extensionDevelopmentPath: root,
      env: { SPAWN_APP_LOCAL_ROOT: localRoot },
      settings: { 'spawnApp.generator': 'templates', 'spawnApp.sandboxProvider': 'auto', ...NO_CHECK },
    });
    page = host.page;
    // The E2B endpoints are machine-scoped settings: VS Code reads them from the server's machine settings.
    mkdirSync(path.join(host.tmp, 'userData/Machine'), { recursive: true });
    writeFileSync(
      path.join(host.tmp, 'userData/Machine/settings.json'),
      JSON.stringify({ 'spawnApp.e2bApiUrl': fake.url, 'spawnApp.e2bSandboxUrl': fake.url, 'spawnApp.e2bDomain': fake.domain }),
    );
    draftsDir = path.join(host.tmp, 'userData/User/globalStorage/spawn-app.spawn-app/apps');
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed' && page) {
      mkdirSync(failures, { recursive: true });
      await page.screenshot({ path: path.join(failures, `e2e-durability-failed-${this.currentTest.title.replace(/\W+/g, '-')}.png`) }).catch(() => undefined);
    }
  });

  after(async () => {
    const tmp = host?.tmp;
    // SPAWN_APP_E2E_LOGS=<dir> keeps the window's logs (every extension host's "Spawn App" log) for debugging.
    if (tmp && process.env.SPAWN_APP_E2E_LOGS) cpSync(path.join(tmp, 'userData/logs'), process.env.SPAWN_APP_E2E_LOGS, { recursive: true });
    await host?.close();
    if (tmp) killStrays(tmp);
    killStrays(localRoot);
    rmSync(localRoot, { recursive: true, force: true });
    await fake?.close();
  });

  it('an edited draft is back after a window reload, in its editor; a corrupt draft is set aside with one message', async () => {
    await page.locator('.activitybar .action-item a[aria-label="Spawn App"]').click({ timeout: 30_000 });
    await runCommand(page, 'Spawn App: Spawn App from Prompt', { timeout: 30_000 });
    await page.locator('.quick-input-widget .monaco-list-row').filter({ hasText: 'Web app' }).click();
    await page.locator('.quick-input-widget input').fill('a calculator');
    await page.locator('.quick-input-widget input').press('Enter');
    const tab = page.locator('.tabs-container .tab').filter({ hasText: 'index.html' });
    await tab.waitFor({ timeout: 30_000 });
    await page.locator('.view-lines').getByText('<h1>Calculator</h1>').waitFor();

    // Edit like a user: a new line after the doctype, then save.
    await page.locator('.view-lines .view-line').first().click();
    await page.keyboard.press('End');
    await page.keyboard.press('Enter');
    await page.keyboard.type('Edited before the reload');
    await page.keyboard.press('Control+S');
    await tab.filter({ hasNot: page.locator('.dirty') }).waitFor({ timeout: 5_000 }).catch(() => undefined);

    // Something broke one draft on disk meanwhile (a crash of another tool, a bad sync).
    mkdirSync(draftsDir, { recursive: true });
    writeFileSync(path.join(draftsDir, 'broken.json'), '{"id": "broken", "name": "half a dra');

    await reload();
    await tab.waitFor({ timeout: 30_000 });
    // A reloaded workbench restoring its editors: seen past 15 s on this 2-core machine.
    await page.locator('.view-lines').getByText('Edited before the reload').waitFor({ timeout: 30_000 });
    // Not VS Code's backup of an unsaved editor: the saved draft, read back through the file system provider.
    assert.equal(await tab.evaluate((el) => el.classList.contains('dirty')), false, 'the restored editor is not dirty');
    const drafts = readdirSync(draftsDir).filter((n) => n.endsWith('.json'));
    assert.equal(drafts.length, 1);
    assert.match(readFileSync(path.join(draftsDir, drafts[0]!), 'utf8'), /Edited before the reload/);
    await page.locator('.pane-body .monaco-list-row').filter({ hasText: 'calculator' }).first().waitFor();
    await page.locator('.notifications-toasts').getByText('could not read one saved draft', { exact: false }).waitFor({ timeout: 15_000 });
    const names = readdirSync(draftsDir);
    assert.ok(names.some((n) => /^broken\.json\.corrupt-\d+$/.test(n)), `set aside, not deleted: ${names.join(', ')}`);
    assert.ok(!names.includes('broken.json'));
    await runCommand(page, 'Notifications: Clear All Notifications');
  });

  it('a reload stops the local app; a SIGKILLed extension host takes its sandboxed app with it, leaving nothing', async () => {
    await deploy('the local runner');
    const [first] = await until(() => (localApps(localRoot).length ? localApps(localRoot) : undefined), 'the local app record', 30_000);
    await until(() => answers(first!.url), 'the local app to answer', 30_000);

    await reload();
    await until(async () => !(await answers(first!.url)), 'the app to stop with its window', 15_000);
    await page.locator('.pane-body .monaco-list-row').filter({ hasText: 'calculator' }).first().waitFor({ timeout: 30_000 });

    await deploy('the local runner');
    const [second] = await until(() => (localApps(localRoot).length ? localApps(localRoot) : undefined), 'the second local app record', 30_000);
    await until(() => answers(second!.url), 'the second app to answer', 30_000);
    const pid = extensionHostPid(host);
    assert.ok(pid, 'found the extension host');
    process.kill(pid, 'SIGKILL');
    await until(() => !extensionHostPid(host), 'the extension host to die', 10_000);
    await until(async () => !(await answers(second!.url)), 'the sandboxed app to die with its extension host', 10_000);

    await reload();
    await page.locator('.pane-body .monaco-list-row').filter({ hasText: 'calculator' }).first().waitFor({ timeout: 30_000 });
    await until(() => readdirSync(localRoot).filter((n) => n.startsWith('local-')).length === 0, 'the stale record to be cleaned up', 15_000);
    assert.equal(await page.locator('.notifications-toasts').getByText('left running by a window that closed unexpectedly', { exact: false }).count(), 0, 'no orphan to stop');
    await runCommand(page, 'Notifications: Clear All Notifications');
  });

  it('an E2B sandbox deployed before a reload is listed after it, with time left', async () => {
    await runCommand(page, 'Spawn App: Set E2B API Key', { timeout: 30_000 });
    const input = page.locator('.quick-input-widget input[type="password"]');
    await input.waitFor();
    await input.fill(E2B_KEY);
    await input.press('Enter');
    await page.getByText('Without an E2B API key', { exact: false }).waitFor({ state: 'hidden' });
    await deploy('E2B');
    await until(() => fake.live().length === 1, 'the sandbox in the fake E2B', 30_000);
    await sandboxRow('calculator', 'E2B').waitFor({ timeout: 30_000 });
    const id = fake.live()[0]!.id;

    await reload();
    await sandboxRow('calculator', 'E2B').waitFor({ timeout: 30_000 });
    await page.locator('.pane-body .monaco-list-row').filter({ hasText: /^1[45]:\d\d left/ }).first().waitFor();
    assert.deepEqual(fake.live().map((s) => s.id), [id], 'the same sandbox, not a new one');

    // Paused at its timeout (E2B's pause lifecycle, here the fake's), it is found after a reload like a running one.
    await fake.timeUp(id);
    assert.equal(fake.live()[0]!.state, 'paused');
    await reload();
    await page.locator('.pane-body .monaco-list-row').filter({ hasText: 'E2B · paused' }).first().waitFor({ timeout: 30_000 });
    assert.equal(fake.live()[0]!.state, 'paused', 'a reload (and its restored preview) does not wake it');
    assert.deepEqual(fake.live().map((s) => s.id), [id]);
  });
});
