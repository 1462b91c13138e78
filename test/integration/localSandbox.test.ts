/**
 * The local sandbox through the extension, from the attacker's side: a hostile app folder opened with Open App
 * from Folder and deployed to the local runner; what it saw, what it could do, and what is left after Destroy.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as vscode from 'vscode';
import { detectSandbox } from '../../src/core/sandbox/bwrap';
import { FAKE_SECRETS, FAKE_SSH_KEY, hostileServer, hostListeners, processesWith, untilProcesses } from '../helpers/hostile';
import { answers, fetchText, getApi, reset } from './helpers';

describe('the local sandbox (a hostile app deployed through the extension)', function () {
  this.timeout(120_000);
  let tmp: string;
  let marker: string;
  let outside: string[];
  const saved: Record<string, string | undefined> = {};

  before(async function () {
    if (process.platform !== 'linux') this.skip();
    await reset();
    const iso = detectSandbox();
    assert.ok(iso.sandboxed, `this suite needs a working bwrap (.ci/run installs it): ${iso.reason}`);
    tmp = mkdtempSync(path.join(os.tmpdir(), 'spawn-hostile-ext-'));
    // The extension host's own home and keys, as a user's would be: a fake key in ~/.ssh, tokens in the environment.
    const home = path.join(tmp, 'home');
    mkdirSync(path.join(home, '.ssh'), { recursive: true });
    writeFileSync(path.join(home, '.ssh', 'id_ed25519'), FAKE_SSH_KEY, { mode: 0o600 });
    for (const [k, v] of Object.entries({ ...FAKE_SECRETS, HOME: home })) {
      saved[k] = process.env[k];
      process.env[k] = v;
    }
  });
  after(async () => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    await reset();
    for (const pid of processesWith(marker ?? 'never-set')) process.kill(pid, 'SIGKILL');
    for (const f of outside ?? []) rmSync(f, { force: true });
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('sees no secret and no home file, cannot write outside its folder, listens on no host address, and Destroy leaves no process', async () => {
    const home = process.env.HOME!;
    marker = `hostile-ext-child-${randomBytes(4).toString('hex')}`;
    const ext = vscode.extensions.getExtension('spawn-app.spawn-app')!;
    outside = [path.join(home, 'pwned.txt'), path.join(ext.extensionPath, `.${marker}.txt`)];
    const dir = path.join(tmp, 'hostile');
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'spawn-app.json'), JSON.stringify({ title: 'Hostile', appType: 'webapp', startCommand: 'node server.js', dependencies: [], port: 3000 }));
    writeFileSync(path.join(dir, 'server.js'), hostileServer({ realHome: home, outside, marker }));

    const opened = await vscode.commands.executeCommand<{ appId: string }>('spawnApp.openFromFolder', { folder: dir });
    const r = await vscode.commands.executeCommand<{ sandboxId: string; url: string }>('spawnApp.deploy', { appId: opened.appId, confirm: true });
    assert.ok(r?.url && r.sandboxId);

    const api = await getApi();
    const node = api.sandboxTree.getChildren().find((n) => api.sandboxTree.getTreeItem(n).id === `sandbox:${r.sandboxId}`)!;
    assert.ok(node, 'the sandbox is in the tree');
    assert.match(String(api.sandboxTree.getTreeItem(node).description), /^local runner · running · sandboxed$/);

    const res = await fetchText(r.url);
    const report = JSON.parse(res.text) as { env: Record<string, string>; ssh: unknown; homeListing: unknown; ports: number[] };
    for (const [k, v] of Object.entries(FAKE_SECRETS)) assert.ok(!res.text.includes(v), `the app saw ${k}`);
    assert.deepEqual(Object.keys(report.env).filter((k) => /^(VSCODE_|ELECTRON_|E2B_|ANTHROPIC|GITHUB|AWS_)/.test(k)), []);
    assert.equal(report.ssh, 'ENOENT');
    assert.ok(!res.text.includes('FAKE-KEY-FOR-A-TEST'));
    assert.deepEqual(report.homeListing, []);
    for (const f of outside) assert.ok(!existsSync(f), `wrote ${f}`);
    assert.equal(report.ports.length, 3);
    assert.deepEqual(hostListeners().filter((l) => report.ports.includes(l.port) && !l.loopback), [], 'nothing listens on a non-loopback host address');
    assert.ok((await untilProcesses(marker, (p) => p.length > 0)).length > 0, 'its setsid child runs');

    assert.equal(await vscode.commands.executeCommand('spawnApp.sandbox.destroy', node, { confirm: true }), true);
    assert.deepEqual(await untilProcesses(marker, (p) => p.length === 0), [], 'no process is left');
    assert.equal(await answers(r.url), false);
  });
});
