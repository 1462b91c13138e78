/**
 * The pre-warm owner (core/deploy/prewarm.ts) on the fake E2B through the real SDK: a sandbox from the app type's template
 * is made while the model writes, nothing is written into it before the deploy takes it, a pre-warmed react deploy
 * is the file write and the health check only, and every way of abandoning it kills it.
 */
import assert from 'node:assert/strict';
import { deploy } from '../../src/core/deploy/deploy';
import type { SpawnEvent } from '../../src/core/base/events';
import { templateSpec } from '../../src/core/stacks';
import type { DiscardReason, PrewarmClock, PrewarmEvent } from '../../src/core/deploy/prewarm';
import { Prewarm } from '../../src/core/deploy/prewarm';
import { E2BProvider } from '../../src/core/sandbox/e2b/provider';
import { STACK_TEMPLATES_CHOICE } from '../../src/core/sandbox/preinstalled';
import { FakeE2B } from '../fakes/fakeE2B';
import { request } from '../helpers/http';
import { stackTemplateOptions } from '../helpers/stackImages';

/** A clock whose timers fire only when the test says so. */
class ManualClock implements PrewarmClock {
  private next = 1;
  readonly timers = new Map<number, { fn: () => void; ms: number }>();
  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.next++;
    this.timers.set(id, { fn, ms });
    return id;
  }
  clearTimeout(handle: unknown): void {
    this.timers.delete(handle as number);
  }
  fireAll(): void {
    const all = [...this.timers.values()];
    this.timers.clear();
    for (const t of all) t.fn();
  }
}

function until<T extends PrewarmEvent['kind']>(events: PrewarmEvent[], kind: T, sink: { on?: (e: PrewarmEvent) => void }): Promise<Extract<PrewarmEvent, { kind: T }>> {
  const found = events.find((e) => e.kind === kind);
  if (found) return Promise.resolve(found as Extract<PrewarmEvent, { kind: T }>);
  return new Promise((resolve) => {
    const prev = sink.on;
    sink.on = (e) => {
      prev?.(e);
      if (e.kind === kind) resolve(e as Extract<PrewarmEvent, { kind: T }>);
    };
  });
}

describe('pre-warm: a sandbox made while the model writes', function () {
  this.timeout(240_000);
  let fake: FakeE2B;
  let provider: E2BProvider;
  before(async () => {
    fake = await FakeE2B.start({ ...stackTemplateOptions(['react', 'webapp']) });
    provider = new E2BProvider({ ...fake.connection(), template: STACK_TEMPLATES_CHOICE });
  });
  after(async () => {
    await fake?.close();
  });
  afterEach(async () => {
    for (const s of fake.live()) await provider.destroy(s.id).catch(() => false);
  });

  function start(appType: 'react' | 'webapp', extra: { idleMs?: number; clock?: PrewarmClock } = {}) {
    const events: PrewarmEvent[] = [];
    const sink: { on?: (e: PrewarmEvent) => void } = {};
    const pw = Prewarm.start({ provider, appType, idleMs: extra.idleMs ?? 60_000, clock: extra.clock, onEvent: (e) => { events.push(e); sink.on?.(e); } });
    return { pw, events, sink };
  }

  it('react: made from the react template with prewarm=true and a short timeout, nothing written; the deploy is one write + the health check', async () => {
    const { pw } = start('react', { idleMs: 120_000 });
    fake.resetCounts();
    const sandbox = await pw.settled();
    assert.ok(sandbox, 'the pre-warm made a sandbox');
    const [made] = fake.live();
    assert.equal(made!.templateID, 'spawn-app-react');
    assert.equal(made!.metadata.prewarm, 'true');
    assert.ok(made!.endAt - made!.startedAt <= 4 * 60_000, `short timeout (${made!.endAt - made!.startedAt} ms)`);
    // Before the user confirms, no file of the model's reaches it and nothing runs in it but the template's server.
    assert.deepEqual(Object.keys(fake.counts()), ['POST /v2/sandboxes'], JSON.stringify(fake.counts()));

    const spec = templateSpec('react', 'a counter with a reset button');
    const events: SpawnEvent[] = [];
    fake.resetCounts();
    const taken = await pw.take();
    assert.equal(taken, sandbox);
    // The deploy's own requests: no verification step (the browser's page loads would count too).
    const d = await deploy({ spec, provider, into: taken, onEvent: (e) => events.push(e), verify: false });
    const counts = fake.counts();
    assert.deepEqual(Object.keys(counts).sort(), ['APP GET', 'POST /files'], JSON.stringify(counts));
    assert.equal(counts['POST /files'], 1);
    assert.ok(events.some((e) => e.event === 'phase' && e.phase === 'create' && e.status === 'skipped'));
    assert.ok(events.some((e) => e.event === 'phase' && e.phase === 'start' && e.status === 'skipped'));
    assert.equal(d.sandbox.id, made!.id);
    const u = new URL(d.url);
    const page = await request(`http://127.0.0.1:${u.port}/src/App.tsx`, { headers: { Host: u.host } });
    assert.match(page.body, /Reset/, 'the app, not the placeholder, is served');
    // Taken: a late discard (e.g. the idle timer's) leaves it alone.
    await pw.discard('timeout');
    assert.equal(fake.liveCount, 1);
    assert.equal(pw.state, 'taken');
    await d.sandbox.destroy();
  });

  for (const reason of ['generation-failed', 'cancelled', 'rejected', 'local-chosen'] as DiscardReason[]) {
    it(`${reason}: discard kills the pre-warmed sandbox`, async () => {
      const { pw, events } = start('webapp');
      const sandbox = await pw.settled();
      assert.ok(sandbox);
      assert.equal(fake.liveCount, 1);
      await pw.discard(reason);
      assert.equal(fake.liveCount, 0, 'killed at E2B');
      assert.deepEqual(events.map((e) => e.kind), ['created', 'discarded']);
      assert.equal(await pw.take(), undefined, 'a discarded pre-warm gives nothing to a deploy');
    });
  }

  it('timeout: nobody took it within prewarmMinutes, so the idle timer kills it', async () => {
    const clock = new ManualClock();
    const { pw, events, sink } = start('webapp', { idleMs: 5 * 60_000, clock });
    assert.ok(await pw.settled());
    assert.deepEqual([...clock.timers.values()].map((t) => t.ms), [5 * 60_000]);
    const discarded = until(events, 'discarded', sink);
    clock.fireAll();
    assert.equal((await discarded).reason, 'timeout');
    assert.equal(fake.liveCount, 0);
    assert.equal(pw.state, 'discarded');
  });

  it('take() stops the idle timer', async () => {
    const clock = new ManualClock();
    const { pw } = start('webapp', { clock });
    const s = await pw.take();
    assert.ok(s);
    assert.equal(clock.timers.size, 0);
    await s.destroy();
  });

  it('discarded while the create is under way: the sandbox the create makes is killed', async () => {
    const { pw } = start('webapp');
    await pw.discard('cancelled');
    assert.equal(await pw.settled(), undefined);
    assert.equal(fake.liveCount, 0);
  });

  it('a failed create is no pre-warm: take() gives undefined and the deploy creates its own', async () => {
    fake.fail('create');
    const { pw, events } = start('webapp');
    assert.equal(await pw.take(), undefined);
    assert.equal(pw.state, 'failed');
    assert.deepEqual(events.map((e) => e.kind), ['failed']);
    const d = await deploy({ spec: templateSpec('webapp', 'a counter'), provider, into: await pw.take(), verify: false });
    assert.equal(fake.liveCount, 1);
    await d.sandbox.destroy();
  });

  it('base template: pre-warm still saves the create; the deploy writes, installs and starts in it', async () => {
    const base = new E2BProvider({ ...fake.connection(), template: 'base' });
    const pw = Prewarm.start({ provider: base, appType: 'webapp', idleMs: 60_000 });
    const s = await pw.take();
    assert.ok(s);
    fake.resetCounts();
    const d = await deploy({ spec: templateSpec('webapp', 'a counter'), provider: base, into: s, verify: false });
    const counts = fake.counts();
    assert.equal(counts['POST /v2/sandboxes'], undefined, JSON.stringify(counts));
    assert.equal(counts['POST /files'], 1);
    await d.sandbox.destroy();
  });

  it('a failed deploy into the pre-warmed sandbox kills it', async () => {
    const { pw } = start('webapp');
    const s = await pw.take();
    assert.ok(s);
    fake.fail('write');
    await assert.rejects(deploy({ spec: templateSpec('webapp', 'a counter'), provider, into: s }));
    assert.equal(fake.liveCount, 0);
  });
});
