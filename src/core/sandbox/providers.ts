/**
 * Every sandbox provider, in one table. To add one: write `src/core/sandbox/<name>/` implementing
 * `SandboxProvider` (types.ts), add its id to `PROVIDER_IDS` (core/base/providerId.ts) and its line here. Its id then is a `ProviderId`, `createProvider` makes it,
 * both fronts list its sandboxes and show its label; a unit test checks that the `spawnApp.sandboxProvider`
 * setting offers it.
 */
import type { CoreConfig } from '../base/config';
import type { ProviderId } from '../base/providerId';
import type { LocalProvider } from './local/provider';
import type { SandboxProvider } from './types';

export interface ProviderInfo {
  /** For people: "E2B", "local runner". */
  readonly label: string;
  /** Where it runs an app, as the start of a sentence (core/deploy/whereItRuns.ts adds the isolation): "an E2B sandbox". */
  readonly where: string;
  /** The API key it needs (`CoreConfig` field), if any: without it, `createProvider` says so (a `key` hint). */
  readonly key?: 'e2bApiKey';
  /** Its sandboxes stop after a timeout that can be extended (else they live as long as the process that owns them). */
  readonly timeout: boolean;
  /** It runs apps on this machine (free; the deploy dialog says how isolated). */
  readonly onThisMachine: boolean;
  /** Its running seconds are billed (core/deploy/cost.ts prices them; the spending cap counts them; a past-cap front asks or refuses before creating one). */
  readonly billed: boolean;
  /** A sandbox can be created while the model writes (core/deploy/prewarm.ts), so that the deploy goes into it. */
  readonly prewarm: boolean;
  /**
   * Whether this process can use it with this configuration (its key is set): `createProvider` refuses one that is
   * not, `allProviders` lists the sandboxes of those that are, and 'auto' picks the first ready one of `AUTO_ORDER`.
   */
  ready(cfg: CoreConfig): boolean;
  /** Makes the provider; a provider's SDK is loaded only here, when first used. */
  create(cfg: CoreConfig, local: () => LocalProvider): Promise<SandboxProvider>;
}


export const PROVIDERS: Readonly<Record<ProviderId, ProviderInfo>> = {
  local: { label: 'local runner', where: 'the local runner', timeout: false, onThisMachine: true, billed: false, prewarm: false, ready: () => true, create: async (_cfg, local) => local() },
  e2b: { label: 'E2B', where: 'an E2B sandbox', key: 'e2bApiKey', timeout: true, onThisMachine: false, billed: true, prewarm: true, ready: (cfg) => Boolean(cfg.e2bApiKey), create: async (cfg) => (await import('./e2b/provider')).e2bProviderFromConfig(cfg) },
};

/** What 'auto' means: the first provider here that is ready (E2B with a key, else the local runner, always ready). */
export const AUTO_ORDER: readonly ProviderId[] = ['e2b', 'local'];

export function providerInfo(id: ProviderId): ProviderInfo {
  return PROVIDERS[id];
}
