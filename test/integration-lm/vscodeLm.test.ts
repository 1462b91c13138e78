import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { DeployResult, SpawnResult } from '../integration/helpers';
import { appUri, fetchText, getApi, readText, reset, setSetting, until } from '../integration/helpers';

interface FakeModels {
  requests: { model: string; text: string; tools: string[]; toolMode?: number; schema?: { properties?: Record<string, unknown> } }[];
  answers: Record<string, unknown>;
}

async function fakeModels(): Promise<FakeModels> {
  const ext = vscode.extensions.getExtension<FakeModels>('spawn-app.lm-fixture');
  assert.ok(ext, 'the fake model provider (test/host/lm-fixture) is loaded');
  return ext.isActive ? ext.exports : ext.activate();
}

describe('the vscode-lm generator (a fake chat model registered through vscode.lm)', () => {
  let fake: FakeModels;
  let spawned: SpawnResult;

  before(async () => {
    fake = await fakeModels();
    await reset();
  });
  after(async () => {
    await setSetting('generator', undefined);
    await reset();
  });

  it('VS Code lists the fake model (this host is 1.104+, the extension still declares ^1.100.0)', async () => {
    assert.ok(Number(vscode.version.split('.')[1]) >= 104, vscode.version);
    const models = await vscode.lm.selectChatModels({ vendor: 'spawn-app-fake' });
    assert.deepEqual(models.map((m) => m.name), ['Fake Coder']);
  });

  it('auto without an Anthropic key: spawns through the model (one forced write_app call) and writes its files', async () => {
    const before = fake.requests.length;
    const r = await vscode.commands.executeCommand<SpawnResult>('spawnApp.spawn', { appType: 'webapp', prompt: 'a page that greets me', generator: 'auto' });
    const api = await getApi();
    assert.ok(r, `spawn returned a result (last error: ${api.testing.reporter.lastError?.message})`);
    spawned = r;
    assert.equal(spawned.generator, 'vscode-lm');
    assert.equal(fake.requests.length, before + 1, 'one request');
    const req = fake.requests[fake.requests.length - 1]!;
    assert.deepEqual(req.tools, ['write_app']);
    assert.equal(req.toolMode, vscode.LanguageModelChatToolMode.Required);
    assert.match(req.text, /Build this webapp: a page that greets me/);
    assert.ok(req.schema?.properties?.files, 'the app tool\'s schema went with it');
    const names = (await vscode.workspace.fs.readDirectory(appUri(spawned.appName))).map(([n]) => n).sort();
    assert.deepEqual(names, ['index.html', 'server.js', 'spawn-app.json']);
    assert.match(await readText(appUri(spawned.appName, 'index.html')), /Hello from the fake model/);
    assert.equal(vscode.window.activeTextEditor?.document.uri.toString(), appUri(spawned.appName, 'index.html').toString(), 'the main file opened');
  });

  it('deploys what the model wrote, and the app answers', async () => {
    const d = await vscode.commands.executeCommand<DeployResult>('spawnApp.deploy', { appId: spawned.appId, confirm: true, provider: 'local' });
    const api = await getApi();
    assert.ok(d, `deploy returned a result (last error: ${api.testing.reporter.lastError?.message})`);
    const page = await fetchText(d.url);
    assert.equal(page.status, 200);
    assert.match(page.text, /Hello from the fake model/);
  });

  it('refine without a key goes to the same model (update_app) and the running app shows the change', async () => {
    const before = fake.requests.length;
    const r = await vscode.commands.executeCommand<{ accepted: boolean; changed: string[]; summary?: string; deploy?: { url: string } }>('spawnApp.refine', {
      appId: spawned.appId,
      followUp: 'make it louder',
      decision: 'accept',
    });
    const api = await getApi();
    assert.ok(r, `refine returned a result (last error: ${api.testing.reporter.lastError?.message})`);
    assert.equal(r.accepted, true);
    assert.deepEqual(r.changed, ['index.html']);
    assert.equal(r.summary, 'Made the greeting louder.');
    const req = fake.requests[before]!;
    assert.deepEqual(req.tools, ['update_app']);
    assert.match(req.text, /make it louder/);
    assert.match(req.text, /Hello from the fake model/, 'the current files went with the follow-up');
    assert.match(await readText(appUri(spawned.appName, 'index.html')), /HELLO FROM THE FAKE MODEL/);
    const entry = api.registry.forApp(spawned.appId);
    assert.ok(entry?.url, 'still running');
    assert.match((await fetchText(entry.url)).text, /HELLO FROM THE FAKE MODEL/, 'redeployed in place');
  });

  it('Select Model… offers VS Code\'s models after the Claude ones; picking one sets vscode-lm and that model', async () => {
    const [model] = await vscode.lm.selectChatModels({ vendor: 'spawn-app-fake' });
    const picked = Promise.resolve(vscode.commands.executeCommand<string | undefined>('spawnApp.selectModel'));
    // The quick pick opens on the first Claude model; one step up wraps to the last item: the VS Code model.
    await until(async () => {
      await vscode.commands.executeCommand('workbench.action.quickOpenSelectPrevious');
      await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
      return Promise.race([picked.then(() => true), new Promise((r) => setTimeout(() => r(false), 200))]);
    }, 'the model picker to take the choice');
    assert.equal(await picked, model!.id);
    const config = vscode.workspace.getConfiguration('spawnApp');
    assert.equal(config.get('generator'), 'vscode-lm');
    assert.equal(config.get('chatModel'), model!.id);
    await setSetting('chatModel', undefined);
  });

  it('spawnApp.generator "vscode-lm" uses it too; a model that does not call the tool fails in one sentence and leaves nothing', async () => {
    await setSetting('generator', 'vscode-lm');
    const saved = fake.answers.write_app;
    delete fake.answers.write_app;
    try {
      const api = await getApi();
      const appsBefore = api.tree.apps().length;
      const r = await vscode.commands.executeCommand<SpawnResult | undefined>('spawnApp.spawn', { appType: 'webapp', prompt: 'another page' });
      assert.equal(r, undefined);
      const err = api.testing.reporter.lastError;
      assert.match(err?.message ?? '', /^The model answered without calling write_app: "I have no tool to call\."\.$/);
      assert.equal(api.tree.apps().length, appsBefore, 'the half app was removed');
    } finally {
      fake.answers.write_app = saved;
    }
  });

  it('a chat tool\'s deploy result carries the browser\'s screenshot as an image part (this host takes images in tool results)', async function () {
    const { findBrowser } = await import('../../src/core/verify/findBrowser');
    if (!findBrowser().path) {
      if (process.env.SPAWN_APP_REQUIRE_BROWSER === '1') throw new Error('No Chromium/Chrome/Edge on this machine, and SPAWN_APP_REQUIRE_BROWSER=1: install chromium.');
      this.skip();
    }
    const api = await getApi();
    const seam = api.testing.deployDialogs.answerWith(async () => true);
    try {
      await setSetting('generator', 'templates');
      const r = await vscode.lm.invokeTool('spawn_app', { input: { prompt: 'a calculator', appType: 'webapp', deploy: true }, toolInvocationToken: undefined });
      const text = r.content.filter((p): p is vscode.LanguageModelTextPart => p instanceof vscode.LanguageModelTextPart).map((p) => p.value).join('');
      assert.match(text, /^Verification: verified \(\d+ ms\)\.$/m, text);
      // This host (1.104+) has LanguageModelDataPart; the extension's types are 1.100's, which do not.
      const DataPart = (vscode as unknown as { LanguageModelDataPart: new (...a: never[]) => { mimeType: string; data: Uint8Array } }).LanguageModelDataPart;
      const image = r.content.find((p) => p instanceof DataPart) as { mimeType: string; data: Uint8Array } | undefined;
      assert.ok(image, 'an image part');
      assert.equal(image.mimeType, 'image/png');
      assert.deepEqual([...image.data.subarray(1, 4)].map((c) => String.fromCharCode(c)).join(''), 'PNG');
    } finally {
      seam.dispose();
      await setSetting('generator', undefined);
    }
  });
});
