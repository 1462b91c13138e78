/** Shared by the integration suites (each suite is bundled on its own, so this is copied into each). */
import assert from 'node:assert/strict';
import http from 'node:http';
import * as vscode from 'vscode';
import type { SpawnAppApi } from '../../src/extension';
import { FakeE2B } from '../fakes/fakeE2B';

export const EXTENSION_ID = 'spawn-app.spawn-app';

export async function getApi(): Promise<SpawnAppApi & { testing: NonNullable<SpawnAppApi['testing']> }> {
  const ext = vscode.extensions.getExtension<SpawnAppApi>(EXTENSION_ID);
  assert.ok(ext, `${EXTENSION_ID} is not installed in this VS Code`);
  const api = ext.isActive ? ext.exports : await ext.activate();
  assert.ok(api.testing, 'the extension runs in test mode (ExtensionMode.Test)');
  return api as SpawnAppApi & { testing: NonNullable<SpawnAppApi['testing']> };
}

export { until } from '../helpers/poll';

/** GET a URL; `*.localhost` (the fake E2B's app hosts) is dialled on loopback with its Host header, as browsers do. */
export function fetchText(url: string): Promise<{ status: number; text: string }> {
  const u = new URL(url);
  const local = u.hostname.endsWith('.localhost');
  return new Promise((resolve, reject) => {
    const req = http.get({ hostname: local ? '127.0.0.1' : u.hostname, port: u.port || 80, path: `${u.pathname}${u.search}`, headers: { Host: u.host }, agent: false, timeout: 3000 }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('timeout')));
  });
}

export async function answers(url: string): Promise<boolean> {
  try {
    await fetchText(url);
    return true;
  } catch {
    return false;
  }
}

export function appUri(appName: string, rel = ''): vscode.Uri {
  return vscode.Uri.from({ scheme: 'spawnapp', path: rel ? `/${appName}/${rel}` : `/${appName}` });
}

export async function readText(uri: vscode.Uri): Promise<string> {
  return new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
}

export async function writeText(uri: vscode.Uri, text: string): Promise<void> {
  await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(text));
}

export interface SpawnResult {
  appId: string;
  appName: string;
  mainFile?: vscode.Uri;
  files: number;
  generator: string;
  sandboxId?: string;
  url?: string;
}

export interface DeployResult {
  sandboxId: string;
  url: string;
  provider: string;
  redeployed: boolean;
}

/** Generates the calculator from the built-in templates (no key, no network). */
export async function spawnCalculator(extra: Record<string, unknown> = {}): Promise<SpawnResult | undefined> {
  return vscode.commands.executeCommand<SpawnResult | undefined>('spawnApp.spawn', { appType: 'webapp', prompt: 'a calculator', generator: 'templates', ...extra });
}

/** Sets a `spawnApp.*` user setting (undefined removes it). */
export async function setSetting(key: string, value: unknown): Promise<void> {
  await vscode.workspace.getConfiguration('spawnApp').update(key, value, vscode.ConfigurationTarget.Global);
}

/**
 * The check in a browser after each deploy (`spawnApp.verifyDeploys`): index.ts turns it off for the run, where a
 * test does not look at the page; a suite that does calls this at its top: on in its `before`, back in its `after`.
 */
export function checkedInABrowser(): void {
  let was: boolean | undefined;
  before(async () => {
    was = vscode.workspace.getConfiguration('spawnApp').inspect<boolean>('verifyDeploys')?.globalValue;
    await setSetting('verifyDeploys', true);
  });
  after(() => setSetting('verifyDeploys', was));
}

/** Runs one test's body with the check in a browser on (see checkedInABrowser), then sets it back. */
export async function withCheck<T>(body: () => Promise<T>): Promise<T> {
  const was = vscode.workspace.getConfiguration('spawnApp').inspect<boolean>('verifyDeploys')?.globalValue;
  await setSetting('verifyDeploys', true);
  try {
    return await body();
  } finally {
    await setSetting('verifyDeploys', was);
  }
}

/** Destroys every sandbox, removes every app, closes every editor. */
export async function reset(): Promise<void> {
  const api = await getApi();
  await vscode.commands.executeCommand('spawnApp.destroyAllSandboxes', { confirm: true });
  await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  for (const app of api.tree.apps()) api.tree.delete(api.tree.pathOf(app));
  api.testing.reporter.lastError = undefined;
}

/** Starts a fake E2B on loopback and points the extension at it (settings + a stored key); `stop()` undoes both. */
export async function useFakeE2B(key: string): Promise<{ fake: FakeE2B; stop(): Promise<void> }> {
  await reset();
  const fake = await FakeE2B.start({ apiKey: key, cpuCount: 2, memoryMB: 512 });
  await setSetting('e2bApiUrl', fake.url);
  await setSetting('e2bSandboxUrl', fake.url);
  await setSetting('e2bDomain', fake.domain);
  await vscode.commands.executeCommand('spawnApp.setE2bApiKey', { value: key });
  return {
    fake,
    async stop() {
      await reset();
      for (const k of ['e2bApiUrl', 'e2bSandboxUrl', 'e2bDomain']) await setSetting(k, undefined);
      await vscode.commands.executeCommand('spawnApp.setE2bApiKey', { clear: true });
      await fake.close();
    },
  };
}
