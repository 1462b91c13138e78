/**
 * App secrets and the spending cap in the real VS Code: Set App Secret… stores a value the deployed app reads; the
 * model (the fake Anthropic API) sees only its name; no log line, saved folder or draft holds it. A tiny budget:
 * the second generation asks first (answered through the test hook), and a no sends nothing.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as vscode from 'vscode';
import type { FakeSpec } from '../fakes/fakeAnthropic';
import { FakeAnthropic } from '../fakes/fakeAnthropic';
import type { DeployResult, SpawnResult } from './helpers';
import { fetchText, getApi, reset, setSetting, spawnCalculator, useFakeE2B, until } from './helpers';
import { readTree } from '../helpers/files';

const SECRET = 'wk-vscode-5e1d2c3b4a69f870';

const READS_SECRET: FakeSpec = {
  appType: 'webapp',
  title: 'Weather',
  startCommand: 'node server.js',
  dependencies: [],
  port: 3000,
  files: [
    { path: 'index.html', content: '<!doctype html><h1>Weather</h1>' },
    {
      path: 'server.js',
      content: [
        "const http = require('http');",
        'const key = process.env.WEATHER_API_KEY || "";',
        "console.log('my key is ' + key);",
        "http.createServer((req, res) => res.end(req.url === '/secret' ? key : 'hi')).listen(Number(process.env.PORT) || 3000, process.env.HOST || '127.0.0.1');",
      ].join('\n'),
    },
  ],
};

describe('app secrets and the spending cap (fake Anthropic, local runner)', function () {
  this.timeout(120_000);
  let fake: FakeAnthropic;
  let tmp: string;

  before(async () => {
    await reset();
    fake = await FakeAnthropic.start();
    await setSetting('anthropicBaseUrl', fake.url);
    await vscode.commands.executeCommand('spawnApp.setAnthropicApiKey', { value: 'sk-ant-integration-secrets-0123' });
    tmp = mkdtempSync(path.join(os.tmpdir(), 'spawn-secrets-it-'));
  });
  after(async () => {
    await reset();
    await setSetting('anthropicBaseUrl', undefined);
    await setSetting('budgetUsd', undefined);
    await vscode.commands.executeCommand('spawnApp.setAnthropicApiKey', { clear: true });
    await fake.close();
    rmSync(tmp, { recursive: true, force: true });
  });
  beforeEach(() => fake.reset());

  it('Set App Secret…: the deployed app reads it; refine tells the model the name only; logs and Save to Folder never hold the value', async () => {
    const api = await getApi();
    fake.enqueue({ kind: 'ok', spec: READS_SECRET });
    const r = await vscode.commands.executeCommand<SpawnResult>('spawnApp.spawn', { appType: 'webapp', prompt: 'the weather', generator: 'claude' });
    assert.ok(r, `spawn returned (last error: ${api.testing.reporter.lastError?.message})`);
    assert.deepEqual(await vscode.commands.executeCommand('spawnApp.setAppSecret', { appId: r.appId, name: 'WEATHER_API_KEY', value: SECRET }), { name: 'WEATHER_API_KEY' });
    const bad = await vscode.commands.executeCommand('spawnApp.setAppSecret', { appId: r.appId, name: 'PATH', value: SECRET });
    assert.equal(bad, undefined);
    assert.match(api.testing.reporter.lastError?.message ?? '', /PATH is set by the runner itself/);

    let dialog = '';
    const answer = api.testing.deployDialogs.answerWith(async (c) => {
      dialog = `${c.message}\n${c.detail ?? ''}`;
      return true;
    });
    const d = await vscode.commands.executeCommand<DeployResult>('spawnApp.deploy', { appId: r.appId, provider: 'local' }).then((x) => (answer.dispose(), x));
    assert.ok(d, `deploy returned (last error: ${api.testing.reporter.lastError?.message})`);
    assert.match(dialog, /Secrets passed to the app: WEATHER_API_KEY \(values hidden\)/, 'the deploy dialog names the secret');
    assert.ok(!dialog.includes(SECRET), 'the deploy dialog shows the value');
    assert.equal((await fetchText(`${d.url}/secret`)).text, SECRET, 'the app read its secret');
    const logs = api.sandboxLogs.text(d.sandboxId);
    assert.match(logs, /my key is \[redacted\]/);
    assert.ok(!logs.includes(SECRET), 'the value is in the sandbox log');

    fake.enqueue({ kind: 'ok', input: { summary: 'No change.', changes: [], deletions: [] } });
    await vscode.commands.executeCommand('spawnApp.refine', { appId: r.appId, followUp: 'show it in celsius', decision: 'reject' });
    const sent = JSON.stringify(fake.messageRequests().at(-1)?.body);
    assert.match(sent, /process\.env\.WEATHER_API_KEY/, 'the model is told the name');
    assert.ok(!sent.includes(SECRET), 'the value reached the model');

    const folder = path.join(tmp, 'weather');
    await vscode.commands.executeCommand('spawnApp.saveToFolder', { appId: r.appId, folder });
    assert.ok(!readTree(folder).includes(SECRET), 'a saved file holds the value');
    assert.deepEqual(await vscode.commands.executeCommand('spawnApp.setAppSecret', { appId: r.appId, remove: 'WEATHER_API_KEY' }), { removed: true });
    assert.deepEqual(await api.testing.secrets.appSecrets(r.appId), {});
  });

  it("the deploy dialog shows the secrets' findings (a value in a file, a secret read in browser code) before the yes", async () => {
    const api = await getApi();
    const leaky: FakeSpec = {
      ...READS_SECRET,
      files: [
        ...READS_SECRET.files,
        { path: 'config.js', content: `module.exports = { key: '${SECRET}' };` },
        { path: 'app.js', content: 'const k = WEATHER_API_KEY;' },
      ],
    };
    fake.enqueue({ kind: 'ok', spec: leaky });
    const r = await vscode.commands.executeCommand<SpawnResult>('spawnApp.spawn', { appType: 'webapp', prompt: 'the weather, leaky', generator: 'claude' });
    assert.ok(r, `spawn returned (last error: ${api.testing.reporter.lastError?.message})`);
    await vscode.commands.executeCommand('spawnApp.setAppSecret', { appId: r.appId, name: 'WEATHER_API_KEY', value: SECRET });
    let dialog: string | undefined;
    const answer = api.testing.deployDialogs.answerWith(async (c) => {
      dialog = `${c.message}\n${c.detail ?? ''}`;
      return false; // no: nothing runs, and the findings were shown before it
    });
    try {
      await vscode.commands.executeCommand('spawnApp.deploy', { appId: r.appId, provider: 'local' });
    } finally {
      answer.dispose();
    }
    assert.ok(dialog, 'the dialog was shown');
    assert.match(dialog, /config\.js:1: The value of the secret WEATHER_API_KEY is written into the file/);
    assert.match(dialog, /app\.js:1: WEATHER_API_KEY is read in a file the browser gets/);
    assert.ok(!dialog.includes(SECRET), 'the dialog shows the value');
    assert.equal(api.registry.forApp(r.appId), undefined, 'a no runs nothing');
  });

  it('a tiny budget: the second generation asks first; no sends nothing, yes goes ahead', async () => {
    const api = await getApi();
    // Just above what today's record holds already (it lives in globalState, across test files and reloads).
    await setSetting('budgetUsd', api.testing.spendingCap.budget().today().usd + 1e-9);
    const first = await vscode.commands.executeCommand<SpawnResult>('spawnApp.spawn', { appType: 'webapp', prompt: 'a todo list', generator: 'claude' });
    assert.ok(first, `the first generation ran (last error: ${api.testing.reporter.lastError?.message})`);
    api.testing.spendingCap.sync();
    assert.equal(api.testing.spendingCap.budget().capped, true);
    const asked: string[] = [];
    const hook = api.testing.spendingCap.answerWith(async (message) => {
      asked.push(message);
      return false;
    });
    try {
      const requests = fake.messageRequests().length;
      const second = await vscode.commands.executeCommand('spawnApp.spawn', { appType: 'webapp', prompt: 'a counter', generator: 'claude' });
      assert.equal(second, undefined);
      assert.equal(asked.length, 1);
      assert.match(asked[0]!, /Today's spending cap is reached \(\$.+ \/ \$.+ today\)/);
      assert.equal(fake.messageRequests().length, requests, 'a no sends nothing');
      hook.dispose();
      const yes = api.testing.spendingCap.answerWith(async () => true);
      const third = await vscode.commands.executeCommand<SpawnResult>('spawnApp.spawn', { appType: 'webapp', prompt: 'a counter', generator: 'claude' });
      yes.dispose();
      assert.ok(third, 'a yes goes ahead');
      // The built-in templates cost nothing: never asked.
      assert.ok(await vscode.commands.executeCommand('spawnApp.spawn', { appType: 'webapp', prompt: 'a calculator', generator: 'templates' }));
    } finally {
      hook.dispose();
      await setSetting('budgetUsd', undefined);
    }
  });

  it("at the cap, this window's running E2B sandbox is paused (the fake E2B sees the request), not killed", async () => {
    const api = await getApi();
    const e2b = await useFakeE2B('e2b_integration_cap_0123456789');
    try {
      const app = await spawnCalculator();
      assert.ok(app);
      await vscode.commands.executeCommand('spawnApp.setAppSecret', { appId: app.appId, name: 'WEATHER_API_KEY', value: SECRET });
      const d = await vscode.commands.executeCommand<DeployResult>('spawnApp.deploy', { appId: app.appId, confirm: true, provider: 'e2b' });
      assert.ok(d, `deploy returned (last error: ${api.testing.reporter.lastError?.message})`);
      const sb = e2b.fake.live().find((x) => x.id === d.sandboxId);
      assert.ok(sb);
      // About one second of the fake's 2 vCPU / 512 MB sandbox above what today's record holds.
      api.testing.spendingCap.sync();
      await setSetting('budgetUsd', api.testing.spendingCap.budget().today().usd + 0.00003);
      await until(() => {
        api.testing.spendingCap.sync();
        return e2b.fake.paused().includes(d.sandboxId) || undefined;
      }, 'a pause request for the sandbox');
      assert.deepEqual(e2b.fake.paused(), [d.sandboxId], 'one pause request');
      assert.equal(e2b.fake.live().some((x) => x.id === d.sandboxId), true, 'paused, not killed');
      await until(() => api.registry.get(d.sandboxId)?.status === 'paused' || undefined, 'the sandbox listed as paused (with Resume)');
      // Paused time is not billed: the entry's cost stops growing while it stays paused.
      const entry = api.registry.get(d.sandboxId)!;
      assert.ok(entry.pausedSince !== undefined, 'the pause is on the entry');
      // This test's sandbox goes with it (paused, it would otherwise outlive the fake it lives in).
      assert.equal(await api.registry.destroy(d.sandboxId), true);
    } finally {
      await setSetting('budgetUsd', undefined);
      await e2b.stop();
    }
  });
});
