import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { SpawnError } from '../../src/core/base/errors';
import { createProvider } from '../../src/core/sandbox';
import { PROVIDER_IDS } from '../../src/core/base/providerId';
import { AUTO_ORDER, PROVIDERS, providerInfo } from '../../src/core/sandbox/providers';
import { resolveProviderId } from '../../src/core/sandbox';
import { allProviders } from '../../src/core/deploy/sandboxes';
import { LocalProvider } from '../../src/core/sandbox/local/provider';

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

  it('readiness is the table’s (ready): the providers listed, the one auto picks, the one refused, without a key check outside it', async () => {
    const keyed = { e2bApiKey: 'test-key-0123456789', e2bApiUrl: 'http://127.0.0.1:9' };
    for (const id of PROVIDER_IDS) assert.equal(providerInfo(id).ready({}), providerInfo(id).key === undefined, id);
    assert.deepEqual(new Set(AUTO_ORDER), new Set(PROVIDER_IDS));
    assert.equal(resolveProviderId('auto', {}), 'local');
    assert.equal(resolveProviderId('auto', keyed), 'e2b');
    const local = new LocalProvider({ root: '/nonexistent/spawn-app-test' });
    assert.deepEqual((await allProviders({}, local)).map((p) => p.id), PROVIDER_IDS.filter((id) => providerInfo(id).ready({})));
    assert.deepEqual((await allProviders(keyed, local)).map((p) => p.id), [...PROVIDER_IDS]);
    assert.equal((await allProviders({}, local))[0], local, 'the session’s own local runner');
    const source = readFileSync(path.join(__dirname, '../../src/core/deploy/sandboxes.ts'), 'utf8');
    assert.doesNotMatch(source, /ApiKey|'e2b'|'local'/, 'no key or provider named outside the provider files');
  });
});
