import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { DEFAULT_WEBAPP, FakeAnthropic } from '../fakes/fakeAnthropic';
import type { SpawnResult } from './helpers';
import { appUri, getApi, readText, reset, setSetting, until } from './helpers';

describe('generation with Claude (the fake Anthropic API on loopback)', () => {
  let fake: FakeAnthropic;
  const key = 'sk-ant-integration-0123456789';

  before(async () => {
    await reset();
    fake = await FakeAnthropic.start();
    await setSetting('anthropicBaseUrl', fake.url);
    await vscode.commands.executeCommand('spawnApp.setAnthropicApiKey', { value: key });
  });
  after(async () => {
    await reset();
    await setSetting('anthropicBaseUrl', undefined);
    await vscode.commands.executeCommand('spawnApp.setAnthropicApiKey', { clear: true });
    await fake.close();
  });
  beforeEach(() => fake.reset());

  it('streams the generated files into the virtual workspace; the stored key reaches the API', async () => {
    const api = await getApi();
    const before = api.sessionCost.total().generation;
    const r = await vscode.commands.executeCommand<SpawnResult>('spawnApp.spawn', { appType: 'webapp', prompt: 'a todo list', generator: 'auto' });
    assert.ok(r, `spawn returned (last error: ${api.testing.reporter.lastError?.message})`);
    assert.equal(r.generator, 'claude', 'auto picks Claude once a key is set');
    const requests = fake.messageRequests();
    assert.equal(requests.length, 1);
    assert.equal(requests[0]!.apiKey, key, 'the key from SecretStorage is what the API receives');
    for (const f of DEFAULT_WEBAPP.files) assert.equal(await readText(appUri(r.appName, f.path)), f.content);
    assert.equal(vscode.window.activeTextEditor?.document.uri.toString(), appUri(r.appName, 'index.html').toString());
    assert.ok(api.sessionCost.total().generation > before, 'the generation cost counts into the session');
    const appItem = api.appsTree.getTreeItem(api.appsTree.getChildren().find((n) => n.uri.path === `/${r.appName}`)!);
    assert.match(String(appItem.description), /written by Claude/);
  });

  it('an auth error is one sentence with the Set Key action, and leaves no half-made app', async () => {
    const api = await getApi();
    const appsBefore = api.tree.apps().length;
    fake.enqueue('auth');
    const r = await vscode.commands.executeCommand('spawnApp.spawn', { appType: 'webapp', prompt: 'a counter', generator: 'claude' });
    assert.equal(r, undefined);
    assert.equal(api.testing.reporter.lastError?.code, 'generation.auth');
    assert.equal(api.testing.reporter.lastError?.message.includes(key), false);
    assert.deepEqual(api.testing.reporter.lastError?.actions, ['Set Anthropic API Key', 'Show Log'], 'the key hint is the Set Key command');
    assert.equal(api.tree.apps().length, appsBefore);
  });

  it('a truncated answer names the setting to raise, as a button that opens it (no CLI variable in the sentence)', async () => {
    const api = await getApi();
    fake.enqueue('max_tokens');
    assert.equal(await vscode.commands.executeCommand('spawnApp.spawn', { appType: 'webapp', prompt: 'a big app', generator: 'claude' }), undefined);
    const shown = api.testing.reporter.lastError;
    assert.equal(shown?.code, 'generation.truncated');
    assert.deepEqual(shown?.actions, ['Open Setting spawnApp.maxTokens', 'Show Log']);
    assert.doesNotMatch(shown?.message ?? '', /SPAWN_APP|--/);
  });

  it('a cancelled stream stops at once and leaves nothing', async () => {
    const api = await getApi();
    const appsBefore = api.tree.apps().length;
    fake.enqueue({ kind: 'slow', chunkDelayMs: 40 });
    const cts = new vscode.CancellationTokenSource();
    const running = vscode.commands.executeCommand('spawnApp.spawn', { appType: 'webapp', prompt: 'a slow app', generator: 'claude', token: cts.token });
    await until(() => api.tree.apps().length > appsBefore && api.tree.filePaths(api.tree.apps().at(-1)!).length > 0, 'the first streamed file');
    cts.cancel();
    assert.equal(await running, undefined);
    assert.equal(api.tree.apps().length, appsBefore, 'the half-generated app is removed');
    assert.equal(api.testing.reporter.lastError?.code === 'cancelled', false);
  });
});
