import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { FakeE2B } from '../fakes/fakeE2B';
import type { DeployResult, SpawnResult } from './helpers';
import { appUri, fetchText, getApi, readText, reset, spawnCalculator, useFakeE2B, writeText } from './helpers';

describe('deploying to E2B (the fake E2B on loopback, driven by the real SDK)', () => {
  let fake: FakeE2B;
  const key = 'e2b_integration_0123456789';

  let stop: () => Promise<void>;

  before(async () => {
    ({ fake, stop } = await useFakeE2B(key));
  });
  after(() => stop());

  let spawned: SpawnResult;
  let first: DeployResult;

  // Each test starts from its own freshly deployed calculator (none relies on another's leftovers).
  beforeEach(async () => {
    await reset();
    const r = await spawnCalculator({ deploy: true, confirm: true });
    assert.ok(r?.url, `spawn + deploy returned (last error: ${(await getApi()).testing.reporter.lastError?.message})`);
    spawned = r;
    first = { sandboxId: r.sandboxId!, url: r.url, provider: 'e2b', redeployed: false };
  });

  it('auto deploys to E2B once a key is set; the tree shows time left and cost', async () => {
    const api = await getApi();
    const r = spawned;
    assert.ok(r.url);
    assert.match(r.url, new RegExp(`^http://3000-${r.sandboxId}\\.localhost:${fake.port}$`));
    assert.match((await fetchText(r.url)).text, /<h1>Calculator<\/h1>/);
    const live = fake.live();
    assert.equal(live.length, 1);
    assert.equal(live[0]!.metadata.client, 'vscode');
    assert.equal(live[0]!.metadata.appId, r.appId);

    const node = api.sandboxTree.getChildren()[0]!;
    assert.equal(api.sandboxTree.getTreeItem(node).contextValue, 'sandbox:running:e2b');
    const details = api.sandboxTree.getChildren(node).map((d) => api.sandboxTree.getTreeItem(d));
    assert.match(String(details.find((d) => d.contextValue === 'sandboxDetail:time')!.label), /^1[45]:\d\d left$/);
    assert.match(String(details.find((d) => d.contextValue === 'sandboxDetail:cost')!.description), /2 vCPU, 512 MB/);
  });

  it('extends the timeout', async () => {
    const api = await getApi();
    const before = api.registry.get(first.sandboxId)!.endAt!;
    const endAt = await vscode.commands.executeCommand<number>('spawnApp.sandbox.extendTimeout', { sandboxId: first.sandboxId, minutes: 60 });
    const entry = api.registry.get(first.sandboxId)!;
    assert.equal(endAt, entry.endAt, 'the command resolves with the new end');
    assert.ok(entry.endAt! > before + 40 * 60_000, 'about an hour left now');
    assert.ok(Math.abs(fake.live()[0]!.endAt - entry.endAt!) < 5000, 'E2B agrees');
  });

  it('redeploys an edit into the same E2B sandbox', async () => {
    const uri = appUri(spawned.appName, 'index.html');
    await writeText(uri, (await readText(uri)).replace('<h1>Calculator</h1>', '<h1>Cloud Calculator</h1>'));
    const r = await vscode.commands.executeCommand<DeployResult>('spawnApp.deploy', { appId: spawned.appId, confirm: true });
    assert.ok(r);
    assert.equal(r.sandboxId, first.sandboxId);
    assert.equal(r.redeployed, true);
    assert.match((await fetchText(r.url)).text, /Cloud Calculator/);
    assert.equal(fake.live().length, 1);
  });

  it('finds a sandbox that outlived the window (by its metadata), deploys into it again, and destroys it', async () => {
    const api = await getApi();
    // As after a window reload: this window forgets the sandbox, E2B keeps it.
    api.registry.remove(first.sandboxId);
    assert.equal(api.registry.list().length, 0);
    await vscode.commands.executeCommand('spawnApp.refreshSandboxes');
    const found = api.registry.get(first.sandboxId);
    assert.ok(found, 'listed again');
    assert.equal(found.origin, 'reloaded', 'this window’s own, listed again');
    assert.equal(found.appId, spawned.appId, 'linked to its app');
    assert.equal(found.status, 'running');
    // Deploying the app again takes that sandbox over (the old app stopped, the edit started) instead of a second one.
    const uri = appUri(spawned.appName, 'index.html');
    await writeText(uri, (await readText(uri)).replace('<h1>Calculator</h1>', '<h1>Adopted Calculator</h1>'));
    const again = await vscode.commands.executeCommand<DeployResult>('spawnApp.deploy', { appId: spawned.appId, confirm: true });
    assert.ok(again, `deployed (last error: ${api.testing.reporter.lastError?.message})`);
    assert.equal(again.sandboxId, first.sandboxId, 'the same sandbox');
    assert.match((await fetchText(again.url)).text, /Adopted Calculator/);
    assert.equal(fake.live().length, 1, 'no second sandbox');
    assert.equal(await vscode.commands.executeCommand('spawnApp.sandbox.destroy', { sandboxId: first.sandboxId, confirm: true }), true);
    assert.equal(fake.live().length, 0);
    assert.equal(api.registry.list().length, 0);
  });
});
