/** Sandbox providers for this window: one local runner, and the E2B provider created (lazily) when a key exists. */
import type { CoreConfig } from '../../core/base/config';
import type { ProviderChoice } from '../../core/sandbox';
import { createProvider, resolveProviderId } from '../../core/sandbox';
import { LocalProvider } from '../../core/sandbox/local/provider';
import { PROVIDER_IDS } from '../../core/base/providerId';
import { providerInfo } from '../../core/sandbox/providers';
import type { ProviderId } from '../../core/base/providerId';
import type { SandboxProvider } from '../../core/sandbox/types';

export class Providers {
  private readonly made = new Map<ProviderId, Promise<SandboxProvider>>();

  constructor(
    private readonly config: () => Promise<CoreConfig>,
    readonly local: LocalProvider = new LocalProvider(),
  ) {}

  /** The provider for a choice, made once (a provider's SDK is loaded only then) until settings or keys change. */
  async get(choice: ProviderChoice): Promise<SandboxProvider> {
    const cfg = await this.config();
    const id = resolveProviderId(choice, cfg);
    let made = this.made.get(id);
    if (!made) {
      made = createProvider(id, cfg, this.local);
      this.made.set(id, made);
    }
    try {
      return await made;
    } catch (err) {
      if (this.made.get(id) === made) this.made.delete(id);
      throw err;
    }
  }

  /** Every provider that can list sandboxes now: those that need no key, and those whose key is set. */
  async available(): Promise<SandboxProvider[]> {
    const cfg = await this.config();
    const ids = PROVIDER_IDS.filter((id) => {
      const key = providerInfo(id).key;
      return !key || cfg[key];
    });
    return Promise.all(ids.map((id) => this.get(id)));
  }

  /** Forgets the providers made so far (their settings or keys changed); the local runner stays. */
  reset(): void {
    this.made.clear();
  }
}
