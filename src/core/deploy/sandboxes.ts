/** Every provider whose sandboxes this process can see: the local runner always, E2B when a key is set. */
import type { CoreConfig } from '../base/config';
import { createProvider } from '../sandbox';
import type { LocalProvider } from '../sandbox/local/provider';
import type { SandboxProvider } from '../sandbox/types';

export async function allProviders(cfg: CoreConfig, local: LocalProvider): Promise<SandboxProvider[]> {
  const providers: SandboxProvider[] = [local];
  if (cfg.e2bApiKey) providers.push(await createProvider('e2b', cfg));
  return providers;
}

/** The provider a sandbox id belongs to (ids start with the provider's id; E2B's are bare). */
export function providerOfSandbox(providers: readonly SandboxProvider[], id: string): SandboxProvider {
  return providers.find((p) => id.startsWith(`${p.id}-`)) ?? providers[providers.length - 1]!;
}
