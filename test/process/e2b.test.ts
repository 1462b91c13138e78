/**
 * The E2B provider with the real `e2b` SDK against the wire-level fake E2B (test/fakes/fakeE2B.ts): deploys that
 * answer through the app's URL, a request count that does not grow with the file count, every injected fault
 * ending with no sandbox left, cancellation, list/destroy/extend, and the CLI's Done-when path.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Sandbox as SdkSandbox } from 'e2b';
import { deploy } from '../../src/core/deploy/deploy';
import type { Deployment } from '../../src/core/deploy/deploy';
import { SpawnError } from '../../src/core/base/errors';
import type { SpawnEvent } from '../../src/core/base/events';
import { templateSpec } from '../../src/core/stacks';
import type { AppSpec } from '../../src/core/app/spec';
import { createProvider } from '../../src/core/sandbox';
import { E2BProvider, probeUrl } from '../../src/core/sandbox/e2b/provider';
import type { E2BProviderOptions } from '../../src/core/sandbox/e2b/provider';
import { withDataDir } from '../../src/core/sandbox/e2b/sandbox';
import { FakeE2B } from '../fakes/fakeE2B';
import { ensureBuilt, NO_VERIFY, runCli, startCli } from '../helpers/cli';
import { getViaEdge } from '../helpers/http';
import { until } from '../helpers/poll';

/** GET through an app URL; `*.localhost` is dialled on loopback with the Host header, as a browser would resolve it. */
function withFiles(n: number): AppSpec {
  const spec = templateSpec('webapp', 'a calculator');
  // Exactly n files: the static server, its page (n >= 2), then filler files.
  const base = spec.files.filter((f) => f.path === 'server.js' || (n >= 2 && f.path === 'index.html'));
  const extra = Array.from({ length: Math.max(0, n - base.length) }, (_, i) => ({ path: `assets/part-${i}.txt`, content: `part ${i}\n`.repeat(20) }));
  return { ...spec, files: [...base, ...extra] };
}

async function rejectsWith(p: Promise<unknown>, code: string): Promise<SpawnError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof SpawnError, `expected a SpawnError, got ${String(err)}`);
    assert.equal(err.code, code, `${err.code}: ${err.message}`);
    return err;
  }
  assert.fail(`expected ${code}, but it resolved`);
}

describe('E2B provider (real SDK against the fake E2B)', function () {
  this.timeout(60_000);
  let fake: FakeE2B;
  const deployments: Deployment[] = [];

  const provider = (extra: Partial<E2BProviderOptions> = {}) => new E2BProvider({ ...fake.connection(), ...extra });
  const run = async (spec: AppSpec, p = provider(), extra: { signal?: AbortSignal; onEvent?: (e: SpawnEvent) => void; readyTimeoutMs?: number; timeoutMs?: number } = {}) => {
    // The provider, not the page: no browser check (the verification suites test it).
    const d = await deploy({ spec, provider: p, verify: false, ...extra });
    deployments.push(d);
    return d;
  };
  const nothingLeft = async () => {
    await until(() => fake.liveCount === 0 && fake.runningProcesses() === 0, 'no sandbox and no process left in the fake', 5000);
    assert.equal(fake.liveCount, 0);
  };

  before(async () => {
    // A warm npm cache keeps the api deploy fast (the real E2B starts cold).
    fake = await FakeE2B.start({ processEnv: { npm_config_cache: path.join(os.homedir(), '.npm'), npm_config_prefer_offline: 'true' } });
  });
  after(async () => {
    await fake.close();
  });
  beforeEach(() => {
    fake.clearFaults();
    fake.setLatency(0);
    fake.setLatency(0, 'POST /v2/sandboxes');
    fake.setLatency(0, 'POST /files');
    fake.resetCounts();
  });
  afterEach(async () => {
    for (const d of deployments.splice(0)) await d.sandbox.destroy().catch(() => undefined);
    for (const s of fake.live()) await fake.expire(s.id);
  });

  describe('deploys', () => {
    it('a webapp: one create, one write, one start, then it answers through https-or-http://3000-<id>.<domain>', async () => {
      const events: SpawnEvent[] = [];
      const d = await run(templateSpec('webapp', 'a calculator'), provider(), { onEvent: (e) => events.push(e) });
      assert.match(d.url, new RegExp(`^http://3000-${d.sandbox.id}\\.localhost:${fake.port}$`));
      const res = await getViaEdge(d.url);
      assert.equal(res.status, 200);
      assert.match(res.body, /Calculator/);
      const counts = fake.counts();
      assert.equal(counts['POST /v2/sandboxes'], 1);
      assert.equal(counts['POST /files'], 1);
      assert.equal(counts['POST /process.Process/Start'], 1);
      assert.ok(events.some((e) => e.event === 'phase' && e.phase === 'install' && e.status === 'skipped'));
      assert.ok(events.some((e) => e.event === 'log' && e.source === 'app' && /Listening on port/.test(e.line)), 'app output is streamed as log events');
      // Marked as ours.
      const [sb] = fake.live();
      assert.equal(sb!.metadata.createdBy, 'spawn-app');
      assert.equal(sb!.metadata.appType, 'webapp');
      assert.ok(sb!.metadata.appName);
      assert.ok(sb!.endAt - sb!.startedAt >= 14 * 60_000, 'created with the 15 min default timeout');
    });

    it('a script (Python) that writes a report and serves it', async () => {
      const d = await run(templateSpec('script', 'analyse visits'));
      const res = await getViaEdge(d.url);
      assert.equal(res.status, 200);
      assert.match(res.body, /<html/i);
    });

    it('an api (Express from the registry): the install streams its output, then the API answers', async () => {
      const events: SpawnEvent[] = [];
      const d = await run(templateSpec('api', 'a notes api'), provider(), { onEvent: (e) => events.push(e) });
      const res = await getViaEdge(`${d.url}/api/health`);
      assert.equal(res.status, 200);
      assert.equal((JSON.parse(res.body) as { status: string }).status, 'ok');
      assert.ok(events.some((e) => e.event === 'phase' && e.phase === 'install' && e.status === 'finished'));
      assert.equal(fake.counts()['POST /process.Process/Start'], 2, 'install + start');
    });

    it('in a constant number of requests for 1, 10 and 50 files', async function () {
      const measured: Record<number, { requests: number; ms: number; counts: Record<string, number> }> = {};
      for (const n of [1, 10, 50]) {
        fake.resetCounts();
        const t0 = performance.now();
        const d = await run(withFiles(n));
        const ms = Math.round(performance.now() - t0);
        measured[n] = { requests: fake.apiRequests(), ms, counts: fake.counts() };
        assert.equal(d.spec.files.length, n);
        assert.equal((await getViaEdge(`${d.url}/`)).status, n >= 2 ? 200 : 404);
        if (n > 2) assert.equal((await getViaEdge(`${d.url}/assets/part-${n - 3}.txt`)).status, 200);
        await d.sandbox.destroy();
      }
      if (process.env.SPAWN_APP_REPORT) console.log(JSON.stringify(measured, null, 2));
      assert.equal(measured[1]!.requests, 3, 'create + one write + start');
      assert.equal(measured[10]!.requests, measured[1]!.requests);
      assert.equal(measured[50]!.requests, measured[1]!.requests);
      for (const n of [1, 10, 50]) assert.equal(measured[n]!.counts['POST /files'], 1);
    });
  });

  describe('every fault ends with the sandbox killed and a clear error', () => {
    it('create fails (500)', async () => {
      fake.fail('create');
      const err = await rejectsWith(run(templateSpec('webapp', 'x')), 'deploy.failed');
      assert.match(err.message, /E2B create failed/);
      await nothingLeft();
    });

    it('the batched write fails', async () => {
      fake.fail('write');
      await rejectsWith(run(templateSpec('webapp', 'x')), 'deploy.write_failed');
      await nothingLeft();
    });

    it('the install fails, with the installer\'s last lines', async () => {
      fake.fail('install');
      const err = await rejectsWith(run(templateSpec('api', 'notes')), 'deploy.install_failed');
      assert.match(err.detail ?? '', /npm ERR! 404/);
      await nothingLeft();
    });

    it('the app exits at start, with its last output (fails fast)', async () => {
      fake.fail('start');
      // A ready timeout longer than the test's: a deploy that waited for it instead of the exit fails there.
      const err = await rejectsWith(run(templateSpec('webapp', 'x'), provider(), { readyTimeoutMs: 120_000 }), 'deploy.start_failed');
      assert.match(err.detail ?? '', /Cannot find module/);
      await nothingLeft();
    });

    it('the app never answers through the edge (502), with its last output', async () => {
      fake.fail('health');
      const err = await rejectsWith(run(templateSpec('webapp', 'x'), provider(), { readyTimeoutMs: 800 }), 'deploy.health_timeout');
      assert.match(err.message, /never answered on port 3000/);
      assert.match(err.detail ?? '', /Listening on port/);
      await nothingLeft();
    });

    it('the kill fails once during cleanup: it is retried', async () => {
      fake.fail('write');
      fake.fail('kill');
      await rejectsWith(run(templateSpec('webapp', 'x')), 'deploy.write_failed');
      assert.equal(fake.counts()['DELETE /sandboxes/:id'], 2);
      await nothingLeft();
    });

    it('a bad key (401)', async () => {
      const err = await rejectsWith(run(templateSpec('webapp', 'x'), provider({ apiKey: 'e2b_wrong' })), 'deploy.auth');
      assert.deepEqual(err.hints, [{ key: 'e2b' }], 'the hint names the key; each front says how to set it');
      assert.doesNotMatch(`${err.message} ${err.detail ?? ''}`, /e2b_wrong/, 'the key never appears in error text');
      await nothingLeft();
    });

    it('quota reached (429 without Retry-After)', async () => {
      fake.rateLimit(1);
      const err = await rejectsWith(run(templateSpec('webapp', 'x')), 'deploy.rate_limited');
      assert.match(err.message, /429/);
      await nothingLeft();
    });

    it('a 429 with Retry-After is retried by the SDK and the deploy goes on', async () => {
      fake.rateLimit(1, 1);
      const d = await run(templateSpec('webapp', 'x'));
      assert.equal((await getViaEdge(d.url)).status, 200);
      assert.equal(fake.counts()['POST /v2/sandboxes'], 2);
    });

    it('template not found (404)', async () => {
      const err = await rejectsWith(run(templateSpec('webapp', 'x'), provider({ template: 'no-such-template' })), 'deploy.template_not_found');
      assert.match(err.message, /no-such-template/);
      await nothingLeft();
    });

    it('create times out: the sandbox it made anyway is found by its deploy id and killed', async () => {
      fake.setLatency(1500, 'POST /v2/sandboxes');
      const err = await rejectsWith(run(templateSpec('webapp', 'x'), provider({ createTimeoutMs: 300 })), 'deploy.create_timeout');
      assert.match(err.message, /did not create the sandbox within 0\.3 s/);
      assert.equal(fake.created.length > 0, true);
      await nothingLeft();
    });

    it('E2B is unreachable', async () => {
      await rejectsWith(run(templateSpec('webapp', 'x'), provider({ apiUrl: 'http://127.0.0.1:9', sandboxUrl: 'http://127.0.0.1:9' })), 'deploy.network');
    });
  });

  describe('cancellation leaves nothing running', () => {
    it('during create (the sandbox made meanwhile is killed)', async () => {
      fake.setLatency(600, 'POST /v2/sandboxes');
      const ac = new AbortController();
      setTimeout(() => ac.abort(), 100);
      await rejectsWith(run(templateSpec('webapp', 'x'), provider(), { signal: ac.signal }), 'cancelled');
      await nothingLeft();
    });

    it('during the write', async () => {
      // The fake sits on the upload for longer than the test's timeout: only an upload cut at once lets it pass.
      fake.setLatency(600_000, 'POST /files');
      const ac = new AbortController();
      const onEvent = (e: SpawnEvent) => {
        if (e.event === 'phase' && e.phase === 'write' && e.status === 'started') setTimeout(() => ac.abort(), 100);
      };
      await rejectsWith(run(templateSpec('webapp', 'x'), provider(), { signal: ac.signal, onEvent }), 'cancelled');
      await nothingLeft();
    });

    it('during the install', async () => {
      const ac = new AbortController();
      const onEvent = (e: SpawnEvent) => {
        if (e.event === 'phase' && e.phase === 'install' && e.status === 'started') setTimeout(() => ac.abort(), 150);
      };
      await rejectsWith(run(templateSpec('api', 'notes'), provider(), { signal: ac.signal, onEvent }), 'cancelled');
      await nothingLeft();
    });

    it('during the health check', async () => {
      const spec = { ...templateSpec('webapp', 'x'), startCommand: 'sleep 3 && node server.js' };
      const ac = new AbortController();
      const onEvent = (e: SpawnEvent) => {
        if (e.event === 'phase' && e.phase === 'health' && e.status === 'started') setTimeout(() => ac.abort(), 100);
      };
      await rejectsWith(run(spec, provider(), { signal: ac.signal, onEvent }), 'cancelled');
      await nothingLeft();
    });
  });

  describe('list, destroy, extend', () => {
    it('lists only our sandboxes, across pages, with age, end, size and URL', async () => {
      const paged = await FakeE2B.start({ maxPageSize: 1 });
      try {
        const p = new E2BProvider({ ...paged.connection() });
        const a = await p.create({ appName: 'one', appType: 'webapp' });
        const b = await p.create({ appName: 'two', appType: 'api', metadata: { client: 'test' } });
        await SdkSandbox.create('base', { ...paged.connection(), debug: false, metadata: { other: 'tool' } });
        const list = await p.list();
        assert.deepEqual(list.map((s) => s.appName), ['one', 'two']);
        assert.equal(paged.counts()['GET /v2/sandboxes'], 2, 'two pages of one, following x-next-token');
        const two = list[1]!;
        assert.equal(two.id, b.id);
        assert.equal(two.appType, 'api');
        assert.equal(two.metadata.client, 'test');
        assert.equal(two.cpuCount, 2);
        assert.equal(two.memoryMB, 512);
        assert.ok(two.endAt! > two.startedAt);
        assert.equal(two.url, `http://3000-${b.id}.localhost:${paged.port}`);
        assert.equal(two.orphan, false);
        await a.destroy();
        await b.destroy();
        assert.equal(paged.liveCount, 1, 'the sandbox that is not ours is left alone');
      } finally {
        await paged.close();
      }
    });

    it('extends the timeout; past the plan cap it says so (deploy.timeout_cap)', async () => {
      const p = provider();
      const sb = await p.create({ appName: 'x', appType: 'webapp', timeoutMs: 60_000 });
      await sb.extendTimeout(30 * 60_000);
      const [view] = fake.live();
      assert.ok(Math.abs(view!.endAt - (Date.now() + 30 * 60_000)) < 3000);
      assert.equal(fake.counts()['POST /sandboxes/:id/timeout'], 1);
      const err = await rejectsWith(sb.extendTimeout(2 * 3_600_000), 'deploy.timeout_cap');
      assert.match(err.message, /1 hour on the Hobby plan and 24 hours on Pro/);
      await sb.destroy();
    });

    it('refuses a create timeout past the plan cap with deploy.timeout_cap', async () => {
      await rejectsWith(run(templateSpec('webapp', 'x'), provider(), { timeoutMs: 2 * 3_600_000 }), 'deploy.timeout_cap');
      await nothingLeft();
    });

    it('destroy: true, then false for a sandbox that is gone (one request each, no loop)', async () => {
      const p = provider();
      const sb = await p.create({ appName: 'x', appType: 'webapp' });
      assert.equal(await p.destroy(sb.id), true);
      assert.equal(await p.destroy(sb.id), false);
      assert.equal(fake.counts()['DELETE /sandboxes/:id'], 2);
      assert.equal(fake.liveCount, 0);
    });

    it('a kill that keeps failing: three tries, a clear error, and a later destroy() still works', async () => {
      const sb = await provider().create({ appName: 'x', appType: 'webapp' });
      fake.fail('kill', 3);
      const err = await rejectsWith(sb.destroy(), 'deploy.failed');
      assert.match(err.message, /E2B destroy failed for sandbox/);
      assert.equal(fake.counts()['DELETE /sandboxes/:id'], 3);
      assert.equal(fake.liveCount, 1);
      await sb.destroy();
      assert.equal(fake.liveCount, 0);
    });

    it('a sandbox that vanished (timed out) is reported and dropped', async () => {
      const vanished: string[] = [];
      const p = provider({ onVanished: (id) => vanished.push(id) });
      const sb = await p.create({ appName: 'x', appType: 'webapp' });
      await fake.expire(sb.id);
      assert.deepEqual(await p.list(), []);
      assert.deepEqual(vanished, [sb.id]);
      await rejectsWith(sb.extendTimeout(60_000), 'deploy.not_found');
      fake.resetCounts();
      await sb.destroy(); // quiet: nothing to kill
      await sb.destroy(); // idempotent
      assert.equal(fake.counts()['DELETE /sandboxes/:id'], 1);
      assert.deepEqual(vanished, [sb.id], 'reported once');
    });

    it('the app starts without a deadline (timeoutMs 0); the install has one (5 min)', async () => {
      await run(templateSpec('api', 'notes'));
      const [install, app] = fake.starts.slice(-2);
      assert.match(install!.cmd, /npm install/);
      assert.equal(install!.deadlineMs, 300_000);
      assert.equal(install!.cwd, '/home/user/app');
      assert.equal(app!.cmd, withDataDir('node server.js'), 'the data folder made first, in the same request');
      assert.equal(app!.deadlineMs, 0, 'no Connect-Timeout-Ms: envd would kill the app when it passed');
      assert.equal(app!.envs.PORT, '3000');
    });

    it('a foreground command past its deadline is killed by envd and reported as exit -1', async () => {
      const sb = await provider().create({ appName: 'x', appType: 'script' });
      try {
        await sb.writeFiles([{ path: 'x.txt', content: 'x' }]);
        const r = await sb.run('echo started; sleep 10', { timeoutMs: 400 });
        assert.equal(r.exitCode, -1);
        assert.match(r.stdout, /started/);
        assert.match(r.stderr, /stopped after/); // (with exit -1: not the 10 s sleep run to its end)
        const ok = await sb.run('cat x.txt; exit 3');
        assert.deepEqual([ok.exitCode, ok.stdout], [3, 'x'], 'a non-zero exit resolves (never throws)');
      } finally {
        await sb.destroy();
      }
    });

    it('a killed app reports its exit, and the edge answers 502 again', async () => {
      const p = provider();
      const d = await run(templateSpec('webapp', 'x'), p);
      assert.equal(d.sandbox.info().provider, 'e2b');
      await d.process.kill();
      const { exitCode } = await d.process.exited;
      assert.equal(exitCode, -1);
      assert.equal(await probeUrl(`${d.url}/`), false, 'the edge answers 502 once the app is gone');
    });
  });

  describe('wiring', () => {
    it('createProvider("e2b") loads the provider lazily; without a key it says how to get one', async () => {
      const p = await createProvider('e2b', { e2bApiKey: 'k', e2bApiUrl: 'http://127.0.0.1:1' });
      assert.equal(p.id, 'e2b');
      assert.equal(p.preinstalled?.('express', 'npm'), false);
      await rejectsWith(createProvider('e2b', {}), 'deploy.no_key');
    });

    it('Spawn App\'s own template: express in range is preinstalled, so the deploy skips the install', async () => {
      const p = provider({ template: 'spawn-app-node-python' });
      assert.equal(p.preinstalled('express@^4.21.2', 'npm'), true);
      assert.equal(p.preinstalled('express@^5', 'npm'), false);
      assert.equal(provider().preinstalled('express', 'npm'), false, 'not for base');
      // The fake knows the template's name, not its image: an app that declares express without loading it.
      const tpl = await FakeE2B.start({ templates: ['spawn-app-node-python'] });
      try {
        const events: SpawnEvent[] = [];
        const spec = { ...templateSpec('webapp', 'a calculator'), dependencies: ['express@^4.21.2'] };
        const d = await deploy({ spec, provider: new E2BProvider({ ...tpl.connection(), template: 'spawn-app-node-python' }), onEvent: (e) => events.push(e), verify: false });
        assert.ok(events.some((e) => e.event === 'phase' && e.phase === 'install' && e.status === 'skipped' && e.detail === 'preinstalled'));
        assert.equal(tpl.counts()['POST /process.Process/Start'], 1, 'start only');
        assert.equal(tpl.live()[0]!.templateID, 'spawn-app-node-python');
        await d.sandbox.destroy();
      } finally {
        await tpl.close();
      }
    });

    it('preinstalled packages skip the install', () => {
      const p = provider({ preinstalled: { npm: ['express'], pip: ['flask'] } });
      assert.equal(p.preinstalled('express@^4.21.2', 'npm'), true);
      assert.equal(p.preinstalled('Flask==3.0', 'pip'), true);
      assert.equal(p.preinstalled('left-pad', 'npm'), false);
    });

    it('https for E2B itself, http only for a plain-http API URL', () => {
      assert.equal(new E2BProvider({ apiKey: 'k' }).scheme, 'https');
      assert.equal(new E2BProvider({ apiKey: 'k', apiUrl: 'https://api.example.dev' }).scheme, 'https');
      assert.equal(provider().scheme, 'http');
    });
  });

  describe('the CLI, as built (Done-when)', () => {
    let localRoot: string;
    let env: NodeJS.ProcessEnv;
    before(() => {
      ensureBuilt();
      localRoot = mkdtempSync(path.join(os.tmpdir(), 'spawn-app-cli-local-'));
      env = { ...fake.env(), SPAWN_APP_LOCAL_ROOT: localRoot, ...NO_VERIFY };
    });
    after(() => rmSync(localRoot, { recursive: true, force: true }));
    const events = (stdout: string) => stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as SpawnEvent);

    it('run --provider e2b --json --detach prints ready with a URL that answers 200; list shows it; destroy --all leaves none', async () => {
      const r = await runCli(['run', 'a calculator', '--provider', 'e2b', '--json', '--detach'], env);
      assert.equal(r.code, 0, r.stderr + r.stdout);
      const ready = events(r.stdout).find((e) => e.event === 'ready');
      assert.ok(ready && ready.event === 'ready', 'a ready event');
      assert.equal(ready.provider, 'e2b');
      const res = await getViaEdge(ready.url);
      assert.equal(res.status, 200);
      assert.match(res.body, /Calculator/);

      const list = await runCli(['list', '--json'], env);
      assert.equal(list.code, 0, list.stderr);
      const listed = list.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { id: string; provider: string; url: string; costUsd: number; timeLeftMs: number });
      const mine = listed.find((s) => s.id === ready.sandboxId);
      assert.ok(mine, 'list shows it');
      assert.equal(mine.provider, 'e2b');
      assert.equal(mine.url, ready.url);
      assert.ok(mine.costUsd > 0);
      assert.ok(mine.timeLeftMs > 14 * 60_000);

      const destroyed = await runCli(['destroy', '--all'], env);
      assert.equal(destroyed.code, 0, destroyed.stderr);
      assert.match(destroyed.stderr, /Destroyed 1 sandbox\b/);
      await nothingLeft();
    });

    it('run without --detach serves until SIGINT, then destroys the sandbox', async () => {
      const cli = startCli(['run', 'a calculator', '--provider', 'e2b', '--json'], env);
      const ready = (await cli.waitFor((e) => e.event === 'ready')) as { url: string };
      assert.equal((await getViaEdge(ready.url)).status, 200);
      assert.equal(fake.liveCount, 1);
      cli.child.kill('SIGINT');
      const r = await cli.done;
      assert.equal(r.code, 0, r.stderr);
      await nothingLeft();
    });

    it('a fault gives its clear error and exit code 5, with nothing left running', async () => {
      fake.fail('start');
      const r = await runCli(['run', 'a calculator', '--provider', 'e2b', '--json', '--detach'], env);
      assert.equal(r.code, 5);
      // The CLI's own error line (not a pipeline event).
      const err = (events(r.stdout) as { event: string }[]).find((e) => e.event === 'error') as { code: string; detail?: string } | undefined;
      assert.ok(err);
      assert.equal(err.code, 'deploy.start_failed');
      assert.match(err.detail ?? '', /Cannot find module/);
      await nothingLeft();
    });
  });
});

describe('E2B provider: taking over a sandbox another process made (after a reload or a crash)', function () {
  this.timeout(60_000);
  let fake: FakeE2B;
  before(async () => {
    fake = await FakeE2B.start();
  });
  after(() => fake.close());

  it('connects, stops what ran there, and the app starts again in the same sandbox', async () => {
    const first = new E2BProvider(fake.connection());
    const spec = templateSpec('webapp', 'a calculator');
    const d = await deploy({ spec, provider: first, verify: false });
    assert.equal(fake.liveCount, 1);
    // A new window: a new provider that never saw this sandbox.
    const second = new E2BProvider(fake.connection());
    const adopted = await second.takeOver(d.sandbox.id);
    assert.equal(adopted.id, d.sandbox.id);
    await until(() => fake.runningProcesses() === 0, 'no process left in the fake', 5000);
    const next = { ...spec, files: spec.files.map((f) => (f.path === 'index.html' ? { ...f, content: '<h1>adopted</h1>' } : f)) };
    const { startIn } = await import('../../src/core/deploy/deploy');
    const again = await startIn(adopted, next, { provider: second });
    assert.equal((await getViaEdge(`${again.url}/`)).body, '<h1>adopted</h1>');
    assert.equal(fake.liveCount, 1, 'no second sandbox');
    await adopted.destroy();
    assert.equal(fake.liveCount, 0);
    await assert.rejects(second.takeOver(d.sandbox.id), (err: SpawnError) => err.code === 'deploy.not_found');
  });
});
