/**
 * Pause instead of kill and terminals (issue 15, parts 1 and 4), in a real VS Code: the fake E2B pauses a sandbox at
 * its (short) timeout and auto-resumes it on a request to its URL; Pause, Resume with a timeout, Share App…, a
 * discovery re-run standing in for a window reload (the e2e durability suite does real reloads), the preview and a
 * deploy resuming a paused sandbox; and Open Terminal typing `echo $PWD` into the Pseudoterminal, for the local
 * runner and the fake E2B's PTY.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import * as vscode from 'vscode';
import type { FakeE2B } from '../fakes/fakeE2B';
import type { SandboxTerminal } from '../../src/vscode/sandboxes/sandboxTerminals';
import type { SpawnResult } from './helpers';
import { fetchText, getApi, reset, spawnCalculator, until } from './helpers';
import { useFakeE2B } from './helpers';
import { entryCost } from '../../src/vscode/cost/sessionCost';

async function contextOf(id: string): Promise<string | undefined> {
  const api = await getApi();
  const node = api.sandboxTree.getChildren().find((n) => String(api.sandboxTree.getTreeItem(n).id) === `sandbox:${id}`);
  return node && api.sandboxTree.getTreeItem(node).contextValue;
}

/** Types `echo $PWD` into the terminal (through the Pseudoterminal's input) and returns what the shell printed. */
async function echoPwd(t: SandboxTerminal): Promise<string> {
  t.terminal.sendText('echo "PWD=[$PWD]"', true);
  const m = await until(() => /PWD=\[([^\]\r\n$]+)\]/.exec(t.output()), `the terminal to print $PWD (so far: ${JSON.stringify(t.output().slice(-300))})`);
  return m[1]!;
}

describe('the local runner\'s terminal', function () {
  this.timeout(120_000);
  before(() => reset());
  after(() => reset());

  it('Open Terminal: a shell in the app folder; closing it leaves the app; Destroy closes its terminals', async () => {
    const api = await getApi();
    const r = await spawnCalculator({ deploy: true, confirm: true });
    assert.ok(r?.sandboxId && r.url, `deployed locally (last error: ${api.testing.reporter.lastError?.message})`);
    assert.equal(api.registry.get(r.sandboxId)?.provider, 'local');
    const t = await vscode.commands.executeCommand<SandboxTerminal>('spawnApp.sandbox.openTerminal', { sandboxId: r.sandboxId });
    assert.equal(await echoPwd(t), path.join(api.testing.localRoot, r.sandboxId, 'app'));
    t.terminal.dispose();
    await t.closed;
    assert.equal((await fetchText(r.url)).status, 200, 'the app still runs after its terminal closed');
    const second = await vscode.commands.executeCommand<SandboxTerminal>('spawnApp.sandbox.openTerminal', { sandboxId: r.sandboxId });
    await echoPwd(second);
    await vscode.commands.executeCommand('spawnApp.sandbox.destroy', { sandboxId: r.sandboxId, confirm: true });
    await second.closed;
    assert.equal(api.terminals.list(r.sandboxId).length, 0);
  });
});

describe('E2B: pause instead of kill, and its terminal (the fake E2B)', function () {
  this.timeout(120_000);
  let fake: FakeE2B;
  let stop: () => Promise<void>;
  let r: SpawnResult & { sandboxId: string; url: string };

  before(async () => {
    ({ fake, stop } = await useFakeE2B('e2b_lifecycle_0123456789'));
  });
  after(() => stop());
  beforeEach(async () => {
    await reset();
    const spawned = await spawnCalculator({ deploy: true, confirm: true });
    assert.ok(spawned?.sandboxId && spawned.url, `deployed to E2B (last error: ${(await getApi()).testing.reporter.lastError?.message})`);
    r = spawned as typeof r;
  });

  it('created with the pause lifecycle; at its (short) timeout it shows paused; a request to its URL resumes it', async () => {
    const sb = fake.live().find((s) => s.id === r.sandboxId)!;
    assert.equal(sb.autoPause, true);
    assert.equal(sb.autoResume, true);
    assert.equal(await contextOf(r.sandboxId), 'sandbox:running:e2b');
    // Idle means no traffic: an open preview's frame is a visitor whose requests would wake it (auto-resume).
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    // A short timeout: 3 s from now. E2B (the fake) pauses it then, and the tree learns it at its end.
    await vscode.commands.executeCommand('spawnApp.sandbox.extendTimeout', { sandboxId: r.sandboxId, minutes: 0.05 });
    await until(async () => (await contextOf(r.sandboxId)) === 'sandbox:paused:e2b', 'the tree to show it paused');
    assert.deepEqual(fake.pauses.filter((p) => p.sandboxId === r.sandboxId).map((p) => p.by), ['timeout']);
    const res = await fetchText(r.url);
    assert.equal(res.status, 200, 'auto-resumed by the request');
    assert.match(res.text, /Calculator/);
    assert.ok(fake.resumes.some((x) => x.sandboxId === r.sandboxId && x.by === 'traffic'));
    await vscode.commands.executeCommand('spawnApp.refreshSandboxes');
    await until(async () => (await contextOf(r.sandboxId)) === 'sandbox:running:e2b', 'the tree to show it running again');
  });

  it('Pause, then Resume with an explicit timeout; Share App… says how long the URL stays reachable', async () => {
    const api = await getApi();
    assert.equal(await vscode.commands.executeCommand('spawnApp.sandbox.pause', { sandboxId: r.sandboxId }), 'paused');
    assert.equal(await contextOf(r.sandboxId), 'sandbox:paused:e2b');
    assert.equal(fake.live().find((s) => s.id === r.sandboxId)?.state, 'paused');
    const shared = await vscode.commands.executeCommand<{ url: string; until: string }>('spawnApp.sandbox.share', { sandboxId: r.sandboxId });
    assert.equal(await vscode.env.clipboard.readText(), shared.url);
    assert.match(shared.until, /wakes when the URL is opened, until the sandbox's lifetime cap \(E2B caps .*1 hour on the Hobby plan and 24 hours on Pro/);
    assert.equal(await vscode.commands.executeCommand('spawnApp.sandbox.resume', { sandboxId: r.sandboxId, minutes: 7 }), 'running');
    assert.deepEqual(fake.resumes.at(-1), { sandboxId: r.sandboxId, by: 'connect', timeoutS: 420 });
    assert.ok(Math.abs(api.registry.get(r.sandboxId)!.endAt! - fake.live().find((s) => s.id === r.sandboxId)!.endAt) < 5000, 'E2B agrees on the end');
  });

  it('a resume that fails says so in a sentence and offers Retry', async () => {
    const api = await getApi();
    await vscode.commands.executeCommand('spawnApp.sandbox.pause', { sandboxId: r.sandboxId });
    fake.failAuth(1);
    await vscode.commands.executeCommand('spawnApp.sandbox.resume', { sandboxId: r.sandboxId });
    const err = api.testing.reporter.lastError;
    assert.equal(err?.command, 'spawnApp.sandbox.resume');
    assert.equal(err?.actions[0], 'Retry');
    assert.doesNotMatch(err!.message, /\n\s+at /, 'no stack trace');
    assert.equal(await contextOf(r.sandboxId), 'sandbox:paused:e2b', 'still paused');
  });

  it('after a reload (discovery re-run) the paused sandbox is listed; opening its preview resumes it with the timeout', async () => {
    const api = await getApi();
    await vscode.commands.executeCommand('spawnApp.sandbox.pause', { sandboxId: r.sandboxId });
    api.registry.remove(r.sandboxId); // what a new window knows: nothing
    await api.discovery.discover();
    const found = api.registry.get(r.sandboxId);
    assert.equal(found?.origin, 'reloaded');
    assert.equal(found?.status, 'paused');
    await vscode.commands.executeCommand('spawnApp.sandbox.openPreview', { sandboxId: r.sandboxId });
    await until(() => api.registry.get(r.sandboxId)?.status === 'running', 'the preview to resume it');
    assert.deepEqual(fake.resumes.at(-1), { sandboxId: r.sandboxId, by: 'connect', timeoutS: 900 });
  });

  it('deploying to a paused sandbox resumes it (with the timeout) and redeploys into it', async () => {
    const api = await getApi();
    await vscode.commands.executeCommand('spawnApp.sandbox.pause', { sandboxId: r.sandboxId });
    const again = await vscode.commands.executeCommand<{ sandboxId: string }>('spawnApp.deploy', { appId: r.appId, confirm: true });
    assert.equal(again?.sandboxId, r.sandboxId, `the same sandbox (last error: ${api.testing.reporter.lastError?.message})`);
    assert.deepEqual(fake.resumes.at(-1), { sandboxId: r.sandboxId, by: 'connect', timeoutS: 900 });
    assert.equal(api.registry.get(r.sandboxId)?.status, 'running');
    assert.equal((await fetchText(r.url)).status, 200);
  });

  it('a paused sandbox found after a reload and taken over by a deploy is billed again while it runs (the meter charges it, the cap can pause it)', async () => {
    const api = await getApi();
    await vscode.commands.executeCommand('spawnApp.sandbox.pause', { sandboxId: r.sandboxId });
    api.registry.remove(r.sandboxId); // what a new window knows: nothing
    await api.discovery.discover();
    assert.equal(api.registry.get(r.sandboxId)?.status, 'paused');
    const again = await vscode.commands.executeCommand<{ sandboxId: string }>('spawnApp.deploy', { appId: r.appId, confirm: true });
    assert.equal(again?.sandboxId, r.sandboxId, `taken over (last error: ${api.testing.reporter.lastError?.message})`);
    const e = api.registry.get(r.sandboxId)!;
    assert.equal(e.status, 'running');
    const now = Date.now();
    const cost = (at: number) => entryCost(e, at) ?? Number.NaN;
    assert.ok(cost(now + 60_000) > cost(now), `its running minutes cost nothing (pausedSince ${e.pausedSince}, status ${e.status})`);
  });

  it('a new E2B sandbox is charged at its price: its resources (missing from the create answer) are waited for, not counted as an unknown price', async () => {
    const api = await getApi();
    const unknownBefore = api.testing.spendingCap.budget().today().unknown;
    await vscode.commands.executeCommand('spawnApp.sandbox.destroy', { sandboxId: r.sandboxId, confirm: true });
    const again = await vscode.commands.executeCommand<{ sandboxId: string }>('spawnApp.deploy', { appId: r.appId, confirm: true });
    assert.ok(again && again.sandboxId !== r.sandboxId, `a new sandbox (last error: ${api.testing.reporter.lastError?.message})`);
    await until(() => api.registry.get(again.sandboxId)?.memoryMB !== undefined, 'its resources to be listed');
    await api.testing.spendingCap.sync();
    assert.equal(api.testing.spendingCap.budget().today().unknown, unknownBefore, `today's spend says "+ unknown" for a sandbox whose price is known: ${api.testing.spendingCap.describe()}`);
  });

  it('Open Terminal: a shell on the fake envd\'s PTY in the app folder, resized with the terminal; Destroy closes it', async () => {
    const api = await getApi();
    const t = await vscode.commands.executeCommand<SandboxTerminal>('spawnApp.sandbox.openTerminal', { sandboxId: r.sandboxId });
    const dir = fake.live().find((s) => s.id === r.sandboxId)!.dir;
    assert.equal(await echoPwd(t), path.join(dir, 'home/user/app'));
    const pty = fake.ptys.find((p) => p.sandboxId === r.sandboxId)!;
    assert.equal(pty.cwd, '/home/user/app');
    assert.ok(pty.cols > 0 && pty.rows > 0, 'opened with the terminal\'s size');
    // Resized with the terminal: a maximized panel has more rows.
    t.terminal.show();
    await vscode.commands.executeCommand('workbench.action.toggleMaximizedPanel');
    const resized = await until(() => fake.resizes.find((x) => x.sandboxId === r.sandboxId), 'the PTY to be resized with the terminal');
    assert.equal(resized.pid, pty.pid);
    await vscode.commands.executeCommand('workbench.action.toggleMaximizedPanel');
    await vscode.commands.executeCommand('spawnApp.sandbox.destroy', { sandboxId: r.sandboxId, confirm: true });
    await t.closed;
    assert.equal(api.terminals.list(r.sandboxId).length, 0);
  });
});
