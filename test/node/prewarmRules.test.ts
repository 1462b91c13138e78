/**
 * The pre-warm decisions every front takes from core/deploy/prewarm.ts (issue 19): "E2B only" (the provider table says
 * which provider pre-warms), the take rule (same app type, same provider; otherwise discarded at once) and
 * extend-after-take. The CLI's `run` and the extension's Spawner/DeployService call these, not their own copies.
 */
import assert from 'node:assert/strict';
import { extendAfterTake, Prewarm, prewarmWanted, takePrewarm } from '../../src/core/deploy/prewarm';
import { PROVIDER_IDS } from '../../src/core/base/providerId';
import { providerInfo } from '../../src/core/sandbox/providers';
import type { Sandbox, SandboxProvider } from '../../src/core/sandbox/types';

/** A provider whose create answers at once with a sandbox that records being destroyed. */
function fakeProvider(id: 'e2b' | 'local'): { provider: SandboxProvider; destroyed: string[] } {
  const destroyed: string[] = [];
  let n = 0;
  const provider = {
    id,
    create: async () => {
      const sid = `${id}-${++n}`;
      return { id: sid, destroy: async () => void destroyed.push(sid) } as unknown as Sandbox;
    },
  } as unknown as SandboxProvider;
  return { provider, destroyed };
}

describe('pre-warm decisions, one owner for every front (issue 19)', () => {
  it('"E2B only": wanted when allowed and the provider pre-warms, per the provider table', () => {
    assert.equal(prewarmWanted(true, 'e2b'), true);
    assert.equal(prewarmWanted(false, 'e2b'), false, '--no-prewarm, SPAWN_APP_PREWARM=0, spawnApp.prewarm off');
    assert.equal(prewarmWanted(true, 'local'), false, 'the local runner starts in milliseconds');
    for (const id of PROVIDER_IDS) assert.equal(prewarmWanted(true, id), providerInfo(id).prewarm, id);
  });

  it('the take rule: the same app type on the same provider takes it; anything else discards it at once', async () => {
    const { provider, destroyed } = fakeProvider('e2b');
    const same = Prewarm.start({ provider, appType: 'webapp' });
    const taken = await takePrewarm(same, 'webapp', 'e2b');
    assert.equal(taken?.id, 'e2b-1');
    assert.equal(same.state, 'taken');
    assert.equal(await takePrewarm(same, 'webapp', 'e2b'), undefined, 'taken once');

    const otherType = Prewarm.start({ provider, appType: 'react' });
    await otherType.settled();
    assert.equal(await takePrewarm(otherType, 'webapp', 'e2b'), undefined, 'a react template serves no webapp');
    assert.equal(otherType.state, 'discarded');
    assert.deepEqual(destroyed, ['e2b-2'], 'killed at once, not left to its idle timer');

    const otherProvider = Prewarm.start({ provider, appType: 'webapp' });
    await otherProvider.settled();
    assert.equal(await takePrewarm(otherProvider, 'webapp', 'local'), undefined, 'the user picked the local runner');
    assert.equal(otherProvider.state, 'discarded');
    assert.deepEqual(destroyed, ['e2b-2', 'e2b-3']);

    assert.equal(await takePrewarm(undefined, 'webapp', 'e2b'), undefined);
  });

  it('extend after take: a taken sandbox gets the full lifetime; none taken, nothing extended; a failure only warns', async () => {
    const calls: number[] = [];
    const warnings: string[] = [];
    const sandbox = { id: 'e2b-9' } as Sandbox;
    await extendAfterTake(sandbox, async (ms) => void calls.push(ms), 900_000, (m) => warnings.push(m));
    assert.deepEqual(calls, [900_000]);
    await extendAfterTake(undefined, async (ms) => void calls.push(ms), 900_000, (m) => warnings.push(m));
    assert.deepEqual(calls, [900_000], 'a deploy into a new sandbox has its lifetime already');
    await extendAfterTake(sandbox, async () => Promise.reject(new Error('E2B said 500')), 900_000, (m) => warnings.push(m));
    assert.deepEqual(warnings, ["could not extend the pre-warmed sandbox e2b-9's lifetime: E2B said 500"]);
  });
});
