/** The price table: current models with their cache prices, dated ids, unknown stays unknown (issue 20 part 4). */
import assert from 'node:assert/strict';
import { cacheMinTokens, priceOf, tokenCost, tokensText } from '../../src/core/base/pricing';

describe('pricing: cache writes and reads, current models', () => {
  it('a model id or its dated id has its price; a neighbour never borrows one; unknown stays unknown', () => {
    assert.deepEqual(priceOf('claude-haiku-4-5'), { input: 1, output: 5, cacheWrite: 1.25, cacheRead: 0.1 });
    assert.deepEqual(priceOf('claude-haiku-4-5-20251001'), priceOf('claude-haiku-4-5'));
    assert.deepEqual(priceOf('claude-sonnet-4-20250514'), { input: 3, output: 15, cacheWrite: 3.75, cacheRead: 0.3 });
    assert.equal(priceOf('claude-opus-4-8')?.cacheRead, 0.5);
    assert.equal(priceOf('claude-fable-5-1')?.cacheRead, 0.25, 'a cache read price that is not 0.1 × input');
    assert.equal(priceOf('claude-sonnet-5')?.input, 2);
    for (const id of ['claude-sonnet-5-5', 'claude-sonnet-4-7', 'claude-haiku-5-5', 'gpt-4o', 'claude-opus-4']) assert.equal(priceOf(id), undefined, id);
    assert.equal(tokenCost('claude-sonnet-5-5', 1000, 1000, undefined, { cacheReadTokens: 1000 }), null);
  });

  it('the cost counts cache writes at 1.25 × and reads at 0.1 × the input price; an override without cache prices gets those', () => {
    const usd = tokenCost('claude-haiku-4-5', 2000, 500, undefined, { cacheWriteTokens: 10_000, cacheReadTokens: 40_000 });
    assert.equal(usd, (2000 * 1 + 500 * 5 + 10_000 * 1.25 + 40_000 * 0.1) / 1e6);
    assert.equal(tokenCost('claude-haiku-4-5', 2000, 500), (2000 + 2500) / 1e6, 'no cache: as before');
    const custom = { 'my-model': { input: 2, output: 8 } };
    assert.equal(tokenCost('my-model', 0, 0, custom, { cacheWriteTokens: 1e6, cacheReadTokens: 1e6 }), 2.5 + 0.2);
  });

  it('the cost line names the cache reads and writes only when there are any; the cache minimum per model', () => {
    assert.equal(tokensText({ inputTokens: 10, outputTokens: 5 }), '10 input + 5 output tokens');
    assert.equal(tokensText({ inputTokens: 10, outputTokens: 5, cacheReadTokens: 400, cacheWriteTokens: 30 }), '10 input + 5 output tokens, 400 cache reads, 30 cache writes');
    assert.deepEqual(['claude-haiku-4-5', 'claude-sonnet-4-6', 'claude-3-5-haiku-20241022'].map(cacheMinTokens), [4096, 1024, 2048]);
  });
});
