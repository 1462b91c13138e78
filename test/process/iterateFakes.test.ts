/**
 * The iterate loop over the wire: the real Anthropic SDK against the fake Messages API for refine and fix, the real
 * e2b SDK against the fake E2B for the redeploy; the app's answers are real HTTP responses.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { saveApp } from '../../src/core/workspace/appDir';
import { ensureBuilt, runCli } from '../helpers/cli';
import { deploy, redeploy } from '../../src/core/deploy/deploy';
import type { Deployment } from '../../src/core/deploy/deploy';
import type { SpawnEvent } from '../../src/core/base/events';
import { ClaudeGenerator } from '../../src/core/generate/claude';
import { applyPatch } from '../../src/core/workspace/patch';
import { FixLoop } from '../../src/core/generate/fixLoop';
import { E2BProvider } from '../../src/core/sandbox/e2b/provider';
import type { AppSpec } from '../../src/core/app/spec';
import { FakeAnthropic } from '../fakes/fakeAnthropic';
import { FakeE2B } from '../fakes/fakeE2B';
import { getViaEdge } from '../helpers/http';

const SERVER = `const http=require('http'),fs=require('fs'),path=require('path');
http.createServer((q,s)=>{fs.readFile(path.join(__dirname,q.url==='/'?'index.html':q.url),(e,d)=>{if(e){s.writeHead(404);return s.end('nf')}s.end(d)})}).listen(process.env.PORT||3000)`;

const app: AppSpec = {
  appType: 'webapp',
  files: [{ path: 'index.html', content: '<h1>Hello</h1>' }, { path: 'server.js', content: SERVER }],
  startCommand: 'node server.js',
  dependencies: [],
  port: 3000,
  title: 'Hello',
};

describe('iterate with the fake Anthropic and the fake E2B', function () {
  this.timeout(60_000);
  let claudeFake: FakeAnthropic;
  let e2bFake: FakeE2B;
  let claude: ClaudeGenerator;
  const deployments: Deployment[] = [];
  before(async () => {
    claudeFake = await FakeAnthropic.start();
    e2bFake = await FakeE2B.start();
    claude = new ClaudeGenerator({ anthropicApiKey: 'sk-ant-test', anthropicBaseUrl: claudeFake.url }, { maxRetries: 0 });
  });
  afterEach(async () => {
    for (const d of deployments.splice(0)) await d.sandbox.destroy().catch(() => undefined);
  });
  after(async () => {
    await claudeFake.close();
    await e2bFake.close();
  });
  const provider = () => new E2BProvider(e2bFake.connection());

  it('refine sends the edited files, the patch shows as a diff, and accepting it redeploys: the new content is served', async () => {
    const d = await deploy({ spec: app, provider: provider(), verify: false });
    deployments.push(d);
    assert.match((await getViaEdge(d.url + '/')).body, /Hello/);
    // The user edits the page in the editor before asking for a change.
    const edited = applyPatch(app, { changes: [{ path: 'index.html', content: '<h1>Hello, my edit</h1>' }], deletions: [] }).spec;
    claudeFake.enqueue({ kind: 'ok', input: { summary: 'Adds a subtitle.', changes: [{ path: 'index.html', content: '<h1>Hello, my edit</h1><p>Subtitle</p>' }, { path: 'about.html', content: 'About' }], deletions: [] } });
    const events: SpawnEvent[] = [];
    const { patch, usage } = await claude.refine({ spec: edited, followUp: 'add a subtitle', onEvent: (e) => events.push(e) });
    const sent = JSON.stringify(claudeFake.requests.at(-1)!.body);
    assert.match(sent, /Hello, my edit/, 'the request carries the edited file');
    assert.match(sent, /add a subtitle/);
    assert.equal((claudeFake.requests.at(-1)!.body!.tool_choice as { name: string }).name, 'update_app');
    assert.ok(events.some((e) => e.event === 'file' && e.path === 'index.html' && e.status === 'complete'));
    assert.ok(usage.inputTokens > 0 && usage.usd !== null);
    const next = applyPatch(edited, patch).spec;
    e2bFake.resetCounts();
    const { deployment, plan } = await redeploy({ ...d, spec: edited }, next, { verify: false });
    assert.equal(plan.restart, false, 'static files need no restart');
    assert.equal(e2bFake.counts()['POST /files'], 1, 'one batched write');
    assert.equal(e2bFake.counts()['POST /process.Process/Start'] ?? 0, 0, 'no restart, no install');
    assert.equal((await getViaEdge(deployment.url + '/')).body, '<h1>Hello, my edit</h1><p>Subtitle</p>');
    assert.equal((await getViaEdge(deployment.url + '/about.html')).body, 'About');
  });

  it('a crashing start → Fix with Claude (failing output sent) → the fixed app answers', async () => {
    const broken: AppSpec = { ...app, files: [app.files[0]!, { path: 'server.js', content: "require('./config.json'); " + SERVER }] };
    let failure: Error & { code?: string; detail?: string } | undefined;
    try {
      deployments.push(await deploy({ spec: broken, provider: provider(), verify: false }));
    } catch (err) {
      failure = err as Error & { code?: string; detail?: string };
    }
    assert.equal(failure?.code, 'deploy.start_failed');
    assert.equal(e2bFake.liveCount, 0, 'the failed deploy left no sandbox');
    const loop = new FixLoop(2);
    claudeFake.enqueue({ kind: 'ok', input: { summary: 'Removes the missing config.', changes: [{ path: 'server.js', content: SERVER }], deletions: [] } });
    const { patch, usage } = await claude.fix({ spec: broken, step: 'start', output: failure!.detail ?? '' });
    loop.record(usage.usd);
    assert.match(JSON.stringify(claudeFake.requests.at(-1)!.body), /Cannot find module '\.\/config\.json'/, 'the failing output was sent');
    const fixed = applyPatch(broken, patch).spec;
    const d = await deploy({ spec: fixed, provider: provider(), verify: false });
    deployments.push(d);
    loop.succeeded();
    assert.equal((await getViaEdge(d.url + '/')).body, '<h1>Hello</h1>');
  });

  it('a server change restarts the app in place, in the same sandbox', async () => {
    const d = await deploy({ spec: app, provider: provider(), verify: false });
    deployments.push(d);
    const next = applyPatch(app, { changes: [{ path: 'server.js', content: SERVER.replace('s.end(d)', "s.end('v2 '+d)") }], deletions: [] }).spec;
    e2bFake.resetCounts();
    const { deployment, plan } = await redeploy(d, next, { verify: false });
    assert.equal(plan.restart, true);
    assert.equal(deployment.sandbox.id, d.sandbox.id);
    assert.equal(e2bFake.counts()['POST /files'], 1);
    assert.equal(e2bFake.counts()['POST /process.Process/Start'], 1, 'one start, no install');
    assert.equal((await getViaEdge(deployment.url + '/')).body, 'v2 <h1>Hello</h1>');
    assert.equal(e2bFake.liveCount, 1);
  });

  it('a hostile patch from the model is refused before anything is written', async () => {
    claudeFake.enqueue({ kind: 'ok', input: { changes: [{ path: '../../../etc/cron.d/x', content: 'evil' }], deletions: [] } });
    const { patch } = await claude.refine({ spec: app, followUp: 'anything' });
    assert.throws(() => applyPatch(app, patch), { code: 'blocked' });
  });
});

describe('spawn-app refine (CLI, real SDK ↔ fake Anthropic)', function () {
  this.timeout(60_000);
  let claudeFake: FakeAnthropic;
  let tmp: string;
  before(async () => {
    ensureBuilt();
    claudeFake = await FakeAnthropic.start();
  });
  beforeEach(() => (tmp = mkdtempSync(path.join(os.tmpdir(), 'spawn-refine-cli-'))));
  afterEach(() => rmSync(tmp, { recursive: true, force: true }));
  after(() => claudeFake.close());

  it('writes the changed files, deletes removed ones and prints the changed paths', async () => {
    const dir = path.join(tmp, 'app');
    saveApp(dir, app, 'claude');
    writeFileSync(path.join(dir, 'index.html'), '<h1>edited on disk</h1>');
    claudeFake.enqueue({ kind: 'ok', input: { summary: 'Adds a page.', changes: [{ path: 'index.html', content: '<h1>edited on disk</h1><p>more</p>' }, { path: 'about.html', content: 'About' }], deletions: ['server.js'] } });
    const env = { ANTHROPIC_API_KEY: 'sk-ant-test', ANTHROPIC_BASE_URL: claudeFake.url };
    const r = await runCli(['refine', dir, 'add an about page', '--json'], env);
    assert.equal(r.code, 0, r.stderr);
    const changed = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, string>).filter((e) => e.event === 'changed');
    assert.deepEqual(changed.map((e) => `${e.change} ${e.path}`).sort(), ['added about.html', 'changed index.html', 'deleted server.js']);
    assert.match(JSON.stringify(claudeFake.requests.at(-1)!.body), /edited on disk/, 'the request carries the file as it is on disk');
    assert.equal(readFileSync(path.join(dir, 'index.html'), 'utf8'), '<h1>edited on disk</h1><p>more</p>');
    assert.equal(readFileSync(path.join(dir, 'about.html'), 'utf8'), 'About');
    assert.ok(!existsSync(path.join(dir, 'server.js')));
    const human = await runCli(['refine', dir, 'again'], env);
    assert.equal(human.code, 0);
    assert.equal(human.stdout, '', 'the default answer changes nothing');
  });

  it('a hostile patch exits 3 and touches nothing; no key is a clear error', async () => {
    const dir = path.join(tmp, 'app');
    saveApp(dir, app, 'claude');
    claudeFake.enqueue({ kind: 'ok', input: { changes: [{ path: 'index.html', content: 'x' }, { path: '../pwned.txt', content: 'x' }], deletions: [] } });
    const r = await runCli(['refine', dir, 'x', '--json'], { ANTHROPIC_API_KEY: 'sk-ant-test', ANTHROPIC_BASE_URL: claudeFake.url });
    assert.equal(r.code, 3);
    assert.ok(!existsSync(path.join(tmp, 'pwned.txt')));
    assert.equal(readFileSync(path.join(dir, 'index.html'), 'utf8'), app.files[0]!.content);
    const noKey = await runCli(['refine', dir, 'x'], {});
    assert.equal(noKey.code, 4);
    assert.match(noKey.stderr, /needs an Anthropic API key/);
  });
});
