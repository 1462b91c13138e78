/** Picks a sandbox provider. The E2B provider (and its SDK) is loaded only when used. */
import type { CoreConfig } from '../base/config';
import { SpawnError } from '../base/errors';
import { LocalProvider } from './local/provider';
import type { ProviderId } from '../base/providerId';
import { PROVIDER_IDS } from '../base/providerId';
import { AUTO_ORDER, providerInfo } from './providers';
import type { SandboxProvider } from './types';

export type ProviderChoice = ProviderId | 'auto';

/** The choices a front offers: 'auto' and every provider of the table. */
export const PROVIDER_CHOICES: readonly ProviderChoice[] = ['auto', ...PROVIDER_IDS];

export function resolveProviderId(choice: ProviderChoice, cfg: CoreConfig): ProviderId {
  if (choice === 'auto') return AUTO_ORDER.find((id) => providerInfo(id).ready(cfg)) ?? 'local';
  return choice;
}

/** The provider for a choice (see PROVIDERS); a provider whose key is missing says so, with the local runner as the alternative. */
export async function createProvider(choice: ProviderChoice, cfg: CoreConfig, local?: LocalProvider): Promise<SandboxProvider> {
  const id = resolveProviderId(choice, cfg);
  const info = providerInfo(id);
  if (!info.ready(cfg)) {
    throw new SpawnError('deploy.no_key', `The ${info.label} provider needs an API key, or run the app with the local runner.`, undefined, { hint: [{ key: 'e2b' }, { use: 'local' }] });
  }
  return info.create(cfg, () => local ?? new LocalProvider());
}
