/**
 * The local sandbox's containment profile from the attacker's side (issue 18, items 1, 5, 6, 7, 8, 11): a hostile
 * app, or a hostile dependency of it, knows the code and tries to get out of every step (install, run, terminal).
 * Runs as whoever runs the tests: `npm run test:containment` runs it as root and as an unprivileged user. With
 * SPAWN_APP_REQUIRE_SANDBOX=1 a machine without a working bubblewrap fails here instead of skipping.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { deploy } from '../../src/core/deploy/deploy';
import type { Deployment } from '../../src/core/deploy/deploy';
import type { SpawnEvent } from '../../src/core/base/events';
import { appEnv, detectSandbox, forgetSystemScan, ISOLATION_ARGS, isolationArgs, systemPlacesToHide, systemScanStore, withoutCredentials } from '../../src/core/sandbox/local/bwrap';
import { DEFAULT_LIMITS, makeCgroup } from '../../src/core/sandbox/local/limits';
import { LocalProvider } from '../../src/core/sandbox/local/provider';
import type { LocalProviderOptions } from '../../src/core/sandbox/local/provider';
import { pipIndexSettings, registryHosts } from '../../src/core/sandbox/local/registries';
import type { AppSpec } from '../../src/core/app/spec';
import { FakeNpmRegistry } from '../fakes/fakeNpmRegistry';
import { FakePyPI } from '../fakes/fakePyPI';
import { ROOT } from '../helpers/cli';
import { killMarked, untilProcesses } from '../helpers/hostile';
import { until } from '../helpers/poll';
import { request } from '../helpers/http';
import { requireSandbox } from '../helpers/sandbox';

const asRoot = process.getuid?.() === 0;

/** A listener the attacker must not reach; counts what got through. */
interface Trap {
  where: string;
  hits: () => number;
  close: () => Promise<void>;
}

async function trap(where: string | { port: 0 }): Promise<Trap & { port?: number }> {
  let hits = 0;
  const server = net.createServer((s) => {
    hits++;
    s.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    if (typeof where === 'string') server.listen(where, resolve);
    else server.listen(0, '127.0.0.1', resolve);
  });
  const port = typeof where === 'string' ? undefined : (server.address() as net.AddressInfo).port;
  return { where: typeof where === 'string' ? where : `127.0.0.1:${port}`, port, hits: () => hits, close: () => new Promise((r) => server.close(() => r())) };
}

/** Node code (one expression statement list) that tries to reach every trap and write outside; records each result. */
function escapeAttempts(o: { tcpPort: number; abstract: string; unix: string[]; outside: string[]; report: string }): string {
  return `const net = require('net'), fs = require('fs');
const report = { ran: true, tcp: null, abstract: null, unix: {}, wrote: [] };
const tryConnect = (opts) => new Promise((res) => { const s = net.connect(opts, () => { res('connected'); s.destroy(); }); s.on('error', (e) => res(e.code)); setTimeout(() => { res('timeout'); s.destroy(); }, 3000); });
(async () => {
  report.tcp = await tryConnect({ host: '127.0.0.1', port: ${o.tcpPort} });
  report.abstract = await tryConnect({ path: ${JSON.stringify(o.abstract)} });
  for (const p of ${JSON.stringify(o.unix)}) report.unix[p] = await tryConnect({ path: p });
  for (const f of ${JSON.stringify(o.outside)}) { try { fs.writeFileSync(f, 'pwned'); report.wrote.push(f); } catch (e) { /* refused */ } }
  fs.writeFileSync(${JSON.stringify(o.report)}, JSON.stringify(report));
})();
`;
}

describe('containment profile (hostile app and dependencies, real bubblewrap)', function () {
  this.timeout(120_000);
  let tmp: string;
  let root: string;
  let marker: string;
  let traps: Trap[];
  let outside: string[];
  const providers: LocalProvider[] = [];
  const deployments: Deployment[] = [];

  before(function () {
    if (process.platform !== 'linux') this.skip();
    requireSandbox(this);
  });
  beforeEach(() => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'spawn-contain-'));
    root = path.join(tmp, 'sandboxes');
    marker = `contain-${randomBytes(4).toString('hex')}`;
    traps = [];
    // Outside the app folder: a folder of the user's that the sandbox shows read-only (this checkout), and the temp folder.
    outside = [path.join(ROOT, `.${marker}.txt`), path.join(tmp, `${marker}.txt`)];
  });
  afterEach(async () => {
    for (const d of deployments.splice(0)) await d.sandbox.destroy().catch(() => undefined);
    for (const p of providers.splice(0)) await p.destroyAll();
    for (const t of traps) await t.close();
    killMarked(marker);
    for (const f of outside) rmSync(f, { force: true });
    rmSync(tmp, { recursive: true, force: true });
  });

  const provider = (opts: LocalProviderOptions = {}) => {
    const p = new LocalProvider({ root, ...opts });
    providers.push(p);
    return p;
  };
  const sandboxDir = (d: Deployment) => path.join(root, d.sandbox.id);
  const webapp = (files: Record<string, string>, extra: Partial<AppSpec> = {}): AppSpec => ({
    appType: 'webapp',
    startCommand: 'node server.js',
    dependencies: [],
    port: 3000,
    files: Object.entries(files).map(([p, content]) => ({ path: p, content })),
    ...extra,
  });
  /** Deploys, collecting the app's and the install's log lines. */
  const deployed = async (spec: AppSpec, p: LocalProvider, log: string[] = []) => {
    const d = await deploy({ spec, provider: p, verify: false, onEvent: (e: SpawnEvent) => (e.event === 'log' ? log.push(e.line) : undefined) });
    deployments.push(d);
    return d;
  };
  const traps3 = async () => {
    const tcp = await trap({ port: 0 });
    const abstract = await trap(`\0spawn-test-${marker}`);
    traps.push(tcp, abstract);
    return { tcp, abstract };
  };

  it('root is not special: no capability, not uid 0, and umount, remount, nsenter, the host\'s /proc and turning core dumps on all fail', async () => {
    const secret = `spawn-test-secret-${marker}`;
    const home = os.homedir();
    const probe = `const { spawnSync } = require('child_process'), fs = require('fs');
const sh = (c) => { const r = spawnSync('/bin/bash', ['-c', c], { encoding: 'utf8' }); return r.status; };
const environs = [];
for (const p of fs.readdirSync('/proc')) { try { environs.push(fs.readFileSync('/proc/' + p + '/environ', 'utf8')); } catch {} }
const status = fs.readFileSync('/proc/self/status', 'utf8');
const report = {
  uid: process.getuid(),
  capEff: /CapEff:\\s*(\\w+)/.exec(status)[1],
  capBnd: /CapBnd:\\s*(\\w+)/.exec(status)[1],
  coreDumps: sh('ulimit -c unlimited || ulimit -c 1'),
  umountHome: sh('umount -l ${home}'),
  umountRoot: sh('umount -l /root'),
  umountProc: sh('umount /proc'),
  umountProcLazy: sh('umount -l /proc'),
  remount: sh('mount -o remount,rw /'),
  mountTmpfs: sh('mount -t tmpfs none /mnt'),
  nsenterNet: sh('nsenter -t 1 -n true'),
  nsenterAll: sh('nsenter -t 1 -a true'),
  unshare: sh('unshare -r true'),
  unshareUser: sh('unshare -U true'),
  writeEtc: sh('echo pwned > /etc/spawn-test-${marker}'),
  secretSeen: environs.some((e) => e.includes(${JSON.stringify(secret)})),
  shadow: sh('head -c1 /etc/shadow'),
};
require('http').createServer((q, s) => s.end(JSON.stringify(report))).listen(process.env.PORT);`;
    const p = provider({ env: { ...process.env, SPAWN_TEST_SECRET: secret } });
    const d = await deployed(webapp({ 'server.js': probe }), p);
    const r = JSON.parse((await request(d.url)).body) as Record<string, unknown>;
    assert.notEqual(r.uid, 0, 'the app is not root inside');
    assert.equal(r.capEff, '0000000000000000', 'no effective capability');
    assert.equal(r.capBnd, '0000000000000000', 'no capability can be gained back');
    for (const k of ['coreDumps', 'umountHome', 'umountRoot', 'umountProc', 'umountProcLazy', 'remount', 'mountTmpfs', 'nsenterNet', 'nsenterAll', 'writeEtc', 'shadow', 'unshare', 'unshareUser']) {
      assert.notEqual(r[k], 0, `${k} succeeded inside the sandbox`);
    }
    assert.equal(r.secretSeen, false, 'no process environment of the host (the runner\'s) is readable');
    assert.ok(!existsSync(`/etc/spawn-test-${marker}`));
  });

  it('a socket of a system folder (found by the scan) is hidden; once it is gone, the next app still starts (a long-lived window)', async function () {
    if (process.getuid?.() !== 0) this.skip(); // only root can make a socket in a system folder such as /srv
    const sock = `/srv/spawn-test-${marker}.sock`;
    const server = net.createServer((c) => c.destroy());
    await new Promise<void>((r) => server.listen(sock, r));
    try {
      forgetSystemScan(); // the scan runs once per process: this one must see the socket
      const probe = `const net = require('net'), http = require('http');
const c = net.connect(${JSON.stringify(sock)}, () => { c.destroy(); serve('connected'); });
c.on('error', (e) => serve(e.code));
function serve(r) { http.createServer((q, s) => s.end(r)).listen(Number(process.env.PORT), process.env.HOST); }`;
      const p = provider();
      const first = await deployed(webapp({ 'server.js': probe }), p);
      assert.notEqual((await request(first.url + '/')).body, 'connected', 'the app reached the system socket');
      await first.sandbox.destroy();
      await new Promise<void>((r) => server.close(() => r()));
      rmSync(sock, { force: true });
      const second = await deployed(webapp({ 'server.js': probe }), p);
      assert.equal((await request(second.url + '/')).body, 'ENOENT', 'the next app started, and the socket is gone');
    } finally {
      server.close();
      rmSync(sock, { force: true });
      forgetSystemScan();
    }
  });

  it('install step: a hostile npm install script reaches no host loopback port, no abstract socket, writes nothing outside; the install still works', async () => {
    const { tcp, abstract } = await traps3();
    const report = '$HOME/npm-attack.json';
    const attack = escapeAttempts({ tcpPort: tcp.port!, abstract: abstract.where, unix: [], outside, report: '__REPORT__' }).replace(JSON.stringify('__REPORT__'), "require('path').join(process.env.HOME, 'npm-attack.json')");
    const registry = await FakeNpmRegistry.start([{ name: 'sneaky-dep', version: '1.0.0', files: { 'index.js': 'module.exports = "sneaky";', 'attack.js': attack }, scripts: { postinstall: 'node attack.js' } }]);
    try {
      const p = provider({ env: { ...process.env, npm_config_registry: registry.url } });
      const d = await deployed(webapp({ 'server.js': "require('http').createServer((q, s) => s.end(require('sneaky-dep'))).listen(process.env.PORT)" }, { dependencies: ['sneaky-dep@1.0.0'] }), p);
      assert.equal((await request(d.url)).body, 'sneaky', 'the install worked');
      const seen = JSON.parse(readFileSync(path.join(sandboxDir(d), 'home', 'npm-attack.json'), 'utf8')) as Record<string, unknown>;
      assert.equal(seen.ran, true, `the install script ran (${report})`);
      assert.notEqual(seen.tcp, 'connected');
      assert.notEqual(seen.abstract, 'connected');
      assert.equal(tcp.hits(), 0, 'the host loopback listener got no connection');
      assert.equal(abstract.hits(), 0, 'the abstract socket got no connection');
      for (const f of outside) assert.ok(!existsSync(f), `wrote ${f}`);
    } finally {
      await registry.close();
    }
  });

  it('install step: pip runs isolated from a staging folder, so the app\'s pip/__main__.py never runs; the install still works', async () => {
    const { tcp, abstract } = await traps3();
    const index = await FakePyPI.start([{ name: 'tinypkg', version: '1.0.0' }]);
    try {
      const attack = escapeAttempts({ tcpPort: tcp.port!, abstract: abstract.where, unix: [], outside, report: '/dev/null' });
      // The app's own "pip": run by `python3 -m pip` from the app folder, it would hand over to node for the attempts.
      const main = `import os, subprocess\nopen(os.path.join(os.environ.get("HOME", "/"), "pip-main-ran"), "w").write("ran")\nopen("pip-main-ran", "w").write("ran")\nsubprocess.run(["node", "-e", ${JSON.stringify(attack)}])\n`;
      const spec: AppSpec = {
        appType: 'script',
        startCommand: 'python3 server.py',
        dependencies: ['tinypkg==1.0.0'],
        port: 3000,
        files: [
          { path: 'pip/__init__.py', content: '' },
          { path: 'pip/__main__.py', content: main },
          { path: 'server.py', content: 'import http.server, os, tinypkg\nclass H(http.server.BaseHTTPRequestHandler):\n    def do_GET(self):\n        self.send_response(200); self.end_headers(); self.wfile.write(tinypkg.NAME.encode())\nhttp.server.HTTPServer(("0.0.0.0", int(os.environ["PORT"])), H).serve_forever()\n' },
        ],
      };
      const p = provider({ env: { ...process.env, PIP_INDEX_URL: index.url } });
      const d = await deployed(spec, p);
      assert.equal((await request(d.url)).body, 'tinypkg', 'the install worked, from the user\'s index');
      assert.ok(index.seen().some((u) => u.startsWith('/simple/tinypkg')), 'pip used the index of the user\'s settings');
      assert.ok(!existsSync(path.join(sandboxDir(d), 'home', 'pip-main-ran')), 'the app\'s pip/__main__.py did not run');
      assert.ok(!existsSync(path.join(sandboxDir(d), 'app', 'pip-main-ran')), 'the app\'s pip/__main__.py did not run');
      assert.equal(tcp.hits() + abstract.hits(), 0);
      for (const f of outside) assert.ok(!existsSync(f), `wrote ${f}`);
    } finally {
      await index.close();
    }
  });

  for (const network of [true, false]) {
    it(`host Unix sockets are hidden from the run step (network ${network ? 'on' : 'off'}): /run, the temp folder, /dev/shm`, async () => {
      const places = [path.join(tmp, `${marker}.sock`), `/dev/shm/${marker}.sock`];
      if (asRoot) places.push(`/run/${marker}.sock`); // only root can make one there
      const socks: Trap[] = [];
      for (const p of places) socks.push(await trap(p));
      traps.push(...socks);
      const { tcp, abstract } = await traps3();
      const attack = escapeAttempts({ tcpPort: tcp.port!, abstract: abstract.where, unix: places, outside: [], report: 'attack.json' });
      const server = `${attack}\nrequire('http').createServer((q, s) => s.end(require('fs').existsSync('attack.json') ? require('fs').readFileSync('attack.json') : '{}')).listen(process.env.PORT);`;
      const d = await deployed(webapp({ 'server.js': server }), provider({ network }));
      // The attempts finish after the server starts.
      const seen = await until(async () => {
        const s = JSON.parse((await request(d.url)).body) as { unix?: Record<string, string>; ran?: boolean };
        return s.ran ? s : undefined;
      }, 'the attempts to run', 5000);
      assert.equal(seen.ran, true, 'the attempts ran');
      for (const p of places) assert.notEqual(seen.unix?.[p], 'connected', `connected to ${p}`);
      for (const s of socks) assert.equal(s.hits(), 0, `${s.where} got a connection`);
      assert.equal(abstract.hits(), 0);
      for (const p of places) rmSync(p, { force: true });
    });
  }

  it('the terminal runs none of the app\'s rc files and has its own network namespace (where 127.0.0.1:$PORT is the app)', async () => {
    const { tcp } = await traps3();
    const rcMarker = `rc-ran-${marker}`;
    const rc = `touch "$HOME/${rcMarker}"; (exec 3<>/dev/tcp/127.0.0.1/${tcp.port}) 2>/dev/null\n`;
    // The app writes its home's rc files at run time (its home is writable).
    const server = `const fs = require('fs'), path = require('path');
for (const f of ['.bashrc', '.profile', '.bash_profile', '.bash_login']) fs.writeFileSync(path.join(process.env.HOME, f), ${JSON.stringify(rc)});
require('http').createServer((q, s) => s.end('ok')).listen(process.env.PORT);`;
    const p = provider();
    const d = await deployed(webapp({ 'server.js': server }), p);
    const home = path.join(sandboxDir(d), 'home');
    assert.ok(existsSync(path.join(home, '.bashrc')), 'the app planted its rc file');
    let out = '';
    const shell = await p.openShell(d.sandbox.id, { cols: 100, rows: 30, onData: (t) => (out += t) });
    try {
      await shell.write(`echo "IFACES=[$(tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' ' | tr '\\n' ',')]"; exec 3<>/dev/tcp/127.0.0.1/$PORT && printf 'GET / HTTP/1.0\\r\\n\\r\\n' >&3 && echo "APP=[$(tail -n 1 <&3)]"; echo "UID=[$(id -u)]"\n`);
      await until(() => /UID=\[\d+\]/.test(out), 'the shell to print its uid', 5000);
      assert.match(out, /IFACES=\[lo,\]/, `only loopback: ${out}`);
      assert.match(out, /APP=\[ok\]/, `the running app answers at 127.0.0.1:$PORT: ${out}`);
      assert.doesNotMatch(out, /UID=\[0\]/);
      assert.ok(!existsSync(path.join(home, rcMarker)), 'an rc file of the app ran');
      assert.equal(tcp.hits(), 0, 'the terminal reached a host loopback port');
    } finally {
      await shell.kill();
    }
  });

  it('environment: URL credentials never reach any step, registry variables only the install step, LC_* only locale-shaped', async () => {
    const cred = `s3cret-${marker}`;
    const registry = await FakeNpmRegistry.start([{ name: 'env-dep', version: '1.0.0', files: { 'index.js': 'module.exports = 1;', 'dump.js': "require('fs').writeFileSync(require('path').join(process.env.HOME, 'install-env.json'), JSON.stringify(process.env))" }, scripts: { postinstall: 'node dump.js' } }]);
    try {
      const withCred = registry.url.replace('http://', `http://carol:${cred}@`);
      const env = {
        ...process.env,
        npm_config_registry: withCred,
        PIP_INDEX_URL: `https://alice:${cred}@pypi.invalid/simple`,
        PIP_EXTRA_INDEX_URL: `https://token${cred}@pypi2.invalid/simple https://pypi3.invalid/simple`,
        http_proxy: `http://bob:${cred}@proxy.invalid:3128`,
        LC_ALL: 'en_US.UTF-8\x1b]0;pwned\x07',
        LC_CTYPE: '$(touch /tmp/x)',
        LANG: 'C.UTF-8',
      };
      const server = "require('http').createServer((q, s) => s.end(JSON.stringify(process.env))).listen(process.env.PORT)";
      const d = await deployed(webapp({ 'server.js': server }, { dependencies: ['env-dep@1.0.0'] }), provider({ env }));
      const runEnv = JSON.parse((await request(d.url)).body) as Record<string, string>;
      const installEnv = JSON.parse(readFileSync(path.join(sandboxDir(d), 'home', 'install-env.json'), 'utf8')) as Record<string, string>;
      for (const [step, e] of [['run', runEnv], ['install', installEnv]] as const) {
        assert.ok(!JSON.stringify(e).includes(cred), `a credential reached the ${step} step`);
        assert.equal(e.LC_ALL, undefined, `an escape sequence in LC_ALL reached the ${step} step`);
        assert.equal(e.LC_CTYPE, undefined);
        assert.equal(e.LANG, 'C.UTF-8');
        assert.notEqual(e.http_proxy, env.http_proxy);
      }
      assert.equal(installEnv.npm_config_registry, registry.url, 'the install step gets the registry, without its credentials');
      assert.equal(installEnv.PIP_INDEX_URL, 'https://pypi.invalid/simple');
      assert.equal(runEnv.npm_config_registry, undefined, 'registry variables reach only the install step');
      assert.equal(runEnv.PIP_INDEX_URL, undefined);
      assert.equal(runEnv.PIP_EXTRA_INDEX_URL, undefined);
    } finally {
      await registry.close();
    }
  });

  it('keyrings: the app can neither read a key of its owner\'s session keyring, nor see its name, nor add one to it (install and run steps)', async function () {
    // The syscall numbers below are x86-64's; python3 (ctypes) makes the calls on both sides.
    if (process.arch !== 'x64' || !existsSync('/usr/bin/python3')) this.skip();
    const secret = `keyring-secret-${marker}`;
    // Inside: search the session keyring for the owner's key, read it, and plant a key of the app's there.
    const attack = `import ctypes, json
libc = ctypes.CDLL(None, use_errno=True)
k = libc.syscall(250, 10, ctypes.c_long(-3), b"user", b"spawn-test-${marker}", 0)
buf = ctypes.create_string_buffer(256)
n = libc.syscall(250, 11, ctypes.c_long(k), buf, 256) if k > 0 else -1
a = libc.syscall(248, b"user", b"planted-${marker}", b"x", 1, ctypes.c_long(-3))
try:
    listed = "spawn-test-${marker}" in open("/proc/keys").read()
except OSError:
    listed = False
print(json.dumps({"read": buf.raw[:n].decode() if n > 0 else None, "added": a > 0, "listed": listed}))
`;
    // The runner: a process of the user's with a session keyring holding a key (as a login's would), which runs the
    // attack as the install step and as a command of the app, then looks for the planted key in its keyring.
    const runner = `import { LocalProvider } from ${JSON.stringify(path.join(ROOT, 'src/core/sandbox/local/provider.ts'))};
const p = new LocalProvider({ root: ${JSON.stringify(root)} });
const sb = await p.create({ appName: 'keys', appType: 'script' });
await sb.writeFiles([{ path: 'keys.py', content: ${JSON.stringify(attack)} }]);
const out = {};
for (const purpose of ['install', 'command']) out[purpose] = (await sb.run('/usr/bin/python3 keys.py', { purpose: purpose === 'install' ? 'install' : undefined })).stdout.trim();
await sb.destroy();
console.log(JSON.stringify(out));
process.exit(0);`;
    writeFileSync(path.join(tmp, 'runner.mts'), runner);
    const host = `import ctypes, json, subprocess, sys
libc = ctypes.CDLL(None, use_errno=True)
assert libc.syscall(250, 1, None) > 0
assert libc.syscall(248, b"user", b"spawn-test-${marker}", ${JSON.stringify(secret)}.encode(), ${secret.length}, ctypes.c_long(-3)) > 0
r = subprocess.run([${JSON.stringify(process.execPath)}, "--import", "tsx", sys.argv[1]], capture_output=True, text=True)
planted = libc.syscall(250, 10, ctypes.c_long(-3), b"user", b"planted-${marker}", 0) > 0
print(json.dumps({"runner": r.stdout.strip().splitlines()[-1] if r.stdout.strip() else r.stderr[-2000:], "planted": planted}))
`;
    const { spawnSync } = await import('node:child_process');
    const r = spawnSync('/usr/bin/python3', ['-c', host, path.join(tmp, 'runner.mts')], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const res = JSON.parse(r.stdout) as { runner: string; planted: boolean };
    const steps = JSON.parse(res.runner) as Record<string, string>;
    for (const [step, text] of Object.entries(steps)) {
      const seen = JSON.parse(text) as { read: string | null; added: boolean; listed: boolean };
      assert.notEqual(seen.read, secret, `the ${step} step read its owner's key`);
      assert.equal(seen.listed, false, `the ${step} step saw its owner's key named in /proc/keys`);
      assert.equal(seen.added, false, `the ${step} step added a key to a keyring`);
    }
    assert.equal(res.planted, false, "a key of the app's is in its owner's session keyring");
  });

  it('as root: root-only files in every scanned system folder (/opt, /usr/local), at the top level (/swapfile-like) and in /proc (slabinfo) stay unreadable', async function () {
    if (!asRoot) this.skip(); // an unprivileged app cannot read another user's 0600 files anyway
    const places = [`/opt/spawn-test-${marker}/key`, `/usr/local/etc/spawn-test-${marker}.key`, `/spawn-test-${marker}.swap`];
    const made: string[] = [];
    try {
      for (const f of places) {
        if (!existsSync(path.dirname(f))) {
          mkdirSync(path.dirname(f), { recursive: true, mode: 0o755 });
          made.push(path.dirname(f));
        }
        writeFileSync(f, `root-only-${marker}\n`, { mode: 0o600 });
        made.push(f);
      }
      // A fresh process: the runner scans the system view once per process, and these files must exist before it.
      const runner = `import { LocalProvider } from ${JSON.stringify(path.join(ROOT, 'src/core/sandbox/local/provider.ts'))};
const p = new LocalProvider({ root: ${JSON.stringify(root)} });
const sb = await p.create({ appName: 'peek', appType: 'script' });
const r = await sb.run(${JSON.stringify(places.map((f) => `cat ${f} 2>/dev/null;`).join(' ') + ' head -c 64 /proc/slabinfo /proc/timer_list 2>/dev/null; true')});
await sb.destroy();
console.log(JSON.stringify(r.stdout));
process.exit(0);`;
      writeFileSync(path.join(tmp, 'peek.mts'), runner);
      const { spawnSync } = await import('node:child_process');
      const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(tmp, 'peek.mts')], { cwd: ROOT, encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      const seen = JSON.parse(r.stdout.trim().split('\n').pop()!) as string;
      assert.ok(!seen.includes(`root-only-${marker}`), `the app read a root-only file: ${seen}`);
      // The kernel's root-only reports (0400 in /proc), which the sandbox's own /proc shows too.
      assert.doesNotMatch(seen, /slabinfo - version|Timer List Version/, `the app read a root-only kernel report: ${seen}`);
    } finally {
      for (const f of made.reverse()) rmSync(f, { recursive: true, force: true });
    }
  });

  it('limits: a fork bomb stops at the process limit (and says so); the host never gets that many processes', async () => {
    const limit = 64;
    const server = `const cp = require('child_process');
let started = 0, error = '';
for (let i = 0; i < 2000; i++) {
  const c = cp.spawn('/bin/bash', ['-c', 'exec -a ${marker} sleep 300'], { stdio: 'ignore' });
  if (c.pid === undefined) { c.on('error', (e) => console.error('could not start more: ' + e.message)); break; }
  started++;
}
require('http').createServer((q, s) => s.end(String(started))).listen(process.env.PORT);`;
    const log: string[] = [];
    const d = await deployed(webapp({ 'server.js': server }), provider({ limits: { procs: limit } }), log);
    const started = Number((await request(d.url)).body);
    assert.ok(started > 0 && started < limit, `started ${started}`);
    const pids = await untilProcesses(marker, (ps) => ps.length >= started);
    assert.ok(pids.length <= limit, `the host has ${pids.length} of them`);
    await until(() => log.some((l) => /process limit/.test(l)), 'the log to name the process limit', 2000);
    assert.ok(log.some((l) => l.includes(`The app hit the sandbox's process limit (${limit})`)), `the log says so: ${log.join('\n')}`);
    await d.sandbox.destroy();
    assert.deepEqual(await untilProcesses(marker, (ps) => ps.length === 0), []);
  });

  it('limits: memory, where a memory cgroup can be made (root here): an app over it is stopped, and the error says so', async function () {
    const probe = makeCgroup(`spawn-test-${marker}`, { ...DEFAULT_LIMITS, memoryMB: 64 });
    probe?.remove();
    if (!probe?.bounds.memory) this.skip(); // an unprivileged user without a delegated cgroup: memory is not bounded (docs/security.md, Local sandbox limits)
    const server = `const keep = []; for (let i = 0; i < 64; i++) keep.push(Buffer.alloc(16 * 1024 * 1024, 1));
require('http').createServer((q, s) => s.end(String(keep.length))).listen(process.env.PORT);`;
    const p = provider({ limits: { memoryMB: 64 } });
    await assert.rejects(deploy({ spec: webapp({ 'server.js': server }), provider: p }), (err: Error & { detail?: string }) => {
      assert.match(String(err.detail), /The app hit the sandbox's memory limit \(64 MiB\)/, String(err.detail));
      return true;
    });
  });

  it('limits: a huge file stops at the file size limit (and says so), and /tmp and /dev/shm at their size', async () => {
    const server = `const { spawnSync } = require('child_process'), fs = require('fs');
const big = spawnSync('/bin/bash', ['-c', 'head -c 16777216 /dev/zero > big.bin'], { encoding: 'utf8' });
process.stderr.write(big.stderr);
const tmp = spawnSync('/bin/bash', ['-c', 'ulimit -f unlimited 2>/dev/null; head -c 16777216 /dev/zero > /tmp/fill'], { encoding: 'utf8' });
let tmpSize = -1; try { tmpSize = fs.statSync('/tmp/fill').size; } catch {}
const shm = spawnSync('/bin/bash', ['-c', 'head -c 16777216 /dev/zero > /dev/shm/fill'], { encoding: 'utf8' });
let shmSize = -1; try { shmSize = fs.statSync('/dev/shm/fill').size; } catch {}
require('http').createServer((q, s) => s.end(JSON.stringify({ bigStatus: big.status, tmpStatus: tmp.status, tmpSize, shmStatus: shm.status, shmSize }))).listen(process.env.PORT);`;
    const log: string[] = [];
    const d = await deployed(webapp({ 'server.js': server }), provider({ limits: { fileMB: 4, tmpMB: 2 } }), log);
    const r = JSON.parse((await request(d.url)).body) as { bigStatus: number; tmpStatus: number; tmpSize: number; shmStatus: number; shmSize: number };
    assert.notEqual(r.bigStatus, 0);
    assert.ok(statSync(path.join(sandboxDir(d), 'app', 'big.bin')).size <= 4 * 2 ** 20, 'the file stopped at 4 MiB');
    assert.notEqual(r.tmpStatus, 0);
    assert.ok(r.tmpSize <= 2 * 2 ** 20, `/tmp held ${r.tmpSize} bytes`);
    assert.notEqual(r.shmStatus, 0);
    assert.ok(r.shmSize >= 0 && r.shmSize <= 2 * 2 ** 20, `/dev/shm held ${r.shmSize} bytes`);
    assert.ok(log.some((l) => l.includes("The app hit the sandbox's file size limit (4 MiB)")), `the log says so: ${log.join('\n')}`);
  });
});

/** Runs `fn` with a fake `bwrap` in a folder of its own that records its arguments in `argsFile` and succeeds. */
function withFakeBwrap(fn: (bin: string, argsFile: string) => void): void {
  const bin = mkdtempSync(path.join(os.tmpdir(), 'fake-bwrap-'));
  const argsFile = path.join(bin, 'args');
  try {
    writeFileSync(path.join(bin, 'bwrap'), `#!/bin/sh\nprintf '%s\\n' "$@" > ${argsFile}\n`, { mode: 0o755 });
    fn(bin, argsFile);
  } finally {
    rmSync(bin, { recursive: true, force: true });
  }
}

describe('containment profile: detection and environment rules', () => {
  it('detectSandbox tests exactly the namespaces and privileges every step uses', function () {
    if (process.platform !== 'linux') this.skip();
    withFakeBwrap((bin, argsFile) => {
      assert.equal(detectSandbox({ PATH: bin }).sandboxed, true);
      const args = readFileSync(argsFile, 'utf8').trim().split('\n');
      const at = args.indexOf(ISOLATION_ARGS[0]!);
      assert.deepEqual(args.slice(at, at + ISOLATION_ARGS.length), [...ISOLATION_ARGS]);
      for (const a of ['--unshare-user', '--cap-drop', '--new-session', '--unshare-net', '--unshare-pid', '--die-with-parent']) assert.ok(ISOLATION_ARGS.includes(a), a);
      assert.ok(ISOLATION_ARGS[ISOLATION_ARGS.indexOf('--uid') + 1] !== '0');
    });
  });

  it('no user namespace inside where bwrap can (--disable-userns); an older bwrap that refuses the option still sandboxes, without it', function () {
    if (process.platform !== 'linux') this.skip();
    try {
      withFakeBwrap((bin, argsFile) => {
        assert.equal(detectSandbox({ PATH: bin }).sandboxed, true);
        assert.ok(readFileSync(argsFile, 'utf8').split('\n').includes('--disable-userns'), 'the probe asks for it');
        assert.ok(isolationArgs().includes('--disable-userns'), 'every step gets it');
        // bwrap before 0.8: "Unknown option --disable-userns".
        writeFileSync(path.join(bin, 'bwrap'), `#!/bin/sh\nfor a in "$@"; do [ "$a" = --disable-userns ] && { echo "bwrap: Unknown option --disable-userns" >&2; exit 1; }; done\nexit 0\n`, { mode: 0o755 });
        assert.equal(detectSandbox({ PATH: bin }).sandboxed, true, 'still sandboxed');
        assert.ok(!isolationArgs().includes('--disable-userns'), 'without the option it does not know');
        assert.deepEqual(isolationArgs().slice(0, ISOLATION_ARGS.length), [...ISOLATION_ARGS]);
      });
    } finally {
      detectSandbox(); // this machine's own answer again, for the tests after this one
    }
  });

  it('the system scan is reused by the next process only from this user\'s own private file in the sandboxes folder', () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'spawn-scan-'));
    const store = systemScanStore(root);
    const asRoot = process.getuid?.() === 0;
    const planted = `/spawn-test-${randomBytes(4).toString('hex')}.sock`;
    const stored = (mode: number) => {
      rmSync(store, { force: true });
      writeFileSync(store, JSON.stringify({ key: JSON.stringify([asRoot, []]), at: Date.now(), files: [planted], dirs: [] }), { mode });
      chmodSync(store, mode);
    };
    try {
      stored(0o600);
      forgetSystemScan();
      assert.deepEqual(systemPlacesToHide(asRoot, [], store).files, [planted], 'a fresh, private scan of an earlier process is used');
      forgetSystemScan();
      assert.ok(!systemPlacesToHide(asRoot, ['/srv'], store).files.includes(planted), 'a scan made with other hidden places (it skipped other folders) is not used');
      stored(0o600);
      stored(0o644);
      forgetSystemScan();
      assert.ok(!systemPlacesToHide(asRoot, [], store).files.includes(planted), 'a scan file others may write is not trusted');
      const elsewhere = path.join(root, 'elsewhere.json');
      writeFileSync(elsewhere, JSON.stringify({ key: JSON.stringify([asRoot, []]), at: Date.now(), files: [planted], dirs: [] }), { mode: 0o600 });
      rmSync(store, { force: true });
      symlinkSync(elsewhere, store);
      forgetSystemScan();
      assert.ok(!systemPlacesToHide(asRoot, [], store).files.includes(planted), 'a link is not followed');
      rmSync(store, { force: true });
      writeFileSync(store, JSON.stringify({ key: JSON.stringify([asRoot, []]), at: Date.now() - 10 * 60_000, files: [planted], dirs: [] }), { mode: 0o600 });
      forgetSystemScan();
      assert.ok(!systemPlacesToHide(asRoot, [], store).files.includes(planted), 'an old scan is done again');
    } finally {
      forgetSystemScan();
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('withoutCredentials removes user:password@ from URLs (lists too) and drops what it cannot clean', () => {
    assert.equal(withoutCredentials('https://user:tok@host.example/simple'), 'https://host.example/simple');
    assert.equal(withoutCredentials('https://tok@host.example/'), 'https://host.example/');
    assert.equal(withoutCredentials('https://a:b@one.example/x https://two.example/y'), 'https://one.example/x https://two.example/y');
    assert.equal(withoutCredentials('https://registry.npmjs.org/'), 'https://registry.npmjs.org/');
    assert.equal(withoutCredentials('user:pass@host:3128'), undefined);
    assert.equal(withoutCredentials('https://@host/'), undefined);
    assert.equal(withoutCredentials('/opt/wheels'), '/opt/wheels');
  });

  it('appEnv: registry and proxy variables only for install steps, no parent proxy in a sandbox, shaped locale values', () => {
    const parent = {
      npm_config_registry: 'https://u:p@r.example/',
      PIP_INDEX_URL: 'https://u:p@i.example/simple',
      https_proxy: 'http://u:p@proxy.example:3128',
      LANG: 'de_DE.UTF-8',
      LANGUAGE: 'de:en',
      LC_ALL: 'x\x1b[2J',
      LC_TIME: 'en_GB.UTF-8',
      TERM: 'xterm\x07',
      TZ: 'Europe/Berlin',
      ANTHROPIC_API_KEY: 'sk-ant-x',
    };
    const base = { parent, home: '/h', port: 1, path: '/usr/bin' };
    const run = appEnv({ ...base, proxy: 'http://127.0.0.1:3128' });
    assert.equal(run.npm_config_registry, undefined);
    assert.equal(run.PIP_INDEX_URL, undefined);
    assert.equal(run.https_proxy, 'http://127.0.0.1:3128');
    assert.equal(run.no_proxy, 'localhost,127.0.0.1,::1');
    assert.deepEqual([run.LANG, run.LANGUAGE, run.LC_TIME, run.TZ], ['de_DE.UTF-8', 'de:en', 'en_GB.UTF-8', 'Europe/Berlin']);
    assert.equal(run.LC_ALL, undefined);
    assert.equal(run.TERM, undefined);
    assert.equal(run.ANTHROPIC_API_KEY, undefined);
    const install = appEnv({ ...base, registries: true, proxy: 'http://127.0.0.1:3128' });
    assert.equal(install.npm_config_registry, 'https://r.example/');
    assert.equal(install.PIP_INDEX_URL, 'https://i.example/simple');
    assert.equal(install.https_proxy, 'http://127.0.0.1:3128', 'the sandbox\'s proxy, never the parent\'s');
    assert.equal(install.no_proxy, undefined, 'a registry on loopback goes through the proxy too');
    const unsandboxedInstall = appEnv({ ...base, registries: true });
    assert.equal(unsandboxedInstall.https_proxy, 'http://proxy.example:3128', 'unsandboxed, the user\'s proxy, without its credentials');
    assert.equal(appEnv(base).https_proxy, undefined, 'unsandboxed runs get no proxy variable');
  });

  it('the registries the install proxy lets through: the user\'s npm registry and pip indexes (config files too), never the app\'s', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'pip-conf-'));
    try {
      mkdirSync(path.join(dir, '.config', 'pip'), { recursive: true });
      writeFileSync(path.join(dir, '.config', 'pip', 'pip.conf'), '[global]\nindex-url = http://u:p@127.0.0.1:3141/simple\nextra-index-url =\n    http://10.0.0.5:8080/simple\n    https://pypi.org/simple\n[other]\nindex-url = http://9.9.9.9/\n');
      const s = pipIndexSettings([path.join(dir, '.config', 'pip', 'pip.conf')]);
      assert.equal(s['index-url'], 'http://127.0.0.1:3141/simple');
      assert.equal(s['extra-index-url'], 'http://10.0.0.5:8080/simple https://pypi.org/simple');
      const hosts = registryHosts({ HOME: dir, npm_config_registry: 'http://127.0.0.1:4873/' }).map((h) => `${h.host}:${h.port}`);
      for (const h of ['127.0.0.1:4873', '127.0.0.1:3141', '10.0.0.5:8080', 'pypi.org:443']) assert.ok(hosts.includes(h), `${h} in ${hosts.join(', ')}`);
      assert.ok(!hosts.includes('9.9.9.9:80'));
      assert.ok(registryHosts({ HOME: dir }).some((h) => h.host === 'registry.npmjs.org' && h.port === 443), 'npm\'s default registry');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

