/** Picks a sandbox provider. The E2B provider (and its SDK) is loaded only when used. */
import type { CoreConfig } from '../config';
import { SpawnError } from '../errors';
import { LocalProvider } from './local';
import type { ProviderId, SandboxProvider } from './types';

export type ProviderChoice = ProviderId | 'auto';

export function resolveProviderId(choice: ProviderChoice, cfg: CoreConfig): ProviderId {
  if (choice === 'auto') return cfg.e2bApiKey ? 'e2b' : 'local';
  return choice;
}

export async function createProvider(choice: ProviderChoice, cfg: CoreConfig, local?: LocalProvider): Promise<SandboxProvider> {
  const id = resolveProviderId(choice, cfg);
  if (id === 'local') return local ?? new LocalProvider();
  if (!cfg.e2bApiKey) throw new SpawnError('deploy.no_key', 'The E2B provider needs an API key, or run the app with the local runner.', undefined, { hint: [{ key: 'e2b' }, { use: 'local' }] });
  const { e2bProviderFromConfig } = await import('./e2b');
  return e2bProviderFromConfig(cfg);
}
