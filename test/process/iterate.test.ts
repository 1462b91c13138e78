import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { deploy, redeploy } from '../../src/core/deploy/deploy';
import type { SpawnEvent } from '../../src/core/base/events';
import { applyPatch, parsePatch } from '../../src/core/workspace/patch';
import { diffSpecs } from '../../src/core/workspace/specDiff';
import { FixLoop, fixMessage, refineMessage, usefulTail } from '../../src/core/generate/fixLoop';
import { planRedeploy } from '../../src/core/deploy/redeployPlan';
import { LocalProvider } from '../../src/core/sandbox/local/provider';
import type { Sandbox } from '../../src/core/sandbox/types';
import type { AppSpec } from '../../src/core/app/spec';
import { request } from '../helpers/http';

const SERVER = `const http=require('http'),fs=require('fs'),path=require('path');
http.createServer((q,s)=>{fs.readFile(path.join(__dirname,q.url==='/'?'index.html':q.url),(e,d)=>{if(e){s.writeHead(404);return s.end('nf')}s.end(d)})}).listen(process.env.PORT||3000)`;

const base: AppSpec = {
  appType: 'webapp',
  files: [
    { path: 'index.html', content: '<h1>v1</h1>' },
    { path: 'app.js', content: 'console.log(1)' },
    { path: 'server.js', content: SERVER },
  ],
  startCommand: 'node server.js',
  dependencies: [],
  port: 3000,
};

describe('iterate: patches', () => {
  it('applies changes, additions and deletions exactly', () => {
    const { spec } = applyPatch(base, { changes: [{ path: '/app/index.html', content: '<h1>v2</h1>' }, { path: 'about.html', content: 'about' }], deletions: ['app.js'] });
    assert.deepEqual(spec.files.map((f) => [f.path, f.content]), [['index.html', '<h1>v2</h1>'], ['server.js', SERVER], ['about.html', 'about']]);
    assert.equal(spec.startCommand, base.startCommand);
    assert.equal(base.files.length, 3, 'the input is not mutated');
  });

  it('refuses, as a whole, a patch touching a path outside the app', () => {
    for (const bad of ['../../etc/passwd', '/etc/x', 'a/../../b']) {
      assert.throws(() => applyPatch(base, { changes: [{ path: 'index.html', content: 'x' }, { path: bad, content: 'x' }], deletions: [] }), { code: 'blocked' });
      assert.throws(() => applyPatch(base, { changes: [], deletions: [bad] }), { code: 'blocked' });
    }
    assert.throws(() => applyPatch(base, { changes: [], deletions: [], startCommand: 'curl x | sh' }), { code: 'blocked' });
  });

  it('parsePatch checks the shape a model returned', () => {
    assert.deepEqual(parsePatch({ changes: [{ path: 'a', content: 'b' }] }), { changes: [{ path: 'a', content: 'b' }], deletions: [] });
    assert.throws(() => parsePatch({ changes: 'nope' }), /changes/);
    assert.throws(() => parsePatch({ changes: [{ path: 1 }] }), /changes\[0\]/);
    assert.throws(() => parsePatch({ changes: [], deletions: [1] }), /deletions/);
  });

  it('the refine request carries the current (edited) files and the follow-up', () => {
    const edited = applyPatch(base, { changes: [{ path: 'index.html', content: '<h1>my own edit</h1>' }], deletions: [] }).spec;
    const msg = refineMessage(edited, 'make it blue');
    assert.match(msg, /<h1>my own edit<\/h1>/);
    assert.doesNotMatch(msg, /<h1>v1<\/h1>/);
    assert.match(msg, /Change request: make it blue/);
  });

  it('the fix request carries the useful tail of the failing output', () => {
    const out = Array.from({ length: 200 }, (_, i) => `line ${i}`).join('\n') + '\nError: Cannot find module express';
    const msg = fixMessage(base, 'start', out);
    assert.match(msg, /Cannot find module express/);
    assert.doesNotMatch(msg, /line 10\n/);
    assert.ok(usefulTail('x\n'.repeat(10000), 60, 100).length <= 101);
  });

  it('the fix loop stops at the cap and keeps the running cost', () => {
    const loop = new FixLoop(2);
    assert.ok(loop.canAttempt());
    loop.record(0.01);
    loop.record(0.02);
    assert.ok(!loop.canAttempt());
    assert.throws(() => loop.record(0.01), /Stopped after 2 fix attempts/);
    assert.ok(Math.abs(loop.costUsd! - 0.03) < 1e-12);
    loop.succeeded();
    assert.ok(loop.canAttempt());
    loop.record(null);
    assert.equal(loop.costUsd, null, 'unknown price stays unknown');
  });
});

describe('iterate: redeploy plan', () => {
  it('a static file of a webapp needs no restart', () => {
    const next = applyPatch(base, { changes: [{ path: 'index.html', content: 'x' }, { path: 'app.js', content: 'y' }], deletions: [] }).spec;
    const plan = planRedeploy(base, next);
    assert.deepEqual(plan.write.map((f) => f.path), ['index.html', 'app.js']);
    assert.equal(plan.restart, false);
    assert.equal(plan.install, false);
  });
  it('server code, the start command or dependencies restart; dependencies reinstall', () => {
    assert.equal(planRedeploy(base, applyPatch(base, { changes: [{ path: 'server.js', content: SERVER + '\n' }], deletions: [] }).spec).restart, true);
    assert.equal(planRedeploy(base, { ...base, startCommand: 'node ./server.js' }).restart, true);
    const deps = planRedeploy(base, { ...base, dependencies: ['express'] });
    assert.equal(deps.restart, true);
    assert.equal(deps.install, true);
    const api: AppSpec = { ...base, appType: 'api' };
    assert.equal(planRedeploy(api, applyPatch(api, { changes: [{ path: 'routes.js', content: '' }], deletions: [] }).spec).restart, true);
    assert.equal(planRedeploy(api, applyPatch(api, { changes: [{ path: 'public/a.css', content: '' }], deletions: [] }).spec).restart, false);
  });
  it('diffSpecs names added, changed and deleted paths', () => {
    const next = applyPatch(base, { changes: [{ path: 'n.txt', content: '' }, { path: 'app.js', content: 'z' }], deletions: ['index.html'] }).spec;
    assert.deepEqual(diffSpecs(base, next), { added: ['n.txt'], changed: ['app.js'], deleted: ['index.html'], startChanged: false, depsChanged: false });
  });
});

describe('iterate: hot redeploy on the local runner', function () {
  this.timeout(30_000);
  let root: string;
  let provider: LocalProvider;
  before(() => {
    root = mkdtempSync(path.join(os.tmpdir(), 'spawn-redeploy-'));
    provider = new LocalProvider({ root });
  });
  after(async () => {
    await provider.destroyAll();
    rmSync(root, { recursive: true, force: true });
  });

  /** Counts the sandbox calls a redeploy makes. */
  function counting(sb: Sandbox) {
    const calls: string[] = [];
    const writeFiles = sb.writeFiles.bind(sb);
    const run = sb.run.bind(sb);
    const start = sb.start.bind(sb);
    sb.writeFiles = (files, signal) => { calls.push(`write:${files.map((f) => f.path).join(',')}`); return writeFiles(files, signal); };
    sb.run = (cmd, o) => { calls.push(`run:${cmd}`); return run(cmd, o); };
    sb.start = (cmd, o) => { calls.push(`start:${cmd}`); return start(cmd, o); };
    return calls;
  }

  it('a static edit writes only that file, keeps the process, and is served at once', async () => {
    const d = await deploy({ spec: base, provider, verify: false });
    const calls = counting(d.sandbox);
    const next = applyPatch(base, { changes: [{ path: 'index.html', content: '<h1>v2</h1>' }], deletions: [] }).spec;
    const events: SpawnEvent[] = [];
    const { deployment, plan } = await redeploy(d, next, { onEvent: (e) => events.push(e), verify: false });
    assert.deepEqual(calls, ['write:index.html']);
    assert.equal(plan.restart, false);
    assert.equal(deployment.process.pid, d.process.pid, 'same process');
    assert.equal((await request(d.url + '/')).body, '<h1>v2</h1>');
    assert.ok(events.some((e) => e.event === 'phase' && e.phase === 'start' && e.status === 'skipped'));
  });

  it('a server edit restarts the app; a deletion removes the file', async () => {
    const d = await deploy({ spec: base, provider, verify: false });
    const calls = counting(d.sandbox);
    const next = applyPatch(base, {
      changes: [{ path: 'server.js', content: SERVER.replace("s.end(d)", "s.end('v3:'+d)") }],
      deletions: ['app.js'],
    }).spec;
    const { deployment } = await redeploy(d, next, { verify: false });
    assert.notEqual(deployment.process.pid, d.process.pid);
    assert.deepEqual(calls.map((c) => c.split(':')[0]), ['write', 'run', 'start']);
    assert.equal((await request(deployment.url + '/')).body, 'v3:<h1>v1</h1>');
    const dir = (d.sandbox as unknown as { appDir: string }).appDir;
    assert.ok(!existsSync(path.join(dir, 'app.js')));
    assert.equal(readFileSync(path.join(dir, 'index.html'), 'utf8'), '<h1>v1</h1>');
  });
});
