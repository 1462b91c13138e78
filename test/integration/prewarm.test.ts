/**
 * Pre-warm in the real VS Code (the fake E2B with Spawn App's per-stack templates, driven by the real SDK): the
 * Spawner starts a sandbox from the app type's template as generation starts, the Sandboxes view shows it as
 * pre-warmed, a confirmed deploy goes into it (the write and the health check, no create, no start), and every
 * way of abandoning it kills it — generation error, cancel, a rejected deploy, the local runner, the timeout.
 */
import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { FakeAnthropic } from '../fakes/fakeAnthropic';
import { FakeE2B } from '../fakes/fakeE2B';
import { stackTemplateOptions } from '../helpers/stackImages';
import type { DeployResult, SpawnResult } from './helpers';
import { fetchText, getApi, reset, setSetting, until } from './helpers';

describe('pre-warm: an E2B sandbox made while the model writes', function () {
  this.timeout(180_000);
  const key = 'e2b_prewarm_0123456789';
  let fake: FakeE2B;
  let claude: FakeAnthropic;

  before(async () => {
    await reset();
    fake = await FakeE2B.start({ apiKey: key, cpuCount: 2, memoryMB: 512, snapshotTemplates: true, ...stackTemplateOptions(['webapp', 'react']) });
    claude = await FakeAnthropic.start();
    await setSetting('e2bApiUrl', fake.url);
    await setSetting('e2bSandboxUrl', fake.url);
    await setSetting('e2bDomain', fake.domain);
    await setSetting('e2bTemplate', 'spawn-app');
    await setSetting('anthropicBaseUrl', claude.url);
    await vscode.commands.executeCommand('spawnApp.setE2bApiKey', { value: key });
  });
  after(async () => {
    await reset();
    for (const k of ['e2bApiUrl', 'e2bSandboxUrl', 'e2bDomain', 'e2bTemplate', 'anthropicBaseUrl', 'prewarmMinutes']) await setSetting(k, undefined);
    await vscode.commands.executeCommand('spawnApp.setE2bApiKey', { clear: true });
    await vscode.commands.executeCommand('spawnApp.setAnthropicApiKey', { clear: true });
    await claude?.close();
    await fake?.close();
  });
  beforeEach(async () => {
    await reset();
    await fake.sparesReady();
    claude.reset();
    fake.resetCounts();
  });

  const spawn = (appType: string, extra: Record<string, unknown> = {}) =>
    vscode.commands.executeCommand<SpawnResult | undefined>('spawnApp.spawn', { appType, prompt: 'a counter with a reset button', generator: 'templates', ...extra });

  /** The pre-warmed entry of an app, once the create answered and its resources are known. */
  async function prewarmedOf(appId: string) {
    const api = await getApi();
    return until(() => api.registry.list().find((e) => e.appId === appId && e.prewarmed && e.cpuCount), 'the pre-warmed sandbox in the registry');
  }

  it('react: pre-warmed while generating, shown as such, counted in the cost; Deploy writes into it and checks health only', async () => {
    const api = await getApi();
    const r = await spawn('react');
    assert.ok(r, `spawned (last error: ${api.testing.reporter.lastError?.message})`);
    const entry = await prewarmedOf(r.appId);
    const [made] = fake.live();
    assert.equal(made!.id, entry.id);
    assert.equal(made!.templateID, 'spawn-app-react');
    assert.equal(made!.metadata.prewarm, 'true');
    assert.equal(made!.metadata.appId, r.appId);
    assert.equal(fake.counts()['POST /files'], undefined, 'nothing of the app is written before the user confirms');
    const node = api.sandboxTree.getChildren().find((n) => api.sandboxTree.getTreeItem(n).id === `sandbox:${entry.id}`);
    assert.ok(node, 'listed in the Sandboxes view');
    assert.match(String(api.sandboxTree.getTreeItem(node).description), /pre-warmed/);
    assert.ok(api.sessionCost.total().sandboxes > 0, 'its seconds count in the session\'s cost');

    fake.resetCounts();
    const started = fake.starts.length;
    const d = await vscode.commands.executeCommand<DeployResult>('spawnApp.deploy', { appId: r.appId, confirm: true });
    assert.ok(d, `deployed (last error: ${api.testing.reporter.lastError?.message})`);
    assert.equal(d.sandboxId, entry.id, 'the pre-warmed sandbox');
    const counts = fake.counts();
    assert.equal(counts['POST /v2/sandboxes'], undefined, JSON.stringify(counts));
    // No install, no start: the one process the deploy runs is the Sandboxes view's count of the app's data folder.
    const commands = fake.starts.slice(started).map((s) => s.cmd);
    assert.ok(commands.every((c) => /find \. -type f -printf/.test(c)), JSON.stringify(commands));
    assert.ok((counts['POST /process.Process/Start'] ?? 0) <= 1, JSON.stringify(counts));
    assert.equal(counts['POST /files'], 1, JSON.stringify(counts));
    assert.equal(fake.live().length, 1);
    assert.match((await fetchText(`${d.url}/src/App.tsx`)).text, /Reset/);
    const after = api.registry.get(d.sandboxId)!;
    assert.equal(after.prewarmed, undefined, 'it is the app\'s sandbox now');
    assert.equal(after.status, 'running');
    assert.ok(after.endAt! - Date.now() > 10 * 60_000, 'its lifetime was extended to the sandbox timeout');
  });

  it('rejected confirmation: the pre-warmed sandbox is killed', async () => {
    const api = await getApi();
    const r = await spawn('webapp');
    assert.ok(r);
    await prewarmedOf(r.appId);
    const seam = api.testing.deployDialogs.answerWith(async () => false);
    try {
      await vscode.commands.executeCommand('spawnApp.deploy', { appId: r.appId });
    } finally {
      seam.dispose();
    }
    await until(() => fake.liveCount === 0, 'the pre-warmed sandbox killed');
    assert.equal(api.registry.list().length, 0);
    assert.equal(api.testing.deploys.prewarmOf(r.appId), undefined);
  });

  it('the local runner chosen: the pre-warmed sandbox is killed and the app runs locally', async () => {
    const api = await getApi();
    const r = await spawn('webapp');
    assert.ok(r);
    await prewarmedOf(r.appId);
    const d = await vscode.commands.executeCommand<DeployResult>('spawnApp.deploy', { appId: r.appId, confirm: true, provider: 'local' });
    assert.ok(d, `deployed (last error: ${api.testing.reporter.lastError?.message})`);
    assert.equal(d.provider, 'local');
    assert.equal(fake.liveCount, 0, 'killed before the local deploy');
    assert.equal(fake.counts()['DELETE /sandboxes/:id'], 1);
  });

  it('timeout: nobody deployed within spawnApp.prewarmMinutes, so it is killed', async () => {
    const api = await getApi();
    await setSetting('prewarmMinutes', 0.05); // 3 s
    try {
      const r = await spawn('webapp');
      assert.ok(r);
      const entry = await prewarmedOf(r.appId);
      await until(() => fake.liveCount === 0 && !api.registry.get(entry.id), 'the idle pre-warm killed', 20_000);
      // A later deploy creates its own sandbox.
      const d = await vscode.commands.executeCommand<DeployResult>('spawnApp.deploy', { appId: r.appId, confirm: true });
      assert.ok(d);
      assert.notEqual(d.sandboxId, entry.id);
    } finally {
      await setSetting('prewarmMinutes', undefined);
    }
  });

  it('generation error: the pre-warmed sandbox is killed', async () => {
    const api = await getApi();
    await vscode.commands.executeCommand('spawnApp.setAnthropicApiKey', { value: 'sk-ant-prewarm-0123456789' });
    claude.enqueue('auth');
    const r = await spawn('webapp', { generator: 'claude' }).then(
      (v) => v,
      () => undefined,
    );
    assert.equal(r, undefined, 'the generation failed');
    assert.equal(fake.counts()['POST /v2/sandboxes'], 1, `a pre-warm was started: ${JSON.stringify(fake.counts())}`);
    await until(() => fake.liveCount === 0, 'the pre-warmed sandbox killed');
    assert.equal(api.registry.list().length, 0);
    assert.equal(api.tree.apps().length, 0, 'no half app');
  });

  it('cancel during generation: the pre-warmed sandbox is killed', async () => {
    const api = await getApi();
    await vscode.commands.executeCommand('spawnApp.setAnthropicApiKey', { value: 'sk-ant-prewarm-0123456789' });
    claude.enqueue('stall');
    const cts = new vscode.CancellationTokenSource();
    const done = spawn('webapp', { generator: 'claude', token: cts.token }).then(
      () => 'finished',
      (err: unknown) => String(err),
    );
    const app = await until(() => api.tree.apps()[0], 'the app being generated');
    await prewarmedOf(app.id);
    cts.cancel();
    await done;
    await until(() => fake.liveCount === 0, 'the pre-warmed sandbox killed');
    assert.equal(api.registry.list().length, 0);
  });
});
