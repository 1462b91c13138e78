/**
 * Every sandbox provider, in one table. To add one: write `src/core/sandbox/<name>.ts` implementing
 * `SandboxProvider` (types.ts), and add its line here. Its id then is a `ProviderId`, `createProvider` makes it,
 * both fronts list its sandboxes and show its label (test/unit/stackTable.test.ts proves it with a fixture
 * provider); a unit test checks that the `spawnApp.sandboxProvider` setting offers it.
 */
import type { CoreConfig } from '../config';
import type { LocalProvider } from './local';
import type { SandboxProvider } from './types';

export interface ProviderInfo {
  /** For people: "E2B", "local runner". */
  readonly label: string;
  /** Where it runs an app, as the start of a sentence (core/whereItRuns.ts adds the isolation): "an E2B sandbox". */
  readonly where: string;
  /** The API key it needs (`CoreConfig` field), if any: without it, `createProvider` says so (a `key` hint). */
  readonly key?: 'e2bApiKey';
  /** Its sandboxes stop after a timeout that can be extended (else they live as long as the process that owns them). */
  readonly timeout: boolean;
  /** It runs apps on this machine (free; the deploy dialog says how isolated). */
  readonly onThisMachine: boolean;
  /** Its running seconds are billed (core/cost.ts prices them; the spending cap counts them; a past-cap front asks or refuses before creating one). */
  readonly billed: boolean;
  /** A sandbox can be created while the model writes (core/prewarm.ts), so that the deploy goes into it. */
  readonly prewarm: boolean;
  /** Makes the provider; a provider's SDK is loaded only here, when first used. */
  create(cfg: CoreConfig, local: () => LocalProvider): Promise<SandboxProvider>;
}

export const PROVIDERS = {
  local: { label: 'local runner', where: 'the local runner', timeout: false, onThisMachine: true, billed: false, prewarm: false, create: async (_cfg: CoreConfig, local: () => LocalProvider): Promise<SandboxProvider> => local() },
  e2b: { label: 'E2B', where: 'an E2B sandbox', key: 'e2bApiKey', timeout: true, onThisMachine: false, billed: true, prewarm: true, create: async (cfg: CoreConfig): Promise<SandboxProvider> => (await import('./e2b')).e2bProviderFromConfig(cfg) },
} satisfies Readonly<Record<string, ProviderInfo>>;

/** A registered provider's id. */
export type ProviderId = keyof typeof PROVIDERS;

export const PROVIDER_IDS = Object.keys(PROVIDERS) as ProviderId[];

export function providerInfo(id: ProviderId): ProviderInfo {
  return PROVIDERS[id];
}

export function isProviderId(v: unknown): v is ProviderId {
  return typeof v === 'string' && Object.hasOwn(PROVIDERS, v);
}
