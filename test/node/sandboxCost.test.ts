import { strict as assert } from 'node:assert';
import { E2B_PRICE, formatUsd, sandboxCost } from '../../src/core/base/pricing';

describe('sandboxCost (E2B, per second of vCPU and memory)', () => {
  it('charges vCPU-seconds plus GiB-seconds at the dated E2B rates', () => {
    const hour = sandboxCost(3600, 2, 512);
    assert.ok(Math.abs(hour - 3600 * (2 * E2B_PRICE.perVcpuSecond + 0.5 * E2B_PRICE.perGiBSecond)) < 1e-12);
    assert.ok(hour > 0.01 && hour < 1, `an hour of 2 vCPU / 512 MB costs cents, not dollars (${hour})`);
  });

  it('scales linearly with time, vCPUs and memory', () => {
    assert.ok(Math.abs(sandboxCost(20, 2, 1024) - 2 * sandboxCost(10, 2, 1024)) < 1e-15);
    assert.ok(sandboxCost(10, 4, 1024) > sandboxCost(10, 2, 1024));
    assert.ok(sandboxCost(10, 2, 2048) > sandboxCost(10, 2, 1024));
  });

  it('is never negative (a clock that went back counts as no time) and is zero for no time', () => {
    assert.equal(sandboxCost(-5, 2, 512), 0);
    assert.equal(sandboxCost(0, 2, 512), 0);
    assert.equal(formatUsd(sandboxCost(0, 2, 512)), '$0');
  });
});
