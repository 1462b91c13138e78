import assert from 'node:assert/strict';
import { satisfies, templateSatisfies } from '../../src/core/sandbox/preinstalled';

describe('E2B template: preinstalled dependencies', () => {
  const yes: [string, string][] = [['4.21.2', '^4.21.2'], ['4.21.2', '^4.18.0'], ['4.21.2', '4'], ['4.21.2', '4.x'], ['4.21.2', '~4.21.0'], ['4.21.2', '4.21.2'], ['4.21.2', '*'], ['0.3.5', '^0.3.1'], ['4.21.2', '>=4'], ['0.0.3', '^0.0.3']];
  const no: [string, string][] = [['4.21.2', '^5.0.0'], ['4.21.2', '^4.22.0'], ['4.21.2', '~4.20.0'], ['4.21.2', '4.21.1'], ['4.21.2', '3'], ['4.21.2', 'latest'], ['0.4.0', '^0.3.1'], ['0.0.4', '^0.0.3'], ['0.1.0', '^0.0.3']];
  for (const [v, r] of yes) it(`${v} satisfies ${r}`, () => assert.ok(satisfies(v, r)));
  for (const [v, r] of no) it(`${v} does not satisfy ${r}`, () => assert.ok(!satisfies(v, r)));
  it('knows what the template holds', () => {
    assert.ok(templateSatisfies('express', 'npm'));
    assert.ok(templateSatisfies('express@^4.21.2', 'npm'));
    assert.ok(!templateSatisfies('express@^5', 'npm'));
    assert.ok(!templateSatisfies('lodash', 'npm'));
    assert.ok(!templateSatisfies('requests', 'pip'));
  });
});
