/** Sandbox providers for this window: one local runner, and the E2B provider created (lazily) when a key exists. */
import type { CoreConfig } from '../core/config';
import type { ProviderChoice } from '../core/sandbox';
import { createProvider, resolveProviderId } from '../core/sandbox';
import { LocalProvider } from '../core/sandbox/local';
import type { ProviderId, SandboxProvider } from '../core/sandbox/types';
import { readSettings } from './settings';

export class Providers {
  private remote?: { key: string; provider: Promise<SandboxProvider> };

  constructor(
    private readonly config: () => Promise<CoreConfig>,
    readonly local: LocalProvider = new LocalProvider({ network: () => readSettings().localNetwork }),
  ) {}

  async resolve(choice: ProviderChoice): Promise<ProviderId> {
    return resolveProviderId(choice, await this.config());
  }

  /** The provider for a choice; the E2B SDK is loaded only here, the first time it is needed. */
  async get(choice: ProviderChoice): Promise<SandboxProvider> {
    const cfg = await this.config();
    const id = resolveProviderId(choice, cfg);
    if (id === 'local') return this.local;
    const key = JSON.stringify([cfg.e2bApiKey, cfg.e2bDomain, cfg.e2bApiUrl, cfg.e2bSandboxUrl, cfg.e2bTemplate]);
    if (this.remote?.key !== key) {
      const provider = createProvider(id, cfg, this.local);
      provider.catch(() => undefined);
      this.remote = { key, provider };
    }
    try {
      return await this.remote.provider;
    } catch (err) {
      this.remote = undefined;
      throw err;
    }
  }

  /** Every provider that can list sandboxes now: local always, E2B when a key is set. */
  async available(): Promise<SandboxProvider[]> {
    const out: SandboxProvider[] = [this.local];
    if ((await this.config()).e2bApiKey) out.push(await this.get('e2b'));
    return out;
  }

  /** Forgets the cached E2B provider (its settings or key changed). */
  reset(): void {
    this.remote = undefined;
  }
}
