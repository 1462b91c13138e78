/**
 * Spawn App's per-stack E2B templates on the fake E2B: each template's server starts when the sandbox is created
 * (as E2B's setStartCmd + waitForPort snapshot does), so a deploy into it is the file write and the health check;
 * the server restarts only when its start command or server code differs. Real SDK, real Vite, real processes.
 */
import assert from 'node:assert/strict';
import { deploy, deployInto, redeploy } from '../../src/core/deploy/deploy';
import type { SpawnEvent } from '../../src/core/base/events';
import { templateSpec } from '../../src/core/stacks';
import { applyPatch } from '../../src/core/workspace/patch';
import { E2BProvider } from '../../src/core/sandbox/e2b/provider';
import { STACK_TEMPLATES, STACK_TEMPLATES_CHOICE } from '../../src/core/sandbox/preinstalled';
import { FakeE2B } from '../fakes/fakeE2B';
import { request } from '../helpers/http';
import { stackTemplateOptions } from '../helpers/stackImages';
import { connectHmr, viteWsToken } from '../helpers/viteHmr';

/** An app URL of the fake (`http://3000-<id>.localhost:<port>`) as loopback + Host header, as a browser dials it. */
function edge(url: string, host?: string): { base: string; headers: Record<string, string> } {
  const u = new URL(url);
  return { base: `http://127.0.0.1:${u.port}`, headers: { Host: host ?? u.host } };
}

type PhaseEvent = Extract<SpawnEvent, { event: 'phase' }>;
const skipped = (events: SpawnEvent[], phase: string) => events.find((e): e is PhaseEvent => e.event === 'phase' && e.phase === phase && e.status === 'skipped');

describe('per-stack E2B templates: the server already runs, a deploy writes and checks health', function () {
  // The react image is one npm install of the scaffold, built once and kept in the temp folder.
  this.timeout(240_000);
  let fake: FakeE2B;
  let provider: E2BProvider;
  before(async () => {
    fake = await FakeE2B.start({ ...stackTemplateOptions(['react', 'webapp', 'api']), publicDomains: ['e2b.app'] });
    provider = new E2BProvider({ ...fake.connection(), template: STACK_TEMPLATES_CHOICE });
  });
  after(async () => {
    await fake?.close();
  });

  it('picks the template by app type; a script app keeps the node-python one', () => {
    assert.equal(provider.templateFor('react'), 'spawn-app-react');
    assert.equal(provider.templateFor('webapp'), 'spawn-app-webapp');
    assert.equal(provider.templateFor('api'), 'spawn-app-api');
    assert.equal(provider.templateFor('script'), 'spawn-app-node-python');
    assert.equal(provider.preinstalled('vite@7.3.8', 'npm', 'react'), true);
    assert.equal(provider.preinstalled('express', 'npm', 'react'), false);
    assert.equal(new E2BProvider({ ...fake.connection() }).templateFor('react'), 'base');
  });

  it('react: create, one write, health — no install, no start; Vite serves the app under E2B\'s host; an edit reaches HMR through the edge', async () => {
    const spec = templateSpec('react', 'a counter with a reset button');
    const events: SpawnEvent[] = [];
    fake.resetCounts();
    // The deploy's own requests: no verification step (the browser's page loads would count too).
    const d = await deploy({ spec, provider, onEvent: (e) => events.push(e), verify: false });
    const counts = fake.counts();
    assert.deepEqual(Object.keys(counts).sort(), ['APP GET', 'POST /files', 'POST /v2/sandboxes'], JSON.stringify(counts));
    assert.equal(counts['POST /files'], 1);
    assert.equal(skipped(events, 'install')?.detail, 'preinstalled');
    assert.equal(skipped(events, 'start')?.detail, 'already running');
    assert.equal(fake.live()[0]!.templateID, 'spawn-app-react');

    // The app (not the template's placeholder) is what Vite serves, through the edge with E2B's host form.
    const id = d.sandbox.id;
    const e2bHost = edge(d.url, `3000-${id}.e2b.app`);
    const page = await request(e2bHost.base + '/', { headers: e2bHost.headers });
    assert.equal(page.status, 200, page.body);
    assert.match(page.body, /\/@vite\/client/);
    assert.match((await request(e2bHost.base + '/src/App.tsx', { headers: e2bHost.headers })).body, /Reset/);
    // The check is live: the same server refuses a host it does not know.
    const hostPort = fake.live()[0]!.ports[3000]!;
    const blocked = await request(`http://127.0.0.1:${hostPort}/`, { headers: { Host: 'attacker.example' } });
    assert.equal(blocked.status, 403);
    assert.match(blocked.body, /Blocked request/);

    const token = await viteWsToken(e2bHost.base, e2bHost.headers);
    const hmr = await connectHmr(e2bHost.base, token, e2bHost.headers);
    try {
      await hmr.next((m) => m.type === 'connected');
      fake.resetCounts();
      const edited = spec.files.find((f) => f.path === 'src/App.tsx')!.content.replace('>Reset<', '>Start over<');
      const r = await redeploy(d, applyPatch(d.spec, { changes: [{ path: 'src/App.tsx', content: edited }], deletions: [] }).spec, { provider, verify: false });
      assert.equal(r.plan.restart, false);
      await hmr.next((m) => m.type === 'update' && (m.updates ?? []).some((u) => u.path === '/src/App.tsx'));
      assert.deepEqual(Object.keys(fake.counts()).filter((k) => !k.startsWith('APP ')), ['POST /files'], 'the edit is one write');
    } finally {
      hmr.close();
    }
    await d.sandbox.destroy();
  });

  it('deployInto a sandbox that already exists (the pre-warm path): only the write and the health check', async () => {
    const sandbox = await provider.create({ appName: 'warm', appType: 'react' });
    assert.ok(sandbox.serving, 'a sandbox from a stack template knows its server runs');
    fake.resetCounts();
    const d = await deployInto(sandbox, templateSpec('react', 'a todo list'), { provider, verify: false });
    const counts = fake.counts();
    assert.deepEqual(Object.keys(counts).sort(), ['APP GET', 'POST /files'], JSON.stringify(counts));
    assert.equal(sandbox.serving, undefined, 'consumed: the sandbox now runs this app');
    const e = edge(d.url);
    assert.match((await request(e.base + '/src/App.tsx', { headers: e.headers })).body, /What needs doing/);
    await d.sandbox.destroy();
  });

  it('webapp: the template runs the same static server, so no restart', async () => {
    fake.resetCounts();
    const d = await deploy({ spec: templateSpec('webapp', 'a calculator'), provider, verify: false });
    assert.equal(fake.counts()['POST /process.Process/Start'], undefined);
    const e = edge(d.url);
    assert.match((await request(e.base + '/', { headers: e.headers })).body, /<h1>Calculator<\/h1>/);
    await d.sandbox.destroy();
  });

  it('api: express is there, but the server code differs, so the server restarts (no install)', async () => {
    const events: SpawnEvent[] = [];
    fake.resetCounts();
    const d = await deploy({ spec: templateSpec('api', 'notes api'), provider, onEvent: (e) => events.push(e), verify: false });
    assert.equal(skipped(events, 'install')?.detail, 'preinstalled');
    assert.ok(events.some((e) => e.event === 'phase' && e.phase === 'start' && e.status === 'finished'));
    assert.equal(fake.starts.filter((s) => s.sandboxId === d.sandbox.id).length, 2, 'the template\'s server, then ours');
    const e = edge(d.url);
    const notes = await request(e.base + '/api/notes', { headers: e.headers });
    assert.equal(JSON.parse(notes.body).length, 2);
    assert.equal(fake.live().find((s) => s.id === d.sandbox.id)!.pids.length, 1, 'the placeholder server is gone');
    await d.sandbox.destroy();
  });

  it('an app needing more than the template has still installs the extra packages', async () => {
    const base = templateSpec('api', 'notes api');
    const spec = { ...base, dependencies: [...base.dependencies, 'ms@2.1.3'], files: base.files.map((f) => ({ ...f, content: f.content.replace("const PORT", "const ms = require('ms');\nconst PORT").replace("res.json({ status: 'ok'", "res.json({ day: ms('1d'), status: 'ok'") })) };
    const d = await deploy({ spec, provider, verify: false });
    const e = edge(d.url);
    const health = JSON.parse((await request(e.base + '/api/health', { headers: e.headers })).body);
    assert.equal(health.day, 86_400_000);
    const installs = fake.starts.filter((s) => s.sandboxId === d.sandbox.id && /npm install/.test(s.cmd));
    assert.equal(installs.length, 1);
    assert.match(installs[0]!.cmd, /'ms@2\.1\.3'/);
    assert.doesNotMatch(installs[0]!.cmd, /express/);
    await d.sandbox.destroy();
  });

  it('the fake models E2B\'s snapshot: with snapshotTemplates a create hands out a sandbox already serving; sparesReady boots the next', async () => {
    const snap = await FakeE2B.start({ ...stackTemplateOptions(['webapp']), snapshotTemplates: true });
    try {
      assert.equal(snap.starts.length, 1, 'one spare booted before any create');
      const p = new E2BProvider({ ...snap.connection(), template: STACK_TEMPLATES_CHOICE });
      const sb = await p.create({ appName: 'x', appType: 'webapp' });
      const view = snap.live()[0]!;
      assert.equal(view.id, sb.id);
      assert.equal(snap.starts[0]!.sandboxId, sb.id, 'the spare is the sandbox handed out');
      assert.equal((await request(`http://127.0.0.1:${view.ports[3000]}/`)).status, 200);
      assert.equal(snap.starts.length, 1, 'no spare boots while a deploy may be measured');
      await snap.sparesReady();
      assert.equal(snap.starts.length, 2, 'the next spare, when asked for');
      await sb.destroy();
    } finally {
      await snap.close();
    }
  });

  it('the fake\'s template start command ran at create, before create answered, with E2B\'s port mapped', async () => {
    const stack = STACK_TEMPLATES.webapp!;
    const sb = await provider.create({ appName: 'x', appType: 'webapp' });
    const view = fake.live().find((s) => s.id === sb.id)!;
    assert.equal(view.pids.length, 1);
    assert.equal(fake.starts.filter((s) => s.sandboxId === sb.id)[0]!.cmd, stack.baseline.startCommand);
    assert.equal((await request(`http://127.0.0.1:${view.ports[3000]}/`)).status, 200, 'serving when create answered');
    await sb.destroy();
  });
});
