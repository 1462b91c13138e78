/**
 * The local runner's per-user dependency cache, with real processes, real npm and a fake registry: an api app's
 * express is installed once and linked by every later app; extras install per app; a damaged entry is rebuilt; an
 * unsafe cache folder is refused; a hostile app cannot write into the cache; `spawn-app cache` / `--clear`.
 */
import assert from 'node:assert/strict';
import { mkdirSync, chmodSync, chownSync, existsSync, lstatSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, symlinkSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { deploy, redeploy } from '../../src/core/deploy/deploy';
import type { SpawnEvent } from '../../src/core/base/events';
import { DepCache, MARKER } from '../../src/core/sandbox/local/depCache';
import { LocalProvider } from '../../src/core/sandbox/local/provider';
import type { AppSpec } from '../../src/core/app/spec';
import { templateSpec } from '../../src/core/stacks';
import { FakeNpmRegistry } from '../fakes/fakeNpmRegistry';
import { ensureBuilt, runCli } from '../helpers/cli';
import { requireSandbox } from '../helpers/sandbox';
import { request } from '../helpers/http';

/** Just enough of express for these apps: express(), app.get, res.send / res.json, app.listen. */
const FAKE_EXPRESS = `const http = require('http');
module.exports = function express() {
  const routes = {};
  const app = { get: (p, h) => { routes[p] = h; }, use: () => undefined,
    listen: (port, ...rest) => http.createServer((req, res) => {
      const h = routes[req.url];
      if (!h) { res.statusCode = 404; return res.end(); }
      res.send = (b) => res.end(String(b));
      res.json = (o) => res.end(JSON.stringify(o));
      h(req, res);
    }).listen(port, ...rest) };
  return app;
};
module.exports.json = () => (q, s, n) => n();
`;

const apiSpec = (body: string, extra: string[] = []): AppSpec => ({
  appType: 'api',
  startCommand: 'node server.js',
  dependencies: ['express@^4.21.2', ...extra],
  port: 3000,
  files: [{ path: 'server.js', content: `const express = require('express');\nconst app = express();\n${body}\napp.listen(Number(process.env.PORT));\n` }],
});

const mark = (name: string) => `node -e "require('fs').writeFileSync(require('path').join(process.env.HOME, '${name}'), 'ran')"`;

const HELLO = apiSpec("app.get('/', (req, res) => res.send('hello from express'));");

describe('the local dependency cache (real npm, fake registry)', function () {
  this.timeout(120_000);
  let registry: FakeNpmRegistry;
  let root: string;
  let cacheRoot: string;
  before(async function () {
    if (process.platform !== 'linux') this.skip();
    registry = await FakeNpmRegistry.start([
      { name: 'express', version: '4.21.2', files: { 'index.js': FAKE_EXPRESS }, scripts: { postinstall: mark('express-postinstall-ran') } },
      { name: 'extra-dep', version: '1.0.0', files: { 'index.js': "module.exports = 'extra-dep says hi';" }, scripts: { postinstall: mark('extra-postinstall-ran') } },
    ]);
  });
  after(() => registry?.close());
  beforeEach(() => {
    root = mkdtempSync(path.join(os.tmpdir(), 'spawn-depcache-root-'));
    cacheRoot = path.join(mkdtempSync(path.join(os.tmpdir(), 'spawn-depcache-')), 'deps');
  });
  afterEach(() => {
    rmSync(root, { recursive: true, force: true });
    rmSync(path.dirname(cacheRoot), { recursive: true, force: true });
  });

  const expressFetches = () => registry.seen().filter((u) => u === '/express').length;
  const deployed = async (provider: LocalProvider, spec: AppSpec) => {
    const events: SpawnEvent[] = [];
    // The cache, not the page: no browser check (the verification suites test it).
    const d = await deploy({ spec, provider, onEvent: (e) => events.push(e), verify: false });
    const install = events.filter((e): e is Extract<SpawnEvent, { event: 'phase' }> => e.event === 'phase' && e.phase === 'install').map((e) => `${e.status}${e.detail ? ` ${e.detail}` : ''}`);
    const installLog = events.filter((e) => e.event === 'log' && e.source === 'install').map((e) => (e as { line: string }).line);
    return { d, install, installLog };
  };

  for (const mode of ['sandboxed', 'fallback'] as const) {
    it(`${mode}: the second api deploy runs no npm install of express; an extra installs per app, beside the cached express`, async function () {
      if (mode === 'sandboxed') requireSandbox(this);
      const provider = new LocalProvider({ root, cacheRoot, sandbox: mode === 'sandboxed' ? 'auto' : 'off', env: { ...process.env, npm_config_registry: registry.url } });
      try {
        const before = expressFetches();
        const first = await deployed(provider, HELLO);
        assert.deepEqual(first.install, ['started', 'finished']);
        assert.equal((await request(first.d.url)).body, 'hello from express');
        assert.equal(expressFetches(), before + 1, 'the first deploy installed express (into the cache)');
        const home = path.join(root, first.d.sandbox.id, 'home');
        assert.ok(!existsSync(path.join(home, 'express-postinstall-ran')), "the cache build's home is not the app's");
        assert.equal(existsSync(path.join(root, first.d.sandbox.id, 'net', 'build-home', 'express-postinstall-ran')), mode === 'sandboxed', 'the cache build runs install scripts only in the sandbox');
        assert.ok(!existsSync(path.join(os.homedir(), 'express-postinstall-ran')));
        const entries = new DepCache(cacheRoot).entries();
        assert.equal(entries.length, 1);
        assert.match(entries[0]!.key, /^api-[0-9a-f]{12}$/);
        assert.ok(entries[0]!.complete && entries[0]!.bytes > 0);
        await first.d.sandbox.destroy();

        const second = await deployed(provider, apiSpec("app.get('/', (req, res) => res.send('second app'));"));
        assert.equal(second.install.length, 1);
        assert.match(second.install[0]!, /^skipped cached: api-[0-9a-f]{12}$/, 'no install phase ran');
        assert.deepEqual(second.installLog, [], 'no installer output: npm did not run');
        assert.equal(expressFetches(), before + 1, 'express was not fetched again');
        assert.equal((await request(second.d.url)).body, 'second app');
        const link = path.join(root, second.d.sandbox.id, 'app', 'node_modules', 'express');
        assert.equal(path.dirname(path.dirname(readlinkOrEmpty(link))), entries[0]!.dir, 'node_modules/express links into the cache entry');

        // The app's own package.json adds nothing to its extras' install. (An .npmrc or a file: dependency is a
        // validation error now, so it never reaches a deploy; an undeclared registry package is only a warning.)
        const extraSpec = apiSpec("app.get('/', (req, res) => res.send(require('extra-dep')));", ['extra-dep@1.0.0']);
        extraSpec.files.push({ path: 'package.json', content: JSON.stringify({ name: 'app', dependencies: { 'evil-dep': '6.6.6' } }) });
        const withExtra = await deployed(provider, extraSpec);
        assert.deepEqual(withExtra.install, ['started', 'finished']);
        const extraApp = path.join(root, withExtra.d.sandbox.id);
        assert.ok(!existsSync(path.join(extraApp, 'app', 'node_modules', 'evil-dep')), 'only declared packages');
        assert.equal(existsSync(path.join(extraApp, 'home', 'extra-postinstall-ran')), mode === 'sandboxed', 'scripts only in the sandbox');
        assert.equal((await request(withExtra.d.url)).body, 'extra-dep says hi');
        assert.equal(expressFetches(), before + 1, 'only the extra was installed');
        assert.ok(registry.seen().includes('/extra-dep'));

        // A running app that gains the extra (a redeploy that reinstalls): only the extra installs, then it restarts.
        const grown = await redeploy(second.d, apiSpec("app.get('/', (req, res) => res.send('grown: ' + require('extra-dep')));", ['extra-dep@1.0.0']), { provider, verify: false });
        assert.equal(grown.plan.install, true);
        assert.equal((await request(grown.deployment.url)).body, 'grown: extra-dep says hi');
        assert.equal(expressFetches(), before + 1, 'express still comes from the cache');
      } finally {
        await provider.destroyAll();
      }
    });
  }

  it('a damaged entry (a package deleted, no marker, a leftover half-build) is rebuilt, never fatal', async () => {
    const provider = new LocalProvider({ root, cacheRoot, env: { ...process.env, npm_config_registry: registry.url } });
    try {
      await (await deployed(provider, HELLO)).d.sandbox.destroy();
      const entry = new DepCache(cacheRoot).entries()[0]!;
      const damage: [string, () => void][] = [
        ['a deleted package file', () => unlinkSync(path.join(entry.dir, 'node_modules', 'express', 'package.json'))],
        ['a missing marker (half-written)', () => unlinkSync(path.join(entry.dir, MARKER))],
        ['a corrupt marker', () => writeFileSync(path.join(entry.dir, MARKER), '{"version":1,')],
      ];
      // A build that died an hour ago left its temporary folder behind.
      const dead = path.join(cacheRoot, `.tmp-${entry.key}-dead`);
      mkdirSync(path.join(dead, 'node_modules'), { recursive: true, mode: 0o700 });
      const hourAgo = new Date(Date.now() - 2 * 3_600_000);
      utimesSync(dead, hourAgo, hourAgo);
      for (const [what, hurt] of damage) {
        hurt();
        assert.equal(new DepCache(cacheRoot).entries()[0]!.complete, false, what);
        const before = expressFetches();
        const again = await deployed(provider, HELLO);
        assert.deepEqual(again.install, ['started', 'finished'], `${what}: rebuilt in the install phase`);
        assert.equal(expressFetches(), before + 1, `${what}: express installed again`);
        assert.equal((await request(again.d.url)).body, 'hello from express', what);
        assert.ok(new DepCache(cacheRoot).entries()[0]!.complete, what);
        await again.d.sandbox.destroy();
      }
      assert.deepEqual(readdirSync(cacheRoot).filter((n) => n.startsWith('.')), [], 'no temporary or trash folder is left');
    } finally {
      await provider.destroyAll();
    }
  });

  it('two deploys building the same entry at once: one entry, both apps run', async () => {
    const a = new LocalProvider({ root, cacheRoot, env: { ...process.env, npm_config_registry: registry.url } });
    const b = new LocalProvider({ root, cacheRoot, env: { ...process.env, npm_config_registry: registry.url } });
    try {
      const [x, y] = await Promise.all([deployed(a, HELLO), deployed(b, HELLO)]);
      assert.equal((await request(x.d.url)).body, 'hello from express');
      assert.equal((await request(y.d.url)).body, 'hello from express');
      assert.deepEqual(readdirSync(cacheRoot).filter((n) => !n.startsWith('.trash')).length, 1);
      assert.ok(new DepCache(cacheRoot).entries()[0]!.complete);
    } finally {
      await a.destroyAll();
      await b.destroyAll();
    }
  });

  it('a cache folder or entry writable by others, or owned by another user, is refused with a sentence', async () => {
    const provider = new LocalProvider({ root, cacheRoot, env: { ...process.env, npm_config_registry: registry.url } });
    try {
      await (await deployed(provider, HELLO)).d.sandbox.destroy();
      const entry = new DepCache(cacheRoot).entries()[0]!;
      chmodSync(entry.dir, 0o777);
      await assert.rejects(deploy({ spec: HELLO, provider }), /^SpawnError: The dependency cache folder .*api-[0-9a-f]+ is not safe to use: it is writable by other users \(mode 777\)\. Remove it, or set SPAWN_APP_CACHE_DIR/);
      assert.ok(existsSync(path.join(entry.dir, MARKER)), 'the refused entry is left alone');
      chmodSync(entry.dir, 0o700);
      chmodSync(cacheRoot, 0o777);
      await assert.rejects(deploy({ spec: HELLO, provider }), /not safe to use: it is writable by other users/);
      chmodSync(cacheRoot, 0o700);
      if (process.getuid?.() === 0) {
        chownSync(entry.dir, 65534, 65534);
        await assert.rejects(deploy({ spec: HELLO, provider }), /not safe to use: it is owned by another user \(uid 65534\)/);
        chownSync(entry.dir, 0, 0);
      }
      assert.equal((await deployed(provider, HELLO)).install[0], `skipped cached: ${entry.key}`, 'usable again once fixed');
    } finally {
      await provider.destroyAll();
    }
  });

  it('no cache folder can be made (a file where its parent should be): the app installs per app, as before', async () => {
    const blocker = path.join(path.dirname(cacheRoot), 'not-a-folder');
    writeFileSync(blocker, 'x');
    const provider = new LocalProvider({ root, cacheRoot: path.join(blocker, 'deps'), env: { ...process.env, npm_config_registry: registry.url } });
    try {
      const d = await deployed(provider, HELLO);
      assert.deepEqual(d.install, ['started', 'finished']);
      assert.equal((await request(d.d.url)).body, 'hello from express');
      assert.ok(lstatSync(path.join(root, d.d.sandbox.id, 'app', 'node_modules', 'express')).isDirectory(), 'installed into the app itself');
    } finally {
      await provider.destroyAll();
    }
  });

  it('sandboxed: a cache build in a sandbox whose app already ran does not run in the app\'s home (npm would read a cache the app planted in ~/.npm)', async function () {
    requireSandbox(this);
    const provider = new LocalProvider({ root, cacheRoot, env: { ...process.env, npm_config_registry: registry.url } });
    try {
      const sb = await provider.create({ appName: 'first-api', appType: 'api' });
      const home = path.join(root, sb.id, 'home');
      // The app ran before the entry is built (a restart in place after the entry was removed): its code left an npm
      // cache in its home, where npm looks by default, and a file in its folder (which the build does not get either).
      const planted = await sb.run('mkdir -p "$HOME/.npm/_cacache" && echo poisoned > "$HOME/.npm/_cacache/planted" && echo planted > planted.txt');
      assert.equal(planted.exitCode, 0, planted.stderr);
      const cached = sb.cachedInstall!(HELLO)!;
      assert.equal(cached.needsInstall, true);
      const res = await cached.run({});
      assert.equal(res.exitCode, 0, res.stderr);
      assert.ok(new DepCache(cacheRoot).entries()[0]!.complete);
      assert.ok(!existsSync(path.join(home, 'express-postinstall-ran')), "the build's install scripts ran with the app's home");
      assert.deepEqual(readdirSync(path.join(home, '.npm', '_cacache')), ['planted'], "the build's npm used the app's ~/.npm as its cache");
    } finally {
      await provider.destroyAll();
    }
  });

  it('sandboxed: the cache is read-only from inside the app (a hostile app tries to write into it)', async function () {
    requireSandbox(this);
    const provider = new LocalProvider({ root, cacheRoot, env: { ...process.env, npm_config_registry: registry.url } });
    try {
      const hostile = apiSpec(`const fs = require('fs'), path = require('path');
const tries = {};
const attempt = (name, fn) => { try { fn(); tries[name] = 'wrote'; } catch (e) { tries[name] = e.code; } };
const real = path.dirname(require.resolve('express'));
attempt('through the link', () => fs.writeFileSync('node_modules/express/index.js', 'module.exports = () => { throw new Error("poisoned"); };'));
attempt('the real path', () => fs.appendFileSync(path.join(real, 'index.js'), '\\n// poisoned'));
attempt('a new file', () => fs.writeFileSync(path.join(real, '..', 'evil.js'), 'x'));
attempt('delete', () => fs.rmSync(path.join(real, 'package.json')));
attempt('the entry itself', () => fs.writeFileSync(path.join(real, '..', '..', 'evil.txt'), 'x'));
app.get('/', (req, res) => res.json({ real, tries }));`);
      const d = (await deployed(provider, hostile)).d;
      const seen = JSON.parse((await request(d.url)).body) as { real: string; tries: Record<string, string> };
      const entry = new DepCache(cacheRoot).entries()[0]!;
      assert.equal(seen.real, path.join(entry.dir, 'node_modules', 'express'), 'the app resolves express from the cache');
      assert.deepEqual(seen.tries, { 'through the link': 'EROFS', 'the real path': 'EROFS', 'a new file': 'EROFS', delete: 'EROFS', 'the entry itself': 'EROFS' });
      assert.equal(readFileSync(path.join(entry.dir, 'node_modules', 'express', 'index.js'), 'utf8'), FAKE_EXPRESS, 'the cached express is unchanged');
      assert.ok(entry.complete);
      assert.equal((await deployed(provider, HELLO)).install[0], `skipped cached: ${entry.key}`);
    } finally {
      await provider.destroyAll();
    }
  });

  it('spawn-app cache lists the entries with their size; --clear removes them (--json too)', async () => {
    ensureBuilt();
    const env = { SPAWN_APP_CACHE_DIR: cacheRoot, SPAWN_APP_LOCAL_ROOT: root };
    const empty = await runCli(['cache'], env);
    assert.equal(empty.code, 0, empty.stderr);
    assert.match(empty.stderr, /^The dependency cache .* is empty\.\n$/);
    const provider = new LocalProvider({ root, cacheRoot, env: { ...process.env, npm_config_registry: registry.url } });
    try {
      await (await deployed(provider, HELLO)).d.sandbox.destroy();
    } finally {
      await provider.destroyAll();
    }
    const entry = new DepCache(cacheRoot).entries()[0]!;
    const listed = await runCli(['cache'], env);
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, new RegExp(`^${entry.key}  api  \\d+(\\.\\d)? (KB|MB)  built .+  ${escape(entry.dir)}\\n$`));
    assert.match(listed.stderr, /^1 entry, \d+(\.\d)? (KB|MB) in total, in .+\.\n$/);
    const json = await runCli(['cache', '--json'], env);
    const lines = json.stdout.trim().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(lines.map((l) => [l.event, l.key, l.stack, l.complete]), [['cacheEntry', entry.key, 'api', true]]);
    assert.ok(lines[0].bytes > 0);
    // An entry a running app links is kept.
    const live = new LocalProvider({ root, cacheRoot, env: { ...process.env, npm_config_registry: registry.url } });
    try {
      const running = await deployed(live, HELLO);
      const keep = await runCli(['cache', '--clear'], env);
      assert.equal(keep.code, 0, keep.stderr);
      assert.equal(keep.stderr, `Removed 0 dependency cache entries (0.0 KB). Kept ${entry.key}: running apps use it.\n`);
      assert.equal((await request(running.d.url)).body, 'hello from express');
    } finally {
      await live.destroyAll();
    }
    const cleared = await runCli(['cache', '--clear'], env);
    assert.equal(cleared.code, 0, cleared.stderr);
    assert.match(cleared.stderr, /^Removed 1 dependency cache entry \(\d+(\.\d)? (KB|MB)\)\.\n$/);
    assert.deepEqual(readdirSync(cacheRoot), []);
    const clearedJson = await runCli(['cache', '--clear', '--json'], env);
    assert.deepEqual(JSON.parse(clearedJson.stdout), { event: 'cacheCleared', removed: [], kept: [], bytes: 0 });
    chmodSync(cacheRoot, 0o777);
    const refused = await runCli(['cache'], env);
    assert.equal(refused.code, 3);
    assert.match(refused.stderr, /^Error: The dependency cache folder .* is not safe to use: it is writable by other users \(mode 777\)\./);
  });
});

function readlinkOrEmpty(p: string): string {
  try {
    return readlinkSync(p);
  } catch {
    return '';
  }
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

describe('the Python dependency cache: an entry is keyed by the interpreter it was built with', () => {
  let tmp: string;
  beforeEach(() => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'spawn-pycache-'));
  });
  afterEach(() => rmSync(tmp, { recursive: true, force: true }));

  /** A folder whose `python3` answers as the given version would (it prints the version asked for). */
  const pythonBin = (version: string): string => {
    const bin = path.join(tmp, `bin-${version}`);
    mkdirSync(bin);
    writeFileSync(path.join(bin, 'python3'), `#!/bin/sh\necho ${version}\n`, { mode: 0o755 });
    return bin;
  };

  it('a venv built where python3 is 3.11 is not used where python3 is 3.12 (and still is where it is 3.11)', async () => {
    const cacheRoot = path.join(tmp, 'cache');
    const spec = templateSpec('python-api', 'a notes api');
    const py311 = new DepCache(cacheRoot, () => pythonBin('3.11'));
    const plan = py311.plan(spec, true)!;
    assert.ok(plan, 'the template is covered by the cache');
    await py311.build(plan, true, async (dir) => {
      // What `python3 -m venv` and pip leave, as far as the entry's check looks: the interpreter link, each pin's metadata.
      mkdirSync(path.join(dir, 'venv', 'bin'), { recursive: true });
      symlinkSync(process.execPath, path.join(dir, 'venv', 'bin', 'python3'));
      for (const [name, version] of Object.entries(py311.lockedSet(plan))) {
        const info = path.join(dir, 'venv', 'lib', 'python3.11', 'site-packages', `${name}-${version}.dist-info`);
        mkdirSync(info, { recursive: true });
        writeFileSync(path.join(info, 'METADATA'), `Name: ${name}\nVersion: ${version}\n`);
      }
    });
    assert.equal(py311.ready(plan), true, 'built and ready for 3.11');

    const py312 = new DepCache(cacheRoot, () => pythonBin('3.12'));
    const plan312 = py312.plan(spec, true)!;
    assert.notEqual(plan312.key, plan.key, 'another key for another minor version');
    assert.equal(py312.ready(plan312), false, 'the 3.11 venv is not taken by 3.12');
    assert.equal(new DepCache(cacheRoot, () => path.join(tmp, 'bin-3.11')).ready(plan), true, 'the 3.11 entry is still there for 3.11');
  });
});
