/**
 * The app session (core/session) on its own: the ports are the only way a front takes part. Past the cap the front
 * is asked (its yes lets the call start; its no is the budget's sentence); a built-in template's stand-in is said
 * once, as an event and in the result; a change of what runs since the approval is asked about before it runs.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isCancelled } from '../../src/core/base/errors';
import { sandboxCost } from '../../src/core/base/pricing';
import { LocalProvider } from '../../src/core/sandbox/local/provider';
import type { ChangedApproval, DeployQuestion, ProposeRequest, SessionEvent } from '../../src/core/session';
import type { SpawnEvent } from '../../src/core/base/events';
import { MemorySpend, Session, Verifier } from '../../src/core/session';
import { configFromEnv } from '../../src/core/base/config';
import { FakeE2B } from '../fakes/fakeE2B';

describe('the app session and its ports (issue 19)', function () {
  this.timeout(60_000);
  let tmp: string;
  let local: LocalProvider;
  beforeEach(() => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'spawn-session-'));
    local = new LocalProvider({ root: path.join(tmp, 'sandboxes'), sandbox: 'off', env: { ...process.env, SPAWN_APP_SANDBOX: 'off' } });
  });
  afterEach(async () => {
    await local.destroyAll();
    rmSync(tmp, { recursive: true, force: true });
  });

  function session(o: { capYes?: boolean; changedYes?: boolean; spend?: MemorySpend; key?: string; e2b?: FakeE2B; meterMs?: number; clock?: () => number } = {}) {
    const events: SessionEvent[] = [];
    const asked: { cap: string[]; changed: ChangedApproval[]; unsandboxed: number } = { cap: [], changed: [], unsandboxed: 0 };
    const s = new Session({
      cfg: {
        ...(o.key ? { anthropicApiKey: o.key, anthropicBaseUrl: 'http://127.0.0.1:9' } : {}),
        ...(o.e2b ? { e2bApiKey: o.e2b.connection().apiKey, e2bApiUrl: o.e2b.url, e2bSandboxUrl: o.e2b.url, e2bDomain: o.e2b.connection().domain } : {}),
      },
      client: 'test',
      local,
      // The ports' decisions, not the page: no browser check.
      verify: false,
      budgetUsd: 1,
      prewarm: o.e2b ? true : undefined,
      meterMs: o.meterMs,
      clock: o.clock,
      ports: {
        ask: {
          unsandboxedRun: async () => (asked.unsandboxed++, true),
          pastCap: async (q) => (asked.cap.push(q.what), o.capYes ?? false),
          changedApproval: async (q) => (asked.changed.push(q), o.changedYes ?? false),
        },
        spend: o.spend,
        progress: (e) => events.push(e),
      },
    });
    return { s, events, asked };
  }

  const capped = () => {
    const spend = new MemorySpend();
    spend.save({ day: new Date().toLocaleDateString('sv'), usd: 5, unknown: 0, warned: true, capped: true });
    return spend;
  };

  it('SPAWN_APP_VERIFY=0 turns the browser check off; a verifier or `false` of the front wins over it', async () => {
    const ports = { ask: { unsandboxedRun: async () => true, pastCap: async () => false }, progress: () => undefined };
    assert.equal(configFromEnv({ SPAWN_APP_VERIFY: '0' }).verify, false);
    assert.equal(configFromEnv({ SPAWN_APP_VERIFY: 'off' }).verify, false);
    assert.equal(configFromEnv({ SPAWN_APP_VERIFY: '1' }).verify, true);
    assert.equal(configFromEnv({}).verify, undefined);
    const off = new Session({ cfg: configFromEnv({ SPAWN_APP_VERIFY: '0' }), client: 'test', local, verify: {}, ports });
    const on = new Session({ cfg: configFromEnv({}), client: 'test', local, ports });
    const own = new Verifier();
    const front = new Session({ cfg: { verify: false }, client: 'test', local, verify: own, ports });
    try {
      assert.equal(off.verifier, false);
      assert.ok(on.verifier instanceof Verifier);
      assert.equal(front.verifier, own);
    } finally {
      for (const s of [off, on, front]) await s.close();
    }
  });

  it('past the cap the front is asked: no is the budget’s sentence and nothing starts; yes lets the call start', async () => {
    const no = session({ spend: capped(), key: 'sk-test' });
    const err = await no.s.newApp('x').generate({ prompt: 'a todo list', generator: 'claude' }).then(() => undefined, (e: Error) => e);
    assert.match(err?.message ?? '', /^Today's spending cap is reached \(\$5\.00 \/ \$1\.00 today\): no generation was started/);
    assert.deepEqual(no.asked.cap, ['generation']);
    assert.ok(!no.events.some((e) => e.event === 'phase'), 'no generation started');

    const yes = session({ spend: capped(), key: 'sk-test', capYes: true });
    // Allowed: the call starts (and fails here on the closed port, a generation error, not the cap).
    const started = await yes.s.newApp('x').generate({ prompt: 'a todo list', generator: 'claude' }).then(() => undefined, (e: Error & { code?: string }) => e);
    assert.deepEqual(yes.asked.cap, ['generation']);
    assert.match(String(started?.code), /^generation\./);
    assert.ok(yes.events.some((e) => e.event === 'phase' && e.status === 'started'));

    const free = session({ spend: capped() });
    await free.s.newApp('x').generate({ prompt: 'a todo list', generator: 'templates' });
    assert.deepEqual(free.asked.cap, [], 'the templates cost nothing: no question');
  });

  it('an unknown app type is refused in words of no front (no CLI flag): each front names its own way to choose', async () => {
    const { s } = session();
    assert.throws(() => s.checkPrompt('a todo list', 'desktop'), { code: 'usage', message: 'The app type must be one of webapp, react, api, script, python-api, streamlit (not "desktop").' });
    const err = await s.newApp('x').generate({ prompt: 'a todo list', appType: 'desktop', generator: 'templates' }).then(() => undefined, (e: Error) => e);
    assert.doesNotMatch(err?.message ?? '', /--/);
  });

  it('without a key, "auto" says once that a template stands in (an event and the result), and marks it ours', async () => {
    const { s, events } = session();
    const app = s.newApp('a snake game');
    const g = await app.generate({ prompt: 'a snake game' });
    const notices = events.filter((e) => e.event === 'notice');
    assert.equal(notices.length, 1);
    assert.equal(g.notice, (notices[0] as { message: string }).message);
    assert.match(g.notice!, /No Anthropic API key is set \(ANTHROPIC_API_KEY\), so the built-in .* template stands in for "a snake game"/);
    assert.equal(s.trusted.isOurs(g.spec), true);
    const named = await session().s.newApp('x').generate({ prompt: 'a todo list', generator: 'templates' });
    assert.equal(named.notice, undefined, 'asked for the templates: nothing stands in');
  });

  it('a change of what runs since the approval (the start command) is asked about before it runs; no leaves the app as it was', async () => {
    const { s, asked } = session();
    const app = s.app('calc');
    const { spec } = await app.generate({ prompt: 'a calculator', appType: 'webapp', generator: 'templates' });
    const first = await app.deploy({ provider: 'local' });
    app.setSpec({ ...spec, startCommand: 'node server.js --port "$PORT"' });
    await assert.rejects(app.deploy({ provider: 'local' }), (e: unknown) => isCancelled(e));
    assert.equal(asked.changed.length, 1);
    assert.equal(asked.changed[0]!.approved.startCommand, spec.startCommand);
    assert.equal(app.sandboxId, first.sandboxId);
    assert.equal(await app.running(), true, 'the approved app still runs');
    app.setSpec({ ...spec, title: 'Renamed' });
    const again = await app.deploy({ provider: 'local' });
    assert.equal(again.kind, 'redeploy');
    assert.equal(asked.changed.length, 1, 'a change of what does not run asks nothing');
    await s.dispose();
  });

  it('a front that confirms every deploy (ask.deploy): the session decides when and what it says; unchanged, an update asks nothing', async () => {
    const questions: DeployQuestion[] = [];
    const answers = [true, true, false];
    const s = new Session({ cfg: {}, client: 'test', local, verify: false, ports: { ask: { unsandboxedRun: async () => assert.fail('ask.deploy stands in'), pastCap: async () => false, deploy: async (q) => (questions.push(q), answers.shift() ?? false) }, progress: () => undefined } });
    try {
      const app = s.app('calc');
      const { spec } = await app.generate({ prompt: 'a calculator', appType: 'webapp', generator: 'templates' });
      const first = await app.deploy({ provider: 'local' });
      assert.deepEqual(questions.map((q) => [q.kind, q.unsandboxed, q.changed]), [['first', false, undefined]], 'its own template: asked, not unsandboxed');
      // The front's own model of sandboxes (the extension's registry): the sandbox it knows, with what was approved.
      app.attach({ sandbox: first.deployment.sandbox, provider: first.provider, deployment: first.deployment, running: true, approved: app.approval });
      app.setSpec({ ...spec, files: spec.files.map((f) => (f.path === 'index.html' ? { ...f, content: `${f.content}<!-- edited -->` } : f)) });
      const update = await app.deploy({ provider: 'local' });
      assert.equal(update.kind, 'redeploy');
      assert.equal(questions.length, 1, 'the same start command and dependencies, no new warning: no question');
      app.setSpec({ ...spec, startCommand: 'node server.js --verbose' });
      await app.deploy({ provider: 'local' });
      assert.deepEqual(questions.map((q) => [q.kind, q.unsandboxed]), [['first', false], ['redeploy', true]], 'edited: not ours any more');
      assert.match(questions[1]!.changed!.join(), /the start command \(was “node server\.js”\)/);
      app.setSpec({ ...spec, startCommand: 'node server.js --other' });
      await assert.rejects(app.deploy({ provider: 'local' }), (e: unknown) => isCancelled(e));
      assert.equal(await app.running(), true, 'a no leaves the app running');
      // A sandbox the front knows of but the session never deployed (found after a reload), stopped: restarted in place, asked (nothing approved known).
      const stopped = await app.deploy({ provider: 'local', confirmed: true });
      await stopped.deployment.process.kill();
      app.attach({ sandbox: stopped.deployment.sandbox, provider: stopped.provider, running: false });
      assert.equal(await app.nextKind(), 'restart');
      answers.push(true);
      const restarted = await app.deploy();
      assert.equal(restarted.kind, 'restart');
      assert.equal(restarted.sandboxId, stopped.sandboxId);
      assert.deepEqual(questions.at(-1)!.changed, undefined);
    } finally {
      await s.dispose();
    }
  });

  it('propose: a follow-up or a failed step sent to the front\'s model, the cap checked first, nothing written', async () => {
    const seen: { followUp?: string; output?: string }[] = [];
    const model = {
      refine: async (r: { followUp: string; onEvent?: (e: SpawnEvent) => void }) => (seen.push({ followUp: r.followUp }), r.onEvent?.({ event: 'cost', kind: 'generation', usd: 0.5 }), { patch: { summary: 'title', changes: [{ path: 'index.html', content: '<h1>Hi</h1>' }], deletions: [] }, usage: { model: 'm', inputTokens: 1, outputTokens: 1, usd: 0.5 } }),
      fix: async (r: { output: string }) => (seen.push({ output: r.output }), { patch: { summary: 'fix', changes: [], deletions: [] }, usage: { model: 'm', inputTokens: 1, outputTokens: 1, usd: null } }),
    } as unknown as ProposeRequest['model'];
    const spend = new MemorySpend();
    const { s, asked } = session({ spend });
    const app = s.app('calc');
    const { spec } = await app.generate({ prompt: 'a calculator', appType: 'webapp', generator: 'templates' });
    const p = await app.propose({ followUp: 'say hi', model });
    assert.equal(p.spec.files.find((f) => f.path === 'index.html')!.content, '<h1>Hi</h1>');
    assert.equal(app.spec, spec, 'nothing written: the app is as it was');
    assert.equal(s.budget!.today().usd, 0.5, 'its cost charged once, by the session');
    await app.propose({ fix: { step: 'start', output: `${'noise\n'.repeat(5000)}Error: boom` }, model });
    assert.match(seen[1]!.output!, /Error: boom$/);
    assert.ok(seen[1]!.output!.length < 5 * 5000, 'the useful tail only');
    spend.save({ day: new Date().toLocaleDateString('sv'), usd: 5, unknown: 0, warned: true, capped: true });
    await assert.rejects(app.propose({ followUp: 'more', model }), /spending cap is reached/);
    assert.deepEqual(asked.cap, ['refine']);
    assert.equal(seen.length, 2, 'past the cap, no request');
    await s.dispose();
  });

  describe('on E2B (the fake, through the real SDK)', () => {
    let e2b: FakeE2B;
    before(async () => (e2b = await FakeE2B.start()));
    after(async () => e2b?.close());
    afterEach(async () => {
      e2b.clearFaults();
      for (const sb of e2b.live()) await e2b.expire(sb.id);
    });

    it("a front's pre-warm (prewarmFor) never starts past the cap: the fake E2B sees no create; under it, one", async () => {
      e2b.resetCounts();
      const { s, asked } = session({ spend: capped(), e2b });
      const provider = await s.provider('e2b');
      assert.equal(s.app('calc').prewarmFor(provider, 'webapp'), undefined);
      assert.deepEqual(asked.cap, [], 'a pre-warm never asks');
      assert.deepEqual(e2b.counts(), {}, 'nothing reached E2B');
      await s.dispose();
      const under = session({ spend: new MemorySpend(), e2b });
      const warm = under.s.app('calc').prewarmFor(await under.s.provider('e2b'), 'webapp');
      assert.ok(warm);
      assert.ok(await warm.settled());
      assert.equal(e2b.counts()['POST /v2/sandboxes'], 1);
      await under.s.dispose();
    });

    it('a pre-warm that failed takes nothing: the deploy checks the cap before it creates a billed sandbox', async () => {
      const spend = new MemorySpend();
      const { s, asked, events } = session({ spend, e2b });
      e2b.fail('create');
      const app = s.app('calc');
      await app.generate({ prompt: 'a calculator', appType: 'webapp', generator: 'templates', deployTo: 'e2b' });
      assert.deepEqual(asked.cap, [], 'under the cap at the generation');
      // The cap is reached meanwhile (another front spent it): the sandbox the deploy would create is past it.
      spend.save({ day: new Date().toLocaleDateString('sv'), usd: 5, unknown: 0, warned: true, capped: true });
      await assert.rejects(app.deploy({ provider: 'e2b' }), /spending cap is reached/);
      assert.equal(asked.cap.length, 1, 'the front was asked about the new sandbox');
      assert.equal(e2b.liveCount, 0, 'no sandbox was created');
      assert.ok(events.some((e) => e.event === 'prewarm' && e.status === 'failed'), 'the pre-warm was started and failed');
      await s.dispose();
    });

    it('paused time is not billed: pausing (by the sandbox id, as the CLI and MCP do) stops the meter, resuming restarts it', async () => {
      // The budget's clock runs ahead of the wall clock by `skew`: ten minutes pass in a line, no waiting.
      let skew = 0;
      const spend = new MemorySpend();
      // The meter's own interval never fires in the test: it charges when paused, resumed and stopped.
      const { s } = session({ spend, e2b, meterMs: 600_000, clock: () => Date.now() + skew });
      const app = s.app('calc');
      await app.generate({ prompt: 'a calculator', appType: 'webapp', generator: 'templates' });
      const { sandboxId } = await app.deploy({ provider: 'e2b' });
      const usd = () => spend.load()?.usd ?? 0;
      const atDeploy = usd();
      assert.equal(await s.pauseSandbox(sandboxId), true);
      skew += 10 * 60_000; // ten minutes paused
      await s.resumeSandbox(sandboxId);
      skew += 10 * 60_000; // ten minutes running again
      await app.stop();
      const tenMinutes = sandboxCost(10 * 60, 2, 512); // the fake's sandbox: 2 vCPU, 512 MB
      const billed = usd() - atDeploy;
      assert.ok(billed < 1.5 * tenMinutes, `the ten paused minutes were billed: $${billed} (ten minutes: $${tenMinutes})`);
      assert.ok(billed >= 0.9 * tenMinutes, `the ten running minutes after the resume were billed: $${billed} (ten minutes: $${tenMinutes})`);
      await s.dispose();
    });

    it('a pre-warmed sandbox nobody took is charged for the time it ran', async () => {
      let skew = 0;
      const spend = new MemorySpend();
      const { s } = session({ spend, e2b, meterMs: 600_000, clock: () => Date.now() + skew });
      const app = s.app('calc');
      await app.generate({ prompt: 'a calculator', appType: 'webapp', generator: 'templates', deployTo: 'e2b' });
      assert.ok(await app.prewarmed?.settled(), 'pre-warmed');
      skew += 600_000; // ten minutes (a long generation, a slow answer to the deploy question)
      await app.discardPrewarm('rejected');
      await s.meter.tick();
      const r = spend.load();
      assert.ok((r?.usd ?? 0) > 0 || (r?.unknown ?? 0) > 0, `its ten minutes cost nothing: ${JSON.stringify(r)}`);
      await s.dispose();
    });

    it('at the cap, an app updated in its sandbox (a redeploy, a fix round) is paused and kept: closing the session does not destroy it', async () => {
      let skew = 0;
      const { s, events } = session({ spend: new MemorySpend(), e2b, meterMs: 600_000, clock: () => Date.now() + skew });
      const app = s.app('calc');
      await app.generate({ prompt: 'a calculator', appType: 'webapp', generator: 'templates' });
      const first = await app.deploy({ provider: 'e2b' });
      const again = await app.deploy(); // an update in place: the same sandbox
      assert.equal(again.sandboxId, first.sandboxId);
      skew += 12 * 3600_000; // twelve hours running: past the $1 cap
      await s.meter.tick();
      assert.ok(e2b.paused().includes(first.sandboxId), 'paused at the cap');
      assert.ok(events.some((e) => e.event === 'budget' && e.status === 'paused'), 'and said so');
      await s.dispose(); // the CLI's exit
      assert.ok(
        e2b.live().some((sb) => sb.id === first.sandboxId),
        'the sandbox said to be "paused, not deleted" was destroyed when the session closed',
      );
    });
  });
});
