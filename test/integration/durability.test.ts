/**
 * Durability in the real extension host (issue 8): drafts in global storage (saved on change, restored, corrupt
 * records set aside, failed writes reported once and retried, size limits, Delete Draft); the Sandboxes tree
 * reconciled with the providers (E2B sandboxes of this window and of others, a failed listing with a retry, local
 * apps a killed window left running stopped). The window reload and the SIGKILLed extension host themselves are in
 * test/e2e/durability.e2e.ts: a reload ends this test run.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import * as vscode from 'vscode';
import { AppTree } from '../../src/core/workspace/appTree';
import { decodeText } from '../../src/core/workspace/treeText';
import type { DraftRecord } from '../../src/core/workspace/draft';
import { nullLogger } from '../../src/core/base/events';
import { e2bProviderFromConfig } from '../../src/core/sandbox/e2b/provider';
import { processStartTime } from '../../src/core/sandbox/local/processes';
import type { SetAside } from '../../src/core/base/store';
import { entryCost } from '../../src/vscode/cost/sessionCost';
import type { DraftNotices } from '../../src/vscode/fs/appPersistence';
import { AppPersistence } from '../../src/vscode/fs/appPersistence';
import type { FakeE2B } from '../fakes/fakeE2B';
import { answers, appUri, getApi, readText, reset, setSetting, spawnCalculator, useFakeE2B, until, writeText } from './helpers';

function readRecord(dir: string, appId: string): DraftRecord | undefined {
  try {
    return JSON.parse(readFileSync(path.join(dir, `${appId}.json`), 'utf8')) as DraftRecord;
  } catch {
    return undefined;
  }
}

function fileOf(record: DraftRecord | undefined, rel: string): string | undefined {
  return record?.files.find((f) => f.path === rel)?.content;
}

class RecordingNotices implements DraftNotices {
  readonly events: string[] = [];
  saveFailed(err: Error, appName: string): void {
    this.events.push(`failed ${appName}: ${err.message}`);
  }
  saveRecovered(): void {
    this.events.push('recovered');
  }
  setAside(items: readonly SetAside[]): void {
    this.events.push(`set aside ${items.length}`);
  }
  loadFailed(err: Error): void {
    this.events.push(`load failed: ${err.message}`);
  }
}

describe('durability: drafts and sandboxes survive reloads, crashes and full disks', () => {
  const temps: string[] = [];
  const temp = () => {
    const d = mkdtempSync(path.join(os.tmpdir(), 'spawn-drafts-'));
    temps.push(d);
    return d;
  };
  before(reset);
  after(async () => {
    await reset();
    for (const d of temps) rmSync(d, { recursive: true, force: true });
  });

  it('writes every app to global storage shortly after each change: files, findings, deploy history', async () => {
    const api = await getApi();
    const dir = api.testing.drafts.dir;
    assert.ok(dir.includes('globalStorage'), `drafts live in global storage (${dir})`);
    const r = await spawnCalculator();
    assert.ok(r);
    const saved = await until(() => readRecord(dir, r.appId), 'the new draft on disk');
    assert.equal(saved.name, 'calculator');
    assert.ok(fileOf(saved, 'spawn-app.json'), 'the manifest (the spec) is saved with the files');
    assert.deepEqual(saved.findings?.extra, []);
    assert.ok(Array.isArray(saved.findings?.shown));

    const uri = appUri(r.appName, 'index.html');
    await writeText(uri, (await readText(uri)).replace('<h1>Calculator</h1>', '<h1>Durable Calculator</h1>'));
    await until(() => fileOf(readRecord(dir, r.appId), 'index.html')?.includes('Durable Calculator'), 'the edit on disk');

    const d = await vscode.commands.executeCommand<{ sandboxId: string; url: string }>('spawnApp.deploy', { appId: r.appId, confirm: true });
    assert.ok(d?.url);
    const running = await until(() => readRecord(dir, r.appId)?.deploys?.find((e) => e.outcome === 'running'), 'the deploy in the history');
    assert.deepEqual([running.provider, running.sandboxId, running.url], ['local', d.sandboxId, d.url]);
    await vscode.commands.executeCommand('spawnApp.sandbox.destroy', { sandboxId: d.sandboxId, confirm: true });
    await until(() => readRecord(dir, r.appId)?.deploys?.some((e) => e.outcome === 'removed'), 'the removal in the history');
    assert.deepEqual(api.testing.history.of(r.appId).map((e) => e.outcome), ['running', 'removed']);

    // What a new extension host would restore from that folder (sections it does not know are kept as they are).
    const folder = path.dirname(dir);
    const tree = new AppTree();
    const again = new AppPersistence(tree, folder, nullLogger);
    try {
      assert.ok(again.load() >= 1);
      const app = tree.app(r.appId)!;
      assert.equal(app.name, 'calculator');
      assert.match(decodeText(tree.readFile('/calculator/index.html')), /Durable Calculator/);
      assert.equal(again.recordOf(app).deploys?.length, 2, 'the history is kept by a build that does not know it');
    } finally {
      again.dispose();
    }
  });

  it('sets a corrupt or foreign record aside with one message and restores the rest', () => {
    const folder = temp();
    const tree = new AppTree();
    const good = tree.createApp({ nameHint: 'good app' });
    tree.putFile(good, 'index.html', 'kept');
    mkdirSync(path.join(folder, 'apps'));
    writeFileSync(path.join(folder, 'apps', `${good.id}.json`), JSON.stringify({ ...tree.serializeApp(good), versions: [{ v: 1 }] }));
    writeFileSync(path.join(folder, 'apps', 'truncated.json'), '{"id": "truncated", "name": "half", "files": [');
    writeFileSync(path.join(folder, 'apps', 'foreign.json'), JSON.stringify({ hello: 'world' }));

    const notices = new RecordingNotices();
    const restored = new AppTree();
    const p = new AppPersistence(restored, folder, nullLogger, { notices });
    try {
      assert.equal(p.load(), 1);
      assert.deepEqual(notices.events, ['set aside 2'], 'one message for both');
      assert.equal(decodeText(restored.readFile('/good-app/index.html')), 'kept');
      const names = readdirSync(path.join(folder, 'apps')).sort();
      assert.equal(names.length, 3);
      assert.ok(names.some((n) => /^truncated\.json\.corrupt-\d+$/.test(n)) && names.some((n) => /^foreign\.json\.corrupt-\d+$/.test(n)), names.join());
      assert.deepEqual(p.recordOf(restored.app(good.id)!).versions, [{ v: 1 }], 'an unknown section (versions) is kept');
    } finally {
      p.dispose();
    }
  });

  it('a draft that cannot be written (full or read-only disk, too large) is reported once, kept in memory and retried', async () => {
    const folder = temp();
    // A file where the drafts folder should be fails every write, for root too (which ignores permissions).
    writeFileSync(path.join(folder, 'apps'), 'in the way');
    const notices = new RecordingNotices();
    const tree = new AppTree();
    const p = new AppPersistence(tree, folder, nullLogger, { notices, delayMs: 10, retryMs: 50, maxDraftBytes: 4000 });
    try {
      const app = tree.createApp({ nameHint: 'notes' });
      tree.putFile(app, 'a.txt', 'one');
      await until(() => notices.events.length > 0, 'the failure');
      tree.putFile(app, 'a.txt', 'two');
      const failed = p.failedWrites();
      await until(() => p.failedWrites() >= failed + 2, 'the edit and a retry to fail too');
      assert.equal(notices.events.length, 1, `reported once, not on every retry or edit: ${notices.events.join(' | ')}`);
      assert.match(notices.events[0]!, /^failed notes: /);
      assert.equal(decodeText(tree.readFile('/notes/a.txt')), 'two', 'the edit is kept');
      assert.ok(p.hasPendingWrites());

      rmSync(path.join(folder, 'apps'));
      await until(() => notices.events.includes('recovered'), 'the retry to succeed');
      assert.equal(fileOf(readRecord(path.join(folder, 'apps'), app.id), 'a.txt'), 'two');

      tree.putFile(app, 'big.txt', 'x'.repeat(5000));
      await until(() => notices.events.length === 3, 'the size limit');
      assert.match(notices.events[2]!, /larger than/);
      assert.equal(fileOf(readRecord(path.join(folder, 'apps'), app.id), 'a.txt'), 'two', 'the last good draft stays on disk');
    } finally {
      p.dispose();
    }
  });

  it('Delete Draft (from the Apps view item) asks, destroys the sandbox and removes the draft from storage at once', async () => {
    const api = await getApi();
    const r = await spawnCalculator({ deploy: true, confirm: true });
    assert.ok(r?.url);
    const dir = api.testing.drafts.dir;
    await until(() => readRecord(dir, r.appId), 'the draft on disk');
    const node = api.appsTree.getChildren().find((n) => n.uri.path === `/${r.appName}`)!;
    assert.equal(api.appsTree.getTreeItem(node).contextValue, 'app', 'the item Delete Draft is offered on');
    assert.equal(await vscode.commands.executeCommand('spawnApp.deleteDraft', node, { confirm: true }), true);
    assert.equal(api.tree.app(r.appId), undefined);
    assert.equal(existsSync(path.join(dir, `${r.appId}.json`)), false, 'gone from storage without waiting for the debounce');
    assert.equal(api.registry.list().length, 0);
    assert.equal(await answers(r.url), false, 'its app stopped');
  });

  it('stops local apps that a killed window left running, and leaves those of a live window alone', async () => {
    const api = await getApi();
    const root = api.testing.localRoot;
    const port = await new Promise<number>((resolve) => {
      const s = net.createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as net.AddressInfo).port;
        s.close(() => resolve(p));
      });
    });
    // What a window killed with SIGKILL leaves: the record, and the app's process group still serving.
    const dead = Number(spawnSync('/bin/sh', ['-c', 'echo $$']).stdout.toString().trim());
    const write = (id: string, owner: number, pid: number) => {
      mkdirSync(path.join(root, id, 'app'), { recursive: true });
      const record = {
        id, appName: `app-of-${id}`, appType: 'webapp', startedAt: Date.now(), port,
        owner: { pid: owner, startTime: processStartTime(owner) ?? '1', cmd: 'extension host' },
        processes: [{ pid, startTime: processStartTime(pid), cmd: 'node s.js' }],
        metadata: { createdBy: 'spawn-app', client: 'vscode', appName: `app-of-${id}` },
      };
      writeFileSync(path.join(root, id, 'sandbox.json'), JSON.stringify(record));
    };
    const server = spawn(process.execPath, ['-e', `require('http').createServer((q,s)=>s.end('orphan')).listen(${port}, '127.0.0.1')`], { detached: true, stdio: 'ignore' });
    const live = spawn('sleep', ['60'], { detached: true, stdio: 'ignore' });
    try {
      await until(() => answers(`http://127.0.0.1:${port}`), 'the orphan to serve');
      write('local-orphan1', dead, server.pid!);
      write('local-otherwin', process.ppid, live.pid!); // its owner (a live process) is another window
      const stopped = new Promise<string[]>((resolve) => {
        const sub = api.discovery.onDidStopOrphans((list) => {
          sub.dispose();
          resolve(list.map((o) => o.appName));
        });
      });
      await vscode.commands.executeCommand('spawnApp.refreshSandboxes');
      assert.deepEqual(await stopped, ['app-of-local-orphan1']);
      assert.equal(await answers(`http://127.0.0.1:${port}`), false, 'the orphan is stopped');
      assert.equal(existsSync(path.join(root, 'local-orphan1')), false);
      assert.equal(api.registry.get('local-orphan1'), undefined);
      assert.equal(api.registry.get('local-otherwin'), undefined, "another window's app is that window's business");
      assert.ok(existsSync(path.join(root, 'local-otherwin')));
      assert.equal(spawnSync('kill', ['-0', String(live.pid)]).status, 0, 'and keeps running');
    } finally {
      for (const p of [server.pid!, live.pid!]) {
        try {
          process.kill(-p, 'SIGKILL');
        } catch {
          // gone
        }
      }
      rmSync(path.join(root, 'local-otherwin'), { recursive: true, force: true });
    }
  });

  describe('with the fake E2B', () => {
    let fake: FakeE2B;
    const key = 'e2b_durability_0123456789';

    let stop: () => Promise<void>;

    before(async () => {
      ({ fake, stop } = await useFakeE2B(key));
    });
    after(() => stop());

    it("reconciles: this window's sandboxes at the top, other windows' and machines' in their own group, destroyable", async () => {
      const api = await getApi();
      const mine = await spawnCalculator({ deploy: true, confirm: true });
      assert.ok(mine?.sandboxId);
      // Another window (another session) started one too.
      const other = e2bProviderFromConfig({ e2bApiKey: key, e2bApiUrl: fake.url, e2bSandboxUrl: fake.url, e2bDomain: fake.domain, sessionId: 'another-window' });
      const theirs = await other.create({ appName: 'elsewhere', appType: 'webapp', metadata: { client: 'vscode', appName: 'elsewhere' } });
      // As after a reload: this window forgets its own sandbox; listing brings both back.
      api.registry.remove(mine.sandboxId);
      await vscode.commands.executeCommand('spawnApp.refreshSandboxes');
      const roots = api.sandboxTree.getChildren();
      assert.deepEqual(roots.map((n) => n.kind), ['sandbox', 'group']);
      const top = api.sandboxTree.getTreeItem(roots[0]!);
      assert.equal(top.label, 'calculator');
      const details = api.sandboxTree.getChildren(roots[0]).map((d) => api.sandboxTree.getTreeItem(d));
      assert.match(String(details.find((d) => d.contextValue === 'sandboxDetail:time')!.label), /^1[45]:\d\d left$/, 'time left');
      assert.match(String(details.find((d) => d.contextValue === 'sandboxDetail:cost')!.label), /so far$/, 'and cost');
      const group = api.sandboxTree.getTreeItem(roots[1]!);
      assert.equal(group.label, 'Other windows and machines');
      const inGroup = api.sandboxTree.getChildren(roots[1]);
      assert.deepEqual(inGroup.map((n) => n.id), [theirs.id]);
      assert.equal(api.sandboxTree.getParent(inGroup[0]!), roots[1]);
      assert.equal(api.sandboxTree.getTreeItem(inGroup[0]!).contextValue, 'sandbox:running:e2b', 'the same actions (Destroy) as any sandbox');
      const theirEntry = api.registry.get(theirs.id)!;
      assert.equal(theirEntry.origin, 'other');
      assert.equal(api.registry.get(mine.sandboxId)?.origin, 'reloaded');
      // An hour from now their sandbox has cost something; none of it is this window's spend (this window's is).
      const later = Date.now() + 3_600_000;
      assert.ok(entryCost(theirEntry, later)! > 0.01);
      const spend = api.sessionCost.total(later);
      assert.ok(spend.sandboxes >= entryCost(api.registry.get(mine.sandboxId)!, later)!, 'this window’s sandbox counts');

      assert.equal(await vscode.commands.executeCommand('spawnApp.sandbox.destroy', inGroup[0], { confirm: true }), true);
      assert.ok(Math.abs(api.sessionCost.total(later).usd - spend.usd) < 1e-9, 'destroying theirs adds nothing to this window’s spend');
      assert.deepEqual(fake.live().map((s) => s.id), [mine.sandboxId]);
      assert.deepEqual(api.sandboxTree.getChildren().map((n) => n.kind), ['sandbox'], 'the group goes with its last sandbox');

      // A sandbox that ended elsewhere (timed out, destroyed by another window) leaves the tree on the next listing.
      await fake.expire(mine.sandboxId);
      await vscode.commands.executeCommand('spawnApp.refreshSandboxes');
      assert.equal(api.registry.get(mine.sandboxId), undefined);
    });

    it('a listing that fails (401, offline) leaves the tree usable, with an error item that retries', async () => {
      const api = await getApi();
      const local = await spawnCalculator({ deploy: true, confirm: true, provider: 'local' });
      assert.ok(local?.sandboxId);
      fake.failAuth();
      await vscode.commands.executeCommand('spawnApp.refreshSandboxes');
      let roots = api.sandboxTree.getChildren();
      assert.deepEqual(roots.map((n) => n.kind), ['listError', 'sandbox'], 'the local sandbox is still there');
      const err = api.sandboxTree.getTreeItem(roots[0]!);
      assert.equal(err.label, 'Could not list E2B sandboxes');
      assert.equal(err.contextValue, 'sandboxListError:auth', 'offers Set E2B API Key');
      assert.equal(err.command?.command, 'spawnApp.refreshSandboxes', 'a click retries');
      assert.match(String(err.tooltip), /401/);

      fake.clearFaults();
      await vscode.commands.executeCommand(err.command.command);
      roots = api.sandboxTree.getChildren();
      assert.deepEqual(roots.map((n) => n.kind), ['sandbox'], 'the retry clears it');

      await setSetting('e2bApiUrl', 'http://127.0.0.1:9'); // nothing listens there: offline
      await vscode.commands.executeCommand('spawnApp.refreshSandboxes');
      const offline = api.sandboxTree.getTreeItem(api.sandboxTree.getChildren()[0]!);
      assert.equal(offline.contextValue, 'sandboxListError');
      assert.match(String(offline.tooltip), /Could not reach E2B/);
      await setSetting('e2bApiUrl', fake.url);
      await vscode.commands.executeCommand('spawnApp.refreshSandboxes');
      assert.equal(api.discovery.listErrors().length, 0);
    });
  });
});
