/**
 * The session's one meter of sandbox time (core/session/spendMeter.ts), driven by an injected clock: what every
 * front's billed sandboxes are charged, unknown prices, paused time, sandboxes found late, and the pause at the cap.
 */
import assert from 'node:assert/strict';
import { Budget } from '../../src/core/deploy/budget';
import type { ChargeOutcome } from '../../src/core/deploy/budget';
import { sandboxCost } from '../../src/core/base/pricing';
import { nullLogger } from '../../src/core/base/events';
import { MemorySpend } from '../../src/core/session/session';
import type { MeteredSandbox } from '../../src/core/session/spendMeter';
import { SpendMeter } from '../../src/core/session/spendMeter';

function harness(limitUsd = 0) {
  let now = 1_000_000;
  const spend = new MemorySpend();
  const budget = new Budget(spend, limitUsd, () => now);
  const outcomes: ChargeOutcome[] = [];
  const paused: string[][] = [];
  const meter = new SpendMeter({ budget, logger: nullLogger, report: (o) => outcomes.push(o), capPaused: (p) => paused.push(p.map((x) => x.name)) }, 3_600_000, () => now);
  return {
    meter,
    budget,
    outcomes,
    paused,
    advance: (s: number) => (now += s * 1000),
    now: () => now,
    usd: () => budget.today().usd,
  };
}

const e2b = (id: string, startedAt: number, more: Partial<MeteredSandbox> = {}): MeteredSandbox => ({ id, provider: 'e2b', cpuCount: 2, memoryMB: 512, startedAt, ...more });
const near = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-12, `${a} ≠ ${b}`);

describe('the session’s spend meter', () => {
  it('charges running seconds once, whoever lists the sandbox, and its last seconds when it goes', () => {
    const h = harness();
    const sb = e2b('a', h.now());
    const remove = h.meter.add(() => [sb]);
    const again = h.meter.add(() => [sb]); // the same sandbox from a second source: one meter
    h.advance(100);
    void h.meter.tick();
    near(h.usd(), sandboxCost(100, 2, 512));
    h.advance(50);
    again();
    remove(); // gone: charged up to now, then no more
    near(h.usd(), sandboxCost(150, 2, 512));
    h.advance(1000);
    void h.meter.tick();
    near(h.usd(), sandboxCost(150, 2, 512));
    h.meter.stop();
  });

  it('paused time is not billed: a pause and a resume as the source lists them', () => {
    const h = harness();
    const sb: MeteredSandbox = e2b('a', h.now());
    h.meter.add(() => [sb]);
    h.advance(60);
    sb.pausedSince = h.now();
    h.advance(600); // ten minutes paused
    void h.meter.tick();
    near(h.usd(), sandboxCost(60, 2, 512));
    sb.pausedMs = h.now() - sb.pausedSince;
    sb.pausedSince = undefined;
    h.advance(30);
    void h.meter.tick();
    near(h.usd(), sandboxCost(90, 2, 512));
    h.meter.stop();
  });

  it('an unknown price is counted unknown once per sandbox (a minute after it was first seen), never zero; a free sandbox costs nothing', () => {
    const h = harness();
    const start = h.now();
    h.meter.add(() => [e2b('u', start, { cpuCount: undefined, memoryMB: undefined }), { id: 'l', provider: 'local', startedAt: start }]);
    void h.meter.tick();
    assert.equal(h.budget.today().unknown, 0, 'not yet: its resources may come with the next listing');
    for (let i = 0; i < 7; i++) {
      h.advance(10);
      void h.meter.tick();
    }
    assert.equal(h.budget.today().unknown, 1);
    assert.equal(h.usd(), 0);
    assert.equal(h.meter.chargedFor('u'), null);
    assert.equal(h.meter.chargedFor('l'), 0);
    h.meter.stop();
  });

  it('resources that arrive after the create (E2B lists them a moment later): its time is charged in full, nothing unknown', () => {
    const h = harness();
    const sb: MeteredSandbox = e2b('n', h.now(), { cpuCount: undefined, memoryMB: undefined });
    h.meter.add(() => [sb]);
    void h.meter.tick();
    h.advance(20);
    void h.meter.tick();
    Object.assign(sb, { cpuCount: 2, memoryMB: 512 });
    h.advance(10);
    void h.meter.tick();
    assert.equal(h.budget.today().unknown, 0);
    near(h.usd(), sandboxCost(30, 2, 512));
    h.meter.stop();
  });

  it('a sandbox whose price is still unknown when it goes is counted unknown then', () => {
    const h = harness();
    const remove = h.meter.add(() => [e2b('g', h.now() - 1000, { cpuCount: undefined, memoryMB: undefined })]);
    void h.meter.tick();
    remove();
    void h.meter.tick();
    assert.equal(h.budget.today().unknown, 1);
  });

  it('a sandbox found late (after a window reload) is charged from then on, not for its time before', () => {
    const h = harness();
    const startedAt = h.now();
    h.advance(3600);
    h.meter.add(() => [e2b('r', startedAt, { seenLate: true })]);
    void h.meter.tick();
    assert.equal(h.usd(), 0, 'its first hour was charged by the window that ran it then');
    h.advance(10);
    void h.meter.tick();
    near(h.usd(), sandboxCost(10, 2, 512));
    h.meter.stop();
  });

  it('at the cap, the running billed sandboxes are paused once (not the paused ones, not the free ones) and reported together', async () => {
    const h = harness(sandboxCost(100, 2, 512) * 1.5);
    const pausedIds: string[] = [];
    const list: MeteredSandbox[] = [
      e2b('a', h.now(), { name: 'calc', pauseAtCap: async () => void pausedIds.push('a') }),
      e2b('b', h.now(), { name: 'todo', pauseAtCap: async () => void pausedIds.push('b') }),
      e2b('c', h.now(), { name: 'asleep', pausedSince: h.now(), pauseAtCap: async () => void pausedIds.push('c') }),
      { id: 'l', provider: 'local', startedAt: h.now(), name: 'local', pauseAtCap: async () => void pausedIds.push('l') },
      e2b('f', h.now(), { name: 'failing', pauseAtCap: async () => Promise.reject(new Error('E2B said no')) }),
    ];
    h.meter.add(() => list);
    h.advance(30);
    await h.meter.tick();
    assert.deepEqual(pausedIds, [], 'under the cap nothing is paused');
    assert.ok(!h.outcomes.some((o) => o.warn), 'no warning below 80 %');
    h.advance(30);
    await h.meter.tick();
    assert.deepEqual(pausedIds, ['a', 'b'], 'past the cap: the running E2B sandboxes');
    assert.deepEqual(h.paused, [['calc', 'todo']], 'one report for all of them (the one that failed to pause is left out)');
    assert.ok(!h.outcomes.some((o) => o.reached), 'the pauses say the cap is reached: no second note');
    assert.equal(h.budget.capped, true);
    h.meter.stop();
  });

  it('at the cap with nothing to pause (a front that cannot), the cap itself is reported; 80 % is warned once', async () => {
    const h = harness(sandboxCost(100, 2, 512));
    const sb = e2b('a', h.now());
    h.meter.add(() => [sb]);
    h.advance(85);
    await h.meter.tick();
    assert.deepEqual(h.outcomes, [{ warn: true, reached: false }]);
    h.advance(20);
    await h.meter.tick();
    assert.deepEqual(h.outcomes, [{ warn: true, reached: false }, { warn: false, reached: true }]);
    assert.deepEqual(h.paused, []);
    h.meter.stop();
  });
});
