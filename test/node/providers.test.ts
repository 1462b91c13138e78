import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { SpawnError } from '../../src/core/base/errors';
import { createProvider } from '../../src/core/sandbox';
import { PROVIDER_IDS } from '../../src/core/base/providerId';
import { PROVIDERS, providerInfo } from '../../src/core/sandbox/providers';

/** Adding a provider is one file and its line in PROVIDERS: these tests say what else would be out of step. */
describe('sandbox providers: one table', () => {
  const manifest = JSON.parse(readFileSync(path.join(__dirname, '../../package.json'), 'utf8')) as {
    contributes: { configuration: { properties: Record<string, { enum?: string[] }> } };
  };

  it('the spawnApp.sandboxProvider setting offers auto and every registered provider', () => {
    assert.deepEqual([...manifest.contributes.configuration.properties['spawnApp.sandboxProvider']!.enum!].sort(), ['auto', ...PROVIDER_IDS].sort());
  });

  it('createProvider makes each registered provider with its id; a missing key is one sentence with hints', async () => {
    for (const id of PROVIDER_IDS) {
      const info = providerInfo(id);
      const cfg = info.key ? { [info.key]: 'test-key-0123456789', e2bApiUrl: 'http://127.0.0.1:9' } : {};
      const p = await createProvider(id, cfg);
      assert.equal(p.id, id);
      if (info.key) {
        const err = await createProvider(id, {}).then(() => undefined, (e: unknown) => e);
        assert.ok(err instanceof SpawnError && err.code === 'deploy.no_key', String(err));
        assert.match(err.message, new RegExp(`^The ${info.label} provider needs an API key`));
      }
    }
    assert.deepEqual(Object.keys(PROVIDERS), PROVIDER_IDS);
  });
});
