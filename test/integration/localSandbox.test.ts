/**
 * The local sandbox through the extension, from the attacker's side: a hostile app folder opened with Open App
 * from Folder and deployed to the local runner; what it saw, what it could do, and what is left after Destroy.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import * as vscode from 'vscode';
import { detectSandbox } from '../../src/core/sandbox/local/bwrap';
import { FAKE_SECRETS, FAKE_SSH_KEY, hostileServer, hostListeners, processesWith, untilProcesses } from '../helpers/hostile';
import { answers, appUri, checkedInABrowser, fetchText, getApi, reset, writeText } from './helpers';

describe('the local sandbox (a hostile app deployed through the extension)', function () {
  this.timeout(120_000);
  let tmp: string;
  let marker: string;
  let outside: string[];
  const saved: Record<string, string | undefined> = {};
  // The hostile page is loaded by the check's browser too (its Sandboxes item says what the check found).
  checkedInABrowser();

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
    assert.match(String(api.sandboxTree.getTreeItem(node).description), /^local runner · running · (verified · |HTTP-checked · )?sandboxed$/);

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

  it('as the app (root or not): no capability, no loopback through the proxy in any spelling, no host socket; a link it plants is not written through by the next deploy', async () => {
    const api = await getApi();
    // The host's side: a service on loopback, a Unix socket where host daemons keep theirs (as root: /run), a file of the user's.
    let reached = 0;
    const service = net.createServer((c) => {
      reached++;
      c.destroy();
    });
    await new Promise<void>((r) => service.listen(0, '127.0.0.1', r));
    const port = (service.address() as net.AddressInfo).port;
    const sockPath = process.getuid?.() === 0 ? `/run/spawn-it-${randomBytes(4).toString('hex')}.sock` : undefined;
    const sock = sockPath ? net.createServer((c) => c.destroy()) : undefined;
    if (sock) await new Promise<void>((r) => sock.listen(sockPath!, r));
    const victim = path.join(tmp, 'victim.txt');
    writeFileSync(victim, 'the user\'s own file\n');
    try {
      const spellings = [`[::ffff:7f00:1]:${port}`, `[0:0:0:0:0:0:0:1]:${port}`, `[::ffff:127.0.0.1]:${port}`, `127.1:${port}`, `0x7f000001:${port}`, `localhost:${port}`, `[::]:${port}`, `0.0.0.0:${port}`];
      const dir = path.join(tmp, 'hostile2');
      mkdirSync(dir);
      writeFileSync(path.join(dir, 'spawn-app.json'), JSON.stringify({ title: 'Hostile two', appType: 'webapp', startCommand: 'node server.js', dependencies: [], port: 3000 }));
      writeFileSync(path.join(dir, 'style.css'), 'body { color: black }\n');
      writeFileSync(path.join(dir, 'server.js'), `const fs = require('fs'), http = require('http'), net = require('net'), cp = require('child_process');
const report = { uid: process.getuid(), capEff: /CapEff:\\s*(\\w+)/.exec(fs.readFileSync('/proc/self/status', 'utf8'))[1], proxy: {}, socket: null };
report.umountProc = cp.spawnSync('umount', ['-l', '/proc']).status;
report.remountRoot = cp.spawnSync('mount', ['-o', 'remount,rw', '/']).status;
const proxy = new URL(process.env.http_proxy || 'http://127.0.0.1:1');
const connect = (target) => new Promise((done) => {
  const c = net.connect(Number(proxy.port), proxy.hostname, () => c.write('CONNECT ' + target + ' HTTP/1.1\\r\\nHost: ' + target + '\\r\\n\\r\\n'));
  let got = '';
  c.on('data', (d) => { got += d; if (got.includes('\\r\\n')) { c.destroy(); done(got.split('\\r\\n')[0]); } });
  c.on('error', (e) => done(e.code));
  c.on('close', () => done(got.split('\\r\\n')[0] || 'closed'));
});
const socketTry = (p) => new Promise((done) => { if (!p) return done('none'); const c = net.connect(p, () => { c.destroy(); done('connected'); }); c.on('error', (e) => done(e.code)); });
(async () => {
  for (const t of ${JSON.stringify(spellings)}) report.proxy[t] = await connect(t);
  report.socket = await socketTry(${JSON.stringify(sockPath ?? '')});
  // The plant: its own style.css becomes a link to a file of the user's, for the next deploy to write through.
  fs.rmSync('style.css');
  fs.symlinkSync(${JSON.stringify(victim)}, 'style.css');
  report.planted = fs.lstatSync('style.css').isSymbolicLink();
  http.createServer((q, s) => s.end(JSON.stringify(report))).listen(Number(process.env.PORT), process.env.HOST);
})();
`);
      const opened = await vscode.commands.executeCommand<{ appId: string }>('spawnApp.openFromFolder', { folder: dir });
      const r = await vscode.commands.executeCommand<{ sandboxId: string; url: string }>('spawnApp.deploy', { appId: opened.appId, confirm: true });
      assert.ok(r?.url, `deployed (last error: ${api.testing.reporter.lastError?.message})`);
      const report = JSON.parse((await fetchText(r.url)).text) as { uid: number; capEff: string; umountProc: number; remountRoot: number; proxy: Record<string, string>; socket: string; planted: boolean };
      assert.notEqual(report.uid, 0, 'the app is not root inside');
      assert.equal(report.capEff, '0000000000000000', 'the app holds no capability');
      assert.notEqual(report.umountProc, 0, 'umount /proc failed');
      assert.notEqual(report.remountRoot, 0, 'remount / read-write failed');
      for (const t of spellings) assert.doesNotMatch(report.proxy[t] ?? '', / 200 /, `CONNECT ${t} got through`);
      assert.equal(reached, 0, 'the loopback service saw no connection');
      if (sockPath) assert.notEqual(report.socket, 'connected', `${sockPath} was reached`);
      assert.equal(report.planted, true, 'the app planted its link');

      // The next deploy of an edited style.css (what a save with hot redeploy, a refine or a fix does) must not write through the link.
      const appName = api.tree.app(opened.appId)!.name;
      await writeText(appUri(appName, 'style.css'), 'body { color: red } /* pwned */\n');
      await vscode.commands.executeCommand('spawnApp.deploy', { appId: opened.appId, confirm: true });
      assert.equal(readFileSync(victim, 'utf8'), 'the user\'s own file\n', 'the user\'s file is unchanged');
    } finally {
      service.close();
      sock?.close();
      if (sockPath) rmSync(sockPath, { force: true });
    }
  });
});
