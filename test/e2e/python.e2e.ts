/**
 * The Python stacks through the real UI (VS Code 1.100.3 via code-server, headless Chromium), templates + local
 * runner, no keys:
 * - Streamlit: Spawn App from Prompt → Streamlit app → Deploy → the preview shows the chart, drawn by the page's
 *   script from what the server sends over Streamlit's websocket (`/_stcore/stream`, through code-server's proxy and
 *   the local forwarder into the sandbox); a filter changed in the page reruns the script over that websocket.
 * - python-api: the notes API → a note POSTed to the app's URL → an edit of main.py saved in the editor redeploys
 *   (the server restarts) → the note is still there (SQLite in `$DATA_DIR`, outside the app's code).
 *
 * Like react.e2e.ts it runs code-server with its subdomain proxy (`PORT.localhost:SERVERPORT`): the app is served at
 * its root, as in desktop VS Code. Screenshot: test-results/screenshots/python-streamlit-chart.png (`npm run screenshots`:
 * docs/screenshots/, shown in docs/python.md). The first deploy of each stack builds its pip cache entry.
 *
 *   npm run build && npx mocha --no-config --require tsx/cjs --timeout 240000 --exit test/e2e/python.e2e.ts
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Frame, Page } from 'playwright-core';
import type { Host } from '../../scripts/vscode-host/host.mjs';
import { runCommand, startHost } from '../../scripts/vscode-host/host.mjs';
import { request } from '../helpers/http';
import { missingFromIndex, PY_TEST_CACHE, userPipConfig } from '../helpers/python';
import { pinnedRequirements } from '../../src/core/stacks/python';
import { PYTHON_API_PACKAGES } from '../../src/core/stacks/python-api';
import { STREAMLIT_PACKAGES } from '../../src/core/stacks/streamlit';
import { closeHost, deployFromPalette, frameWith, root, screenshotIfFailed, shots, spawnFromPrompt, until } from './helpers';

/** The built-in chart's bundled CSV sums to this (North 834 + South 722). */
const TOTAL_SALES = '1556';
const CHART = '[data-testid="stVegaLiteChart"] canvas, [data-testid="stVegaLiteChart"] svg.marks';

describe('e2e: the Python stacks: a Streamlit chart in the preview; a python-api note survives a hot redeploy', function () {
  this.timeout(420_000);
  let host: Host;
  let page: Page;

  const shot = (name: string) => page.screenshot({ path: path.join(shots, `python-${name}`) });

  before(async function () {
    const missing = missingFromIndex([...pinnedRequirements(PYTHON_API_PACKAGES), ...pinnedRequirements(STREAMLIT_PACKAGES)]);
    if (missing) {
      if (process.env.SPAWN_APP_REQUIRE_PYTHON === '1') throw new Error(`SPAWN_APP_REQUIRE_PYTHON=1, but ${missing}.`);
      console.log(`      Skipped: ${missing}.`);
      this.skip();
    }
    mkdirSync(shots, { recursive: true });
    mkdirSync(PY_TEST_CACHE, { recursive: true, mode: 0o700 });
    const pipConfig = userPipConfig();
    host = await startHost({
      extensionDevelopmentPath: root,
      viewport: { width: 1440, height: 900 },
      subdomainProxy: true,
      settings: { 'spawnApp.generator': 'templates', 'spawnApp.sandboxProvider': 'local' },
      // The host has an XDG_CONFIG_HOME of its own: the user's pip index settings are named, and the venvs are cached
      // where the other Python tests keep them.
      env: { SPAWN_APP_CACHE_DIR: PY_TEST_CACHE, ...(pipConfig ? { PIP_CONFIG_FILE: pipConfig } : {}) },
    });
    page = host.page;
  });

  afterEach(async function () {
    await screenshotIfFailed(this.currentTest, page);
  });

  after(() => closeHost(host));

  /** The app's own URL, as the preview's toolbar shows it (the local forwarder's port). */
  async function appUrl(): Promise<string> {
    const toolbar = await frameWith(page, '.toolbar [data-action="openInBrowser"]');
    const url = (await toolbar.textContent('#url'))?.trim() ?? '';
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
    return url;
  }

  it('Streamlit: the template deploys and the preview shows its chart, filled over the websocket', async () => {
    await page.locator('.activitybar .action-item a[aria-label="Spawn App"]').click({ timeout: 30_000 });
    await spawnFromPrompt(page, 'Streamlit app', 'a chart of monthly sales by region', 'app.py');
    await page.locator('.view-lines').getByText('altair_chart').first().waitFor();
    await deployFromPalette(page, 'Runs: python3 -m streamlit run app.py');
    // The first deploy builds the streamlit cache entry (streamlit, pandas, altair) from the configured pip index.
    const app: Frame = await frameWith(page, CHART, 300_000);
    assert.equal((await app.textContent('h1'))?.trim(), 'Monthly sales');
    // The metric is computed by the script on the server (pandas) and sent over the websocket.
    await app.waitForFunction((total) => Array.from(document.querySelectorAll('[data-testid="stMetricValue"]')).some((e) => e.textContent?.trim() === total), TOTAL_SALES, { timeout: 30_000 });
    const box = await app.locator('[data-testid="stVegaLiteChart"]').first().boundingBox();
    assert.ok(box && box.width > 200 && box.height > 100, `the chart is drawn (${JSON.stringify(box)})`);
    await runCommand(page, 'Notifications: Clear All Notifications');
    await page.locator('.pane-body .monaco-list-row').filter({ hasText: /running · verified/ }).first().waitFor({ timeout: 60_000 });
    await shot('streamlit-chart.png');
  });

  it('Streamlit: a filter changed in the page reruns the script on the server (the websocket carries both ways)', async () => {
    const app = await frameWith(page, CHART);
    // Remove the last region ("South") from the multiselect (Backspace in its input): the script reruns with North only (834).
    await app.locator('[data-testid="stMultiSelect"] input').first().click();
    await app.locator('[data-testid="stMultiSelect"] input').first().press('Backspace');
    await app.waitForFunction(() => Array.from(document.querySelectorAll('[data-testid="stMetricValue"]')).some((e) => e.textContent?.trim() === '834'), undefined, { timeout: 30_000 });
  });

  it('python-api: a note POSTed to the app survives an edit of main.py saved in the editor (the server restarts)', async () => {
    // The focus is in the app's frame (its multiselect): back to the editor, so that the palette opens.
    await page.locator('.monaco-editor .view-lines').first().click();
    // The Streamlit app's preview goes: the toolbar read below is the notes API's.
    await runCommand(page, 'View: Close All Editors');
    await page.locator('.tabs-container .tab').first().waitFor({ state: 'detached' });
    await spawnFromPrompt(page, 'Python API', 'a notes api', 'main.py');
    await deployFromPalette(page, 'Runs: python3 -m uvicorn main:app');
    const index = await frameWith(page, 'a[href="/docs"]', 300_000);
    assert.equal((await index.textContent('h1'))?.trim(), 'Notes API');
    const url = await appUrl();
    const posted = await request(`${url}/api/notes`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text: 'kept across a redeploy' }) });
    assert.equal(posted.status, 201, posted.body);

    // Find/replace in the open main.py, then save: redeploy on save restarts the server with the new code.
    await page.locator('.tabs-container .tab').filter({ hasText: 'main.py' }).click();
    await page.locator('.monaco-editor .view-lines').first().click();
    await page.keyboard.press('Control+H');
    await page.locator('.find-widget textarea').first().fill('<h1>Notes API</h1>');
    await page.locator('.find-widget textarea').nth(1).fill('<h1>Notes API, edited</h1>');
    await page.keyboard.press('Control+Alt+Enter');
    await page.locator('.find-widget .codicon-widget-close').first().click();
    await page.locator('.monaco-editor .view-lines').first().click();
    await page.keyboard.press('Control+Home');
    await page.keyboard.press('Control+S');

    // uvicorn runs without --reload: the edited page is served only once Spawn App restarted the server.
    await until(async () => {
      const f = await frameWith(page, 'a[href="/docs"]');
      return (await f.textContent('h1').catch(() => ''))?.trim() === 'Notes API, edited';
    }, 'the preview showing the edited page', 60_000, 250);
    const after = await appUrl();
    const notes = await request(`${after}/api/notes`);
    assert.equal(notes.status, 200);
    assert.deepEqual((JSON.parse(notes.body) as { text: string }[]).map((n) => n.text), ['kept across a redeploy'], 'the note is still there');
  });
});
