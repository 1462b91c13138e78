/**
 * Deploy App: validates (errors block), asks in a modal which provider runs what (with the warnings, and a
 * warning before running model-written code unsandboxed), then deploys with per-phase cancellable progress.
 * An app that already runs is redeployed into its sandbox. Args: a `spawnapp:` URI, an Apps-view node, or
 * `{appId | appName, confirm?, provider?, token?}`. Resolves with `{sandboxId, url, provider, redeployed}`.
 */
import type { ProviderChoice } from '../../core/sandbox';
import { defineCommand } from './command';
import { optionsOf, resolveApp } from './targets';

export const deployAppCommand = defineCommand('spawnApp.deploy', async (s, ...args) => {
  const app = await resolveApp(s, args);
  const o = optionsOf(args) as ReturnType<typeof optionsOf> & { provider?: ProviderChoice };
  return s.deploys.deploy(app, { confirm: o.confirm, token: o.token, provider: o.provider });
});
