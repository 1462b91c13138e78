import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as vscode from 'vscode';
import { getApi, reset, spawnCalculator, until } from './helpers';

/** Local sandbox folders that exist now. */
function sandboxDirs(root: string): string[] {
  try {
    return readdirSync(root).filter((n) => n.startsWith('local-'));
  } catch {
    return [];
  }
}

/** Processes whose command line contains `marker`. */
function processesWith(marker: string): number[] {
  const out: number[] = [];
  for (const pid of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(marker)) out.push(Number(pid));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

describe('cancelling a spawn', () => {
  let tmp: string;
  before(async () => {
    await reset();
    tmp = mkdtempSync(path.join(os.tmpdir(), 'spawn-cancel-'));
  });
  after(async () => {
    await reset();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('before generation: no app, no sandbox, no error shown', async () => {
    const api = await getApi();
    const cts = new vscode.CancellationTokenSource();
    cts.cancel();
    const r = await spawnCalculator({ deploy: true, confirm: true, token: cts.token });
    assert.equal(r, undefined);
    assert.deepEqual(api.tree.apps(), []);
    assert.deepEqual(api.registry.list(), []);
    assert.equal(api.testing.reporter.lastError, undefined, 'a cancel is silent');
  });

  it('right after the sandbox was created: it is destroyed and nothing runs', async () => {
    const api = await getApi();
    const cts = new vscode.CancellationTokenSource();
    let seen: string | undefined;
    const sub = api.registry.onDidChange(() => {
      const e = api.registry.list().find((x) => x.status === 'starting');
      if (e && !seen) {
        seen = e.id;
        cts.cancel();
      }
    });
    try {
      const r = await spawnCalculator({ deploy: true, confirm: true, token: cts.token });
      assert.equal(r, undefined);
    } finally {
      sub.dispose();
    }
    assert.ok(seen, 'a sandbox was created before the cancel');
    assert.deepEqual(api.registry.list(), []);
    assert.deepEqual(sandboxDirs(api.testing.localRoot), []);
    assert.equal(api.testing.reporter.lastError, undefined);
    assert.equal(api.previews.get(api.tree.apps()[0]!.id), undefined, 'no preview left for a cancelled deploy');
  });

  it('while waiting for an app that never answers: its process is killed', async () => {
    const api = await getApi();
    const marker = `spawn-cancel-marker-${process.pid}-${Date.now()}`;
    const dir = path.join(tmp, 'slow');
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'spawn-app.json'), JSON.stringify({ appType: 'webapp', title: 'Slow', startCommand: `exec -a ${marker} sleep 60`, dependencies: [], port: 3000, generator: 'templates' }));
    writeFileSync(path.join(dir, 'index.html'), '<p>never served</p>');
    const opened = await vscode.commands.executeCommand<{ appId: string }>('spawnApp.openFromFolder', { folder: dir });
    assert.ok(opened);
    const cts = new vscode.CancellationTokenSource();
    const deploying = vscode.commands.executeCommand('spawnApp.deploy', { appId: opened.appId, confirm: true, token: cts.token });
    await until(() => api.registry.forApp(opened.appId)?.phase === 'Waiting for the app to answer…', 'the health check to start');
    await until(() => processesWith(marker).length > 0, 'the app process to run');
    cts.cancel();
    assert.equal(await deploying, undefined);
    await until(() => processesWith(marker).length === 0, 'the app process to be killed', 30_000).catch((err: unknown) => {
      const lines = processesWith(marker).map((pid) => {
        const st = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').filter((l) => /^(Name|State|PPid|Uid)/.test(l)).join(' ');
        return `${pid}: ${st} :: ${readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').slice(0, 300)}`;
      });
      console.log('still running after the cancel:\n' + lines.join('\n') + '\nregistry: ' + JSON.stringify(api.registry.list().map((e) => [e.id, e.status, e.phase])));
      throw err;
    });
    assert.deepEqual(api.registry.list(), []);
    assert.deepEqual(sandboxDirs(api.testing.localRoot), []);
  });
});
