/** Shared by the e2e suites: app probes, waiting, frames inside webviews, and cleanup of stray local apps. */
import { mkdirSync, readdirSync, readlinkSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { Frame, Page } from 'playwright-core';
import { runCommand } from '../../scripts/vscode-host/host.mjs';
import { until } from '../helpers/poll';

export const root = path.resolve(__dirname, '../..');
/** test-results/screenshots, or SPAWN_APP_SCREENSHOTS_DIR (`npm run screenshots` sets docs/screenshots, the pictures of the README and docs/). */
export const shots = path.resolve(root, process.env.SPAWN_APP_SCREENSHOTS_DIR || 'test-results/screenshots');
export const failures = path.join(root, 'test-results');

export { until };

/**
 * User settings of a host whose file does not look at the check in a browser after each deploy: no check (each
 * one loads and screenshots the page in a second headless Chromium). calculator, verifyFix and python keep it.
 * `npm run screenshots` keeps it everywhere: the pictures of the docs show what a user sees by default.
 */
export const NO_CHECK: Record<string, boolean> = process.env.SPAWN_APP_SCREENSHOTS_DIR ? {} : { 'spawnApp.verifyDeploys': false };

/** True when something answers at the URL. */
export function answers(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    http.get(url, { agent: false, timeout: 2000 }, (res) => {
      res.resume();
      resolve(true);
    }).on('error', () => resolve(false));
  });
}

/**
 * Kills processes working under `dir` (the host's temp folder): a local app runs in its own process group, so
 * when a failed test leaves one running, closing the host's process group would not stop it.
 */
export function killStrays(dir: string): void {
  for (const pid of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    try {
      if (readlinkSync(`/proc/${pid}/cwd`).startsWith(dir)) process.kill(Number(pid), 'SIGKILL');
    } catch {
      // not ours, or gone
    }
  }
}

/** The frame (nested inside the webview's iframes) that holds `selector`. */
export async function frameWith(page: Page, selector: string, timeoutMs = 30_000): Promise<Frame> {
  const has = async (f: Frame) => !!(await f.$(selector).catch(() => null)); // a frame navigating away: not this one
  return until(async () => {
    for (const f of page.frames()) if (await has(f)) return f;
    return undefined;
  }, `a frame with ${selector}`, timeoutMs, 200);
}

/**
 * Runs `act` on the frame that holds `selector`, and again on the new one when the webview re-rendered its page
 * meanwhile (the frame found was detached: the preview redraws itself on a new state, or when its first load never
 * said "ready").
 */
export async function inFrameWith<T>(page: Page, selector: string, act: (frame: Frame) => Promise<T>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const frame = await frameWith(page, selector, Math.max(1000, deadline - Date.now()));
    try {
      return await act(frame);
    } catch (err) {
      if (!/detached/i.test(String(err)) || Date.now() > deadline) throw err;
    }
  }
}

/** Set Anthropic API Key from the palette: the key typed into its password box. */
export async function setAnthropicKey(page: Page, key: string): Promise<void> {
  await runCommand(page, 'Spawn App: Set Anthropic API Key', { timeout: 30_000 });
  const input = page.locator('.quick-input-widget input[type="password"]');
  await input.waitFor();
  await input.fill(key);
  await input.press('Enter');
  await page.locator('.quick-input-widget').waitFor({ state: 'hidden' });
}

/** Spawn App from Prompt: the app type `label` (`Web app`), then `prompt`; resolves once `mainFile`'s tab is open. */
export async function spawnFromPrompt(page: Page, label: string, prompt: string, mainFile: string): Promise<void> {
  await runCommand(page, 'Spawn App: Spawn App from Prompt', { timeout: 30_000 });
  await page.locator('.quick-input-widget .monaco-list-row').filter({ hasText: label }).click();
  await page.locator('.quick-input-widget').getByText(`Describe the ${label.toLowerCase()} you want`).waitFor();
  const input = page.locator('.quick-input-widget input');
  await input.fill(prompt);
  await input.press('Enter');
  await page.locator('.tabs-container .tab').filter({ hasText: mainFile }).waitFor({ timeout: 30_000 });
}

/** Deploy App from the palette: its dialog says `says` (`to the local runner?`, `Runs: …`), then Deploy. */
export async function deployFromPalette(page: Page, says: string): Promise<void> {
  await runCommand(page, 'Spawn App: Deploy App', { timeout: 30_000 });
  const dialog = page.locator('.monaco-dialog-box');
  await dialog.getByText(says, { exact: false }).waitFor();
  await dialog.getByRole('button', { name: 'Deploy', exact: true }).click();
}

/** Closes a test's VS Code host and kills what its run left behind in its temp folder. */
export async function closeHost(host: { tmp: string; close(): Promise<void> } | undefined): Promise<void> {
  if (!host) return;
  const tmp = host.tmp;
  await host.close();
  killStrays(tmp);
}

/** For a mocha `afterEach`: a screenshot of the page when the test failed, under test-results/. */
export async function screenshotIfFailed(test: Mocha.Test | undefined, page: Page | undefined): Promise<void> {
  if (test?.state !== 'failed' || !page) return;
  mkdirSync(failures, { recursive: true });
  await page.screenshot({ path: path.join(failures, `e2e-failed-${test.title.replace(/\W+/g, '-')}.png`) }).catch(() => undefined);
}
