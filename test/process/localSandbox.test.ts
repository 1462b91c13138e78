/**
 * The local sandbox from the attacker's side: a hostile app folder deployed with the real `spawn-app` binary
 * (`deploy DIR --provider local --yes`), and what it could see and do; then the same through the forced fallback.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { deploy, startIn } from '../../src/core/deploy/deploy';
import { detectSandbox } from '../../src/core/sandbox/local/bwrap';
import { LocalProvider } from '../../src/core/sandbox/local/provider';
import type { AppSpec } from '../../src/core/app/spec';
import { FakeNpmRegistry } from '../fakes/fakeNpmRegistry';
import { ensureBuilt, NO_VERIFY, ROOT, runCli, startCli } from '../helpers/cli';
import type { LiveCli } from '../helpers/cli';
import { FAKE_SECRETS, FAKE_SSH_KEY, hostileServer, hostListeners, killMarked, processesWith, untilProcesses } from '../helpers/hostile';
import { isDown, request } from '../helpers/http';
import { requireSandbox } from '../helpers/sandbox';

interface Report {
  env: Record<string, string>;
  ssh: unknown;
  homeListing: unknown;
  wrote: string[];
  ports: number[];
}

/** Resolves with everything the CLI wrote to stderr once `re` matches it (event-driven, bounded). */
function stderrMatch(cli: LiveCli, re: RegExp, timeoutMs = 30_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const check = () => {
      if (re.test(cli.stderr())) {
        cleanup();
        resolve(cli.stderr());
      }
    };
    const t = setTimeout(() => {
      cleanup();
      reject(new Error(`timed out waiting for ${re}; stderr:\n${cli.stderr()}`));
    }, timeoutMs);
    const cleanup = () => {
      clearTimeout(t);
      cli.child.stderr!.off('data', check);
    };
    cli.child.stderr!.on('data', check);
    check();
  });
}

/** The first JSON event of a kind the CLI printed so far (the isolation event comes before `ready`). */
function printed(cli: LiveCli, event: string): Record<string, unknown> | undefined {
  for (const line of cli.lines) {
    try {
      const e = JSON.parse(line) as Record<string, unknown>;
      if (e.event === event) return e;
    } catch {
      // not JSON
    }
  }
  return undefined;
}

describe('local sandbox (hostile app, real spawn-app binary)', function () {
  this.timeout(120_000);
  let tmp: string;
  let fakeHome: string;
  let appDir: string;
  let marker: string;
  let outside: string[];
  let env: NodeJS.ProcessEnv;
  const sandboxesLeft = () => (existsSync(env.SPAWN_APP_LOCAL_ROOT!) ? readdirSync(env.SPAWN_APP_LOCAL_ROOT!).filter((n) => n.startsWith('local-')).length : 0);

  before(function () {
    if (process.platform !== 'linux') this.skip();
    ensureBuilt();
  });
  beforeEach(() => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'spawn-hostile-'));
    fakeHome = path.join(tmp, 'home');
    mkdirSync(path.join(fakeHome, '.ssh'), { recursive: true });
    writeFileSync(path.join(fakeHome, '.ssh', 'id_ed25519'), FAKE_SSH_KEY, { mode: 0o600 });
    marker = `hostile-child-${randomBytes(4).toString('hex')}`;
    // Outside the app folder: the user's home, and a folder of the user's that is not hidden (this repository).
    outside = [path.join(fakeHome, 'pwned.txt'), path.join(ROOT, `.${marker}.txt`)];
    appDir = path.join(tmp, 'hostile');
    mkdirSync(appDir);
    // No generator: code of unknown origin.
    writeFileSync(path.join(appDir, 'spawn-app.json'), JSON.stringify({ appType: 'webapp', startCommand: 'node server.js', dependencies: [], port: 3000 }));
    writeFileSync(path.join(appDir, 'server.js'), hostileServer({ realHome: fakeHome, outside, marker }));
    // What the hostile app sees, not its page: no browser check (verifyContainment.test.ts tests the browser's).
    env = { SPAWN_APP_LOCAL_ROOT: path.join(tmp, 'sandboxes'), HOME: fakeHome, ...FAKE_SECRETS, ...NO_VERIFY };
  });
  afterEach(() => {
    killMarked(marker);
    for (const f of outside) rmSync(f, { force: true });
    rmSync(tmp, { recursive: true, force: true });
  });

  function assertNoSecrets(body: string, report: Report): void {
    for (const [k, v] of Object.entries(FAKE_SECRETS)) {
      assert.ok(!body.includes(v), `the app saw ${k}`);
      assert.equal(report.env[k], undefined);
    }
    assert.deepEqual(Object.keys(report.env).filter((k) => /^(VSCODE_|ELECTRON_|E2B_|ANTHROPIC|CLAUDE|GITHUB|AWS_|npm_config_(?!registry))/i.test(k)), []);
    assert.equal(report.env.HOST, '127.0.0.1');
    assert.notEqual(report.env.HOME, fakeHome, 'the app gets a home of its own');
  }

  describe('with bubblewrap', () => {
    before(function () {
      const d = detectSandbox();
      // CI installs bubblewrap (.ci/run); a Linux machine without it cannot run these, and says why.
      assert.ok(d.sandboxed, `these tests need a working bwrap: ${d.reason}`);
    });

    it('sees no secret and no home file, cannot write outside its folder, listens on no host address, and leaves nothing after Ctrl-C', async () => {
      const cli = startCli(['deploy', appDir, '--provider', 'local', '--yes', '--json'], env);
      const ready = await cli.waitFor((e) => e.event === 'ready');
      const url = String(ready.url);
      const res = await request(url);
      const report = JSON.parse(res.body) as Report;
      assertNoSecrets(res.body, report);
      assert.equal(report.ssh, 'ENOENT', 'the real home is hidden');
      assert.ok(!res.body.includes('FAKE-KEY-FOR-A-TEST'));
      assert.deepEqual(report.homeListing, [], 'the real home looks empty');
      for (const f of outside) assert.ok(!existsSync(f), `wrote ${f}`);
      assert.equal(printed(cli, 'isolation')?.sandboxed, true);
      // What the app bound (PORT on 0.0.0.0, a random port on 0.0.0.0 and on ::) is not on any host address.
      assert.equal(report.ports.length, 3);
      const exposed = hostListeners().filter((l) => report.ports.includes(l.port) && !l.loopback);
      assert.deepEqual(exposed, [], 'nothing of the app listens on a non-loopback address of the host');
      assert.ok(hostListeners().some((l) => l.port === Number(new URL(url).port) && l.loopback), 'the URL is served on loopback only');
      // Its setsid child runs (so the check below can fail)…
      assert.ok((await untilProcesses(marker, (p) => p.length > 0)).length > 0, 'the setsid child started');
      cli.child.kill('SIGINT');
      const done = await cli.done;
      assert.equal(done.code, 0, done.stderr);
      // …and is gone with its sandbox.
      assert.deepEqual(await untilProcesses(marker, (p) => p.length === 0), []);
      assert.ok(await isDown(url));
      assert.equal(sandboxesLeft(), 0);
    });

    it('when its owner is killed (SIGKILL), every process in the sandbox dies, setsid or not', async () => {
      const cli = startCli(['deploy', appDir, '--provider', 'local', '--yes', '--json'], env);
      const ready = await cli.waitFor((e) => e.event === 'ready');
      assert.ok((await untilProcesses(marker, (p) => p.length > 0)).length > 0);
      cli.child.kill('SIGKILL');
      await cli.done;
      assert.deepEqual(await untilProcesses(marker, (p) => p.length === 0), [], 'nothing outlives the owner');
      assert.ok(await isDown(String(ready.url)));
      const list = await runCli(['list'], env);
      assert.match(list.stderr, /No sandboxes\./, `the stale record is cleaned up: ${list.stdout}${list.stderr}`);
    });

    it('run "a calculator" says it runs sandboxed, and list says so too', async () => {
      const cli = startCli(['run', 'a calculator', '--generator', 'templates'], env);
      const err = await stderrMatch(cli, /Serving; press Ctrl-C/);
      assert.match(err, /local runner: sandboxed: no access to your home folder or keys/);
      assert.doesNotMatch(err, /unsandboxed|Warning/);
      const list = await runCli(['list'], env);
      assert.match(list.stdout, /local-\w+ {2}local {2}calculator .*, sandboxed/);
      cli.child.kill('SIGINT');
      assert.equal((await cli.done).code, 0);
    });

    it('--no-network cuts the app off: no proxy in its environment, only loopback inside', async () => {
      writeFileSync(path.join(appDir, 'server.js'), `require('http').createServer((q, s) => s.end(JSON.stringify({ proxy: process.env.HTTPS_PROXY || null, nets: Object.keys(require('os').networkInterfaces()) }))).listen(process.env.PORT);`);
      for (const flag of [[], ['--no-network']]) {
        const cli = startCli(['deploy', appDir, '--provider', 'local', '--yes', '--json', ...flag], env);
        const ready = await cli.waitFor((e) => e.event === 'ready');
        const seen = JSON.parse((await request(String(ready.url))).body) as { proxy: string | null; nets: string[] };
        assert.deepEqual(seen.nets, ['lo'], 'its own network namespace');
        assert.equal(printed(cli, 'isolation')?.network, flag.length === 0);
        if (flag.length) assert.equal(seen.proxy, null);
        else assert.match(String(seen.proxy), /^http:\/\/127\.0\.0\.1:\d+$/);
        cli.child.kill('SIGINT');
        assert.equal((await cli.done).code, 0);
      }
    });
  });

  describe('fallback (SPAWN_APP_SANDBOX=off)', () => {
    beforeEach(() => {
      env.SPAWN_APP_SANDBOX = 'off';
    });

    it('says "not sandboxed" and why, and asks before running code of unknown origin (without a terminal: needs --yes)', async () => {
      const r = await runCli(['deploy', appDir, '--provider', 'local'], env);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /local runner: not sandboxed: the sandbox is turned off \(SPAWN_APP_SANDBOX=off\)/);
      assert.match(r.stderr, /This code was not generated from a built-in template just now \(it was read from a folder, restored or edited\), and the local runner would run it unsandboxed on this machine, with your permissions \(the sandbox is turned off.*--yes/);
      assert.equal(sandboxesLeft(), 0);
      assert.deepEqual(processesWith(marker), []);
    });

    it('the app still gets only the allowlisted environment, HOST=127.0.0.1 and a home of its own', async () => {
      const cli = startCli(['deploy', appDir, '--provider', 'local', '--yes', '--json'], env);
      const ready = await cli.waitFor((e) => e.event === 'ready');
      const res = await request(String(ready.url));
      assertNoSecrets(res.body, JSON.parse(res.body) as Report);
      const iso = printed(cli, 'isolation');
      assert.equal(iso?.sandboxed, false);
      assert.match(String(iso?.reason), /SPAWN_APP_SANDBOX=off/);
      const list = await runCli(['list'], env);
      assert.match(list.stdout, /, not sandboxed: the sandbox is turned off/);
      cli.child.kill('SIGINT');
      assert.equal((await cli.done).code, 0);
    });

    for (const type of ['webapp', 'script'] as const) {
      it(`the ${type} template binds loopback only ($HOST)`, async () => {
        const cli = startCli(['run', 'a calculator', '--type', type, '--generator', 'templates', '--json'], env);
        const ready = await cli.waitFor((e) => e.event === 'ready');
        const port = Number(new URL(String(ready.url)).port);
        const mine = hostListeners().filter((l) => l.port === port);
        assert.ok(mine.length > 0, 'the app listens');
        assert.deepEqual(mine.filter((l) => !l.loopback), [], 'only on loopback');
        cli.child.kill('SIGINT');
        assert.equal((await cli.done).code, 0);
      });
    }
  });
});

describe('local installs install what the deploy dialog shows (real npm, fake registry)', function () {
  this.timeout(120_000);
  let registry: FakeNpmRegistry;
  let root: string;
  const mark = (name: string) => `node -e "require('fs').writeFileSync(require('path').join(process.env.HOME, '${name}'), 'ran')"`;
  before(async function () {
    if (process.platform !== 'linux') this.skip();
    registry = await FakeNpmRegistry.start([{ name: 'good-dep', version: '1.0.0', scripts: { postinstall: mark('good-postinstall-ran') } }]);
  });
  after(() => registry?.close());
  beforeEach(() => {
    root = mkdtempSync(path.join(os.tmpdir(), 'spawn-install-test-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  const spec: AppSpec = {
    appType: 'webapp',
    startCommand: 'node server.js',
    dependencies: ['good-dep@1.0.0'],
    port: 3000,
    files: [
      { path: 'server.js', content: "require('http').createServer((q, s) => s.end(require('good-dep'))).listen(process.env.PORT)" },
      // What the app's own files add: an undeclared local package with an install script, and a registry of its own.
      { path: 'package.json', content: JSON.stringify({ name: 'app', dependencies: { 'evil-dep': 'file:./evil' }, workspaces: ['.spawn-install'] }) },
      { path: '.npmrc', content: 'registry=http://127.0.0.1:9/\nignore-scripts=false\n' },
      { path: 'evil/package.json', content: JSON.stringify({ name: 'evil-dep', version: '6.6.6', scripts: { postinstall: mark('evil-postinstall-ran') } }) },
      { path: 'evil/index.js', content: 'module.exports = "evil";' },
    ],
  };

  for (const mode of ['sandboxed', 'fallback'] as const) {
    it(`${mode}: only the declared dependency, from the user's registry; install scripts ${mode === 'sandboxed' ? 'run inside the sandbox' : 'do not run'}`, async () => {
      const provider = new LocalProvider({ root, sandbox: mode === 'sandboxed' ? 'auto' : 'off', env: { ...process.env, npm_config_registry: registry.url } });
      try {
        const sandbox = await provider.create({ appName: 'installs', appType: 'webapp' });
        const d = await startIn(sandbox, spec, { provider });
        assert.equal((await request(d.url)).body, 'good-dep', 'the declared dependency is installed');
        const dir = path.join(root, sandbox.id);
        assert.ok(!existsSync(path.join(dir, 'app', 'node_modules', 'evil-dep')), 'the package the app\'s package.json adds is not installed');
        assert.ok(!existsSync(path.join(dir, 'home', 'evil-postinstall-ran')));
        assert.equal(existsSync(path.join(dir, 'home', 'good-postinstall-ran')), mode === 'sandboxed', 'install scripts run only in the sandbox');
        assert.ok(registry.seen().includes('/good-dep'), 'the registry in the user\'s settings, not the app\'s .npmrc');
        assert.equal(provider.isolation().sandboxed, mode === 'sandboxed');
      } finally {
        await provider.destroyAll();
      }
    });
  }
});

describe('a sandboxed app\'s network (real processes)', function () {
  this.timeout(60_000);
  let root: string;
  const servers: http.Server[] = [];
  before(function () {
    requireSandbox(this);
  });
  beforeEach(() => {
    root = mkdtempSync(path.join(os.tmpdir(), 'spawn-net-test-'));
  });
  afterEach(async () => {
    for (const s of servers.splice(0)) s.close();
    rmSync(root, { recursive: true, force: true });
  });
  const listen = async (host: string, body: string) => {
    const s = http.createServer((q, r) => r.end(body));
    servers.push(s);
    await new Promise<void>((r) => s.listen(0, host, r));
    return (s.address() as AddressInfo).port;
  };

  /**
   * The app tries: a service the user allowed (reached through the proxy), this machine's loopback through it
   * (plain and CONNECT, written every way), this machine's own interface address, and a direct connection.
   */
  const probeApp = (ip: string | undefined, allowedPort: number, hostOnlyPort: number) => `
const http = require('http'), net = require('net');
const proxy = process.env.HTTP_PROXY ? new URL(process.env.HTTP_PROXY) : null;
const viaProxy = (target) => new Promise((res) => {
  if (!proxy) return res('no proxy');
  http.get({ host: proxy.hostname, port: proxy.port, path: target }, (r) => { let b = ''; r.on('data', (d) => b += d); r.on('end', () => res(r.statusCode + ' ' + b.trim())); }).on('error', (e) => res(e.code));
});
const connect = (host, port) => new Promise((res) => {
  if (!proxy) return res('no proxy');
  const s = net.connect(Number(proxy.port), proxy.hostname, () => s.write('CONNECT ' + host + ':' + port + ' HTTP/1.1\\r\\n\\r\\n'));
  s.once('data', (d) => { res(String(d).split('\\r\\n')[0]); s.destroy(); });
  s.on('error', (e) => res(e.code));
});
// Inside its own network namespace (only loopback there): no route, so nothing is ever sent.
const direct = () => new Promise((res) => { const s = net.connect(${hostOnlyPort}, ${JSON.stringify(ip ?? '192.0.2.1')}, () => { res('connected'); s.destroy(); }); s.on('error', (e) => res(e.code)); });
http.createServer(async (q, s) => s.end(JSON.stringify({
  allowed: await viaProxy('http://127.0.0.1:${allowedPort}/'),
  allowedConnect: await connect('127.0.0.1', ${allowedPort}),
  hostLoopback: await viaProxy('http://127.0.0.1:${hostOnlyPort}/'),
  hostLoopbackConnect: await connect('127.0.0.1', ${hostOnlyPort}),
  localhostConnect: await connect('localhost', ${hostOnlyPort}),
  mappedConnect: await connect('[::ffff:7f00:1]', ${hostOnlyPort}),
  unspecifiedConnect: await connect('[::ffff:0.0.0.0]', ${hostOnlyPort}),
  decimalConnect: await connect('2130706433', ${hostOnlyPort}),
  decimalHttp: await viaProxy('http://2130706433:${hostOnlyPort}/'),
  ownAddressConnect: ${ip ? `await connect(${JSON.stringify(ip.includes(':') ? `[${ip}]` : ip)}, ${hostOnlyPort})` : "'none'"},
  direct: await direct(),
}))).listen(process.env.PORT);
`;

  for (const network of [true, false]) {
    it(network ? 'network on: what the user allowed through the proxy; this machine (loopback in any spelling, its own address) never' : 'network off: nothing at all', async function () {
      // This machine's own address on its network (if any): it reaches what listens on 0.0.0.0 here.
      const ip = Object.values(os.networkInterfaces()).flat().find((a) => a && a.family === 'IPv4' && !a.internal)?.address;
      const allowedPort = await listen('127.0.0.1', 'allowed service');
      const hostOnlyPort = await listen('0.0.0.0', 'host-only service');
      const provider = new LocalProvider({ root, network, allowLan: true, allow: [{ host: '127.0.0.1', port: allowedPort }] });
      try {
        const spec: AppSpec = { appType: 'webapp', startCommand: 'node server.js', dependencies: [], port: 3000, files: [{ path: 'server.js', content: probeApp(ip, allowedPort, hostOnlyPort) }] };
        const d = await deploy({ spec, provider, verify: false });
        const seen = JSON.parse((await request(d.url)).body) as Record<string, string>;
        assert.equal(seen.direct, 'ENETUNREACH', 'no route out of its own network namespace');
        if (network) {
          assert.equal(seen.allowed, '200 allowed service');
          assert.match(seen.allowedConnect!, /^HTTP\/1\.1 200 /);
          for (const k of ['hostLoopbackConnect', 'localhostConnect', 'mappedConnect', 'unspecifiedConnect', 'decimalConnect', ...(ip ? ['ownAddressConnect'] : [])]) {
            assert.match(seen[k]!, /^HTTP\/1\.1 403 /, `${k}: ${seen[k]}`);
          }
          assert.match(seen.hostLoopback!, /^403 /);
          assert.match(seen.decimalHttp!, /^403 /);
        } else {
          assert.deepEqual([seen.allowed, seen.hostLoopback, seen.hostLoopbackConnect], ['no proxy', 'no proxy', 'no proxy']);
        }
      } finally {
        await provider.destroyAll();
      }
    });
  }
});

describe('bubblewrap detection and the fallback', () => {
  let bin: string;
  let root: string;
  beforeEach(() => {
    bin = mkdtempSync(path.join(os.tmpdir(), 'fake-bwrap-'));
    root = mkdtempSync(path.join(os.tmpdir(), 'spawn-fallback-'));
  });
  afterEach(() => {
    rmSync(bin, { recursive: true, force: true });
    rmSync(root, { recursive: true, force: true });
  });

  it('says why it cannot sandbox: bwrap missing, bwrap refused by the kernel, or turned off', function () {
    if (process.platform !== 'linux') this.skip();
    assert.deepEqual(detectSandbox({ PATH: bin }), { sandboxed: false, reason: 'bubblewrap (bwrap) is not installed; install bubblewrap (e.g. sudo apt-get install bubblewrap, or dnf/pacman install bubblewrap)' });
    // What bwrap prints where unprivileged user namespaces are disabled (a hardened kernel, a container).
    writeFileSync(path.join(bin, 'bwrap'), '#!/bin/sh\necho "bwrap: setting up uid map: Permission denied" >&2\nexit 1\n', { mode: 0o755 });
    assert.deepEqual(detectSandbox({ PATH: bin }), {
      sandboxed: false,
      reason: 'bwrap is installed but cannot create a sandbox here (setting up uid map: Permission denied); unprivileged user namespaces may be disabled',
    });
    assert.match(String(detectSandbox({ PATH: process.env.PATH, SPAWN_APP_SANDBOX: 'off' }).reason), /turned off \(SPAWN_APP_SANDBOX=off\)/);
  });

  it('an unusable bwrap falls back: the app still runs, unsandboxed, with the allowlisted environment', async function () {
    if (process.platform !== 'linux') this.skip();
    writeFileSync(path.join(bin, 'bwrap'), '#!/bin/sh\necho "bwrap: No permissions to create new namespace" >&2\nexit 1\n', { mode: 0o755 });
    const provider = new LocalProvider({ root, env: { ...process.env, ...FAKE_SECRETS, PATH: `${bin}:${process.env.PATH}` } });
    try {
      const iso = provider.isolation();
      assert.equal(iso.sandboxed, false);
      assert.match(String(iso.reason), /No permissions to create new namespace/);
      const spec: AppSpec = { appType: 'webapp', startCommand: 'node server.js', dependencies: [], port: 3000, files: [{ path: 'server.js', content: "require('http').createServer((q, s) => s.end(JSON.stringify(process.env))).listen(process.env.PORT, process.env.HOST)" }] };
      const d = await deploy({ spec, provider, verify: false });
      const env = JSON.parse((await request(d.url)).body) as Record<string, string>;
      for (const k of Object.keys(FAKE_SECRETS)) assert.equal(env[k], undefined, k);
      assert.equal(env.HOST, '127.0.0.1');
      assert.equal(d.sandbox.info().sandboxed, false);
    } finally {
      await provider.destroyAll();
    }
  });
});
