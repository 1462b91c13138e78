/** Set Anthropic API Key: a password box into SecretStorage. Scripts/tests: `{value}` stores, `{clear: true}` removes. */
import { SpawnError } from '../../core/base/errors';
import { validateKey } from '../base/secrets';
import { defineCommand } from './command';
import { optionsOf } from './targets';

export const setAnthropicApiKeyCommand = defineCommand('spawnApp.setAnthropicApiKey', async (s, ...args) => {
  const o = optionsOf(args) as { value?: string; clear?: boolean };
  if (o.clear) return s.secrets.delete('anthropic').then(() => false);
  if (o.value !== undefined) {
    const invalid = validateKey(o.value);
    if (invalid) throw new SpawnError('usage', invalid);
    await s.secrets.set('anthropic', o.value);
    return true;
  }
  return s.secrets.prompt('anthropic');
});
