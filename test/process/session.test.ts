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
import type { ChangedApproval, SessionEvent } from '../../src/core/session';
import { MemorySpend, Session } from '../../src/core/session';
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
    assert.throws(() => s.checkPrompt('a todo list', 'desktop'), { code: 'usage', message: 'The app type must be one of webapp, react, api, script (not "desktop").' });
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

  describe('on E2B (the fake, through the real SDK)', () => {
    let e2b: FakeE2B;
    before(async () => (e2b = await FakeE2B.start()));
    after(async () => e2b?.close());
    afterEach(async () => {
      e2b.clearFaults();
      for (const sb of e2b.live()) await e2b.expire(sb.id);
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
  });
});
