/**
 * Sandbox providers for this window, from the app session (core/session): one local runner (the session's), and the
 * E2B provider made (lazily) when a key exists. Which provider a choice comes to is the session's rule.
 */
import type { ProviderChoice } from '../../core/sandbox';
import { providerInfo } from '../../core/session';
import { PROVIDER_IDS } from '../../core/base/providerId';
import type { ProviderId } from '../../core/base/providerId';
import type { LocalProvider } from '../../core/sandbox/local/provider';
import type { SandboxProvider } from '../../core/sandbox/types';
import type { WindowSession } from '../base/session';

export class Providers {
  private readonly made = new Map<ProviderId, Promise<SandboxProvider>>();

  constructor(private readonly host: WindowSession) {}

  /** The session's local runner (one per window). */
  get local(): LocalProvider {
    return this.host.session.local;
  }

  /** The provider for a choice, made once (a provider's SDK is loaded only then) until settings or keys change. */
  async get(choice: ProviderChoice): Promise<SandboxProvider> {
    const session = await this.host.current();
    const id = session.providerFor(choice);
    let made = this.made.get(id);
    if (!made) {
      made = session.provider(id);
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
    const { cfg } = await this.host.current();
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
