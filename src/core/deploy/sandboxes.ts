/** Every provider whose sandboxes this process can see: those ready with this configuration (the provider table's `ready`). */
import type { CoreConfig } from '../base/config';
import { PROVIDER_IDS } from '../base/providerId';
import { createProvider } from '../sandbox';
import { providerInfo } from '../sandbox/providers';
import type { LocalProvider } from '../sandbox/local/provider';
import type { SandboxProvider } from '../sandbox/types';

export async function allProviders(cfg: CoreConfig, local: LocalProvider): Promise<SandboxProvider[]> {
  const providers: SandboxProvider[] = [];
  for (const id of PROVIDER_IDS) if (providerInfo(id).ready(cfg)) providers.push(await createProvider(id, cfg, local));
  return providers;
}

/** The provider a sandbox id belongs to (ids start with the provider's id; E2B's are bare). */
export function providerOfSandbox(providers: readonly SandboxProvider[], id: string): SandboxProvider {
  return providers.find((p) => id.startsWith(`${p.id}-`)) ?? providers[providers.length - 1]!;
}
