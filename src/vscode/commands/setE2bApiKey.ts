/** Set E2B API Key: a password box into SecretStorage. Scripts/tests: `{value}` stores, `{clear: true}` removes. */
import { SpawnError } from '../../core/base/errors';
import { validateKey } from '../base/secrets';
import { defineCommand } from './command';
import { optionsOf } from './targets';

export const setE2bApiKeyCommand = defineCommand('spawnApp.setE2bApiKey', async (s, ...args) => {
  const o = optionsOf(args) as { value?: string; clear?: boolean };
  if (o.clear) return s.secrets.delete('e2b').then(() => false);
  if (o.value !== undefined) {
    const invalid = validateKey(o.value);
    if (invalid) throw new SpawnError('usage', invalid);
    await s.secrets.set('e2b', o.value);
    return true;
  }
  return s.secrets.prompt('e2b');
});
