/**
 * The cost of a sandbox, one rule for every front (core/deploy/cost.ts): an unknown price stays unknown (never `$0`), and
 * paused time is not billed. Checked on the function, on the agent tools' listing line (toolText.ts), and on the
 * built `spawn-app list` against the fake E2B (a plan whose listing has no resources; a sandbox paused at its timeout).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { formatSandboxSpend, sandboxSpend, sandboxUsd } from '../../src/core/deploy/cost';
import { sandboxCost } from '../../src/core/base/pricing';
import { E2BProvider } from '../../src/core/sandbox/e2b/provider';
import { sandboxLine } from '../../src/core/tools/toolText';
import { FakeE2B } from '../fakes/fakeE2B';
import { ensureBuilt, runCli } from '../helpers/cli';
import { until } from '../helpers/poll';

const T0 = 1_800_000_000_000;
const MIN = 60_000;

describe('cost of a sandbox (one rule: unknown stays unknown, paused time is not billed)', () => {
  it('a billed sandbox without resources costs "price unknown", never $0', () => {
    const s = { provider: 'e2b' as const, startedAt: T0 };
    assert.equal(sandboxUsd(s, T0 + 10 * MIN), null);
    assert.equal(formatSandboxSpend(s, T0 + 10 * MIN), 'price unknown');
    assert.equal(formatSandboxSpend({ ...s, cpuCount: 2 }, T0 + 10 * MIN), 'price unknown', 'memory unknown');
  });

  it('the local runner is free, and says so', () => {
    const s = { provider: 'local' as const, startedAt: T0 };
    assert.deepEqual(sandboxSpend(s, T0 + MIN), { usd: 0, atMost: false, free: true });
    assert.equal(formatSandboxSpend(s, T0 + MIN), 'free (this machine)');
  });

  it('bills only running seconds: finished pauses and the current one are left out', () => {
    const s = { provider: 'e2b' as const, startedAt: T0, cpuCount: 2, memoryMB: 512 };
    const now = T0 + 60 * MIN;
    assert.equal(sandboxUsd(s, now), sandboxCost(3600, 2, 512));
    assert.equal(sandboxUsd({ ...s, pausedMs: 20 * MIN }, now), sandboxCost(40 * 60, 2, 512));
    assert.equal(sandboxUsd({ ...s, pausedMs: 20 * MIN, pausedSince: T0 + 30 * MIN }, now), sandboxCost(10 * 60, 2, 512));
  });

  it('a listed paused sandbox (pause moment unknown here) is billed at most until its timeout, and says "at most"', () => {
    const s = { provider: 'e2b' as const, startedAt: T0, cpuCount: 2, memoryMB: 512, state: 'paused' as const, endAt: T0 + 5 * MIN };
    const later = T0 + 60 * MIN;
    assert.deepEqual(sandboxSpend(s, later), { usd: sandboxCost(5 * 60, 2, 512), atMost: true, free: false });
    assert.match(formatSandboxSpend(s, later), /^at most \$0\.\d+$/);
    assert.equal(sandboxUsd({ ...s, state: 'running', endAt: later + MIN }, later), sandboxCost(3600, 2, 512), 'running: every second counts');
    // Still "running" in a front's own record past its timeout (the CLI's and MCP server's meter do not list E2B
    // again): E2B killed or paused it at its timeout, so the time since is not billed.
    assert.equal(sandboxUsd({ ...s, state: 'running' }, later), sandboxCost(5 * 60, 2, 512), 'past its timeout: billed up to it');
    assert.equal(sandboxUsd({ provider: 'e2b' as const, startedAt: T0, cpuCount: 2, memoryMB: 512 }, later), sandboxCost(3600, 2, 512), 'no timeout known (a local record, an owner-bound sandbox): up to now');
  });

  it('the agent tools list a sandbox of unknown price without $0, and do not bill its paused time', () => {
    const unknown = sandboxLine({ id: 'sbx1', provider: 'e2b', app: 'calc', startedAt: T0, endAt: T0 + 60 * MIN }, T0 + 10 * MIN);
    assert.doesNotMatch(unknown, /\$0\b/);
    assert.match(unknown, /price unknown/);
    const paused = sandboxLine({ id: 'sbx2', provider: 'e2b', app: 'calc', startedAt: T0, endAt: T0 + 5 * MIN, state: 'paused', cpuCount: 2, memoryMB: 512 }, T0 + 60 * MIN);
    assert.ok(paused.includes(`at most $${sandboxCost(5 * 60, 2, 512).toFixed(4)}`), paused);
  });

  describe('spawn-app list (built CLI ↔ fake E2B)', function () {
    this.timeout(60_000);
    let tmp: string;
    before(() => ensureBuilt());
    beforeEach(() => (tmp = mkdtempSync(path.join(os.tmpdir(), 'spawn-cost-'))));
    afterEach(() => rmSync(tmp, { recursive: true, force: true }));

    it('a plan whose listing has no resources: "price unknown" (costUsd null), never $0', async () => {
      const fake = await FakeE2B.start({ cpuCount: 0, memoryMB: 0 });
      try {
        const sb = await new E2BProvider({ ...fake.connection() }).create({ appName: 'calc', appType: 'webapp' });
        const env = { ...fake.env(), SPAWN_APP_LOCAL_ROOT: path.join(tmp, 'local') };
        const text = await runCli(['list'], env);
        assert.equal(text.code, 0, text.stderr);
        const line = text.stdout.split('\n').find((l) => l.startsWith(sb.id));
        assert.ok(line, text.stdout);
        assert.doesNotMatch(line, /\$0\b/);
        assert.match(line, /price unknown/);
        const json = await runCli(['list', '--json'], env);
        const listed = json.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { id: string; costUsd: unknown });
        assert.equal(listed.find((s) => s.id === sb.id)?.costUsd, null);
      } finally {
        await fake.close();
      }
    });

    it('a sandbox paused at its timeout: its cost stops at the pause (the time since is not billed)', async () => {
      const fake = await FakeE2B.start();
      try {
        const sb = await new E2BProvider({ ...fake.connection(), timeoutMs: 1_000 }).create({ appName: 'calc', appType: 'webapp', onTimeout: 'pause' });
        await until(() => fake.pauses.some((p) => p.sandboxId === sb.id && p.by === 'timeout'), 'the timeout to pause it', 10_000);
        const json = await runCli(['list', '--json'], { ...fake.env(), SPAWN_APP_LOCAL_ROOT: path.join(tmp, 'local') });
        assert.equal(json.code, 0, json.stderr);
        const listed = json.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { id: string; state: string; startedAt: number; endAt: number; ageMs: number; costUsd: number });
        const mine = listed.find((s) => s.id === sb.id);
        assert.ok(mine);
        assert.equal(mine.state, 'paused');
        assert.ok(mine.ageMs > mine.endAt - mine.startedAt, 'listed after the pause');
        assert.equal(mine.costUsd, sandboxCost((mine.endAt - mine.startedAt) / 1000, 2, 512), 'billed up to the pause, not up to now');
      } finally {
        await fake.close();
      }
    });
  });
});
