/** Picks a sandbox provider. The E2B provider (and its SDK) is loaded only when used. */
import type { CoreConfig } from '../config';
import { SpawnError } from '../errors';
import type * as E2BModule from './e2b';
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
  if (!cfg.e2bApiKey) throw new SpawnError('deploy.no_key', 'The E2B provider needs an API key (set E2B_API_KEY), or use --provider local.');
  // A lazy require rather than import(): esbuild bundles it as a deferred module, and it also loads under tsx's
  // CommonJS hook (tests), where a native import() of a .ts file would not.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { e2bProviderFromConfig } = require('./e2b') as typeof E2BModule;
  return e2bProviderFromConfig(cfg);
}
