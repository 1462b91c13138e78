/**
 * What the iterate commands act on: an app from a Sandboxes-view node (its sandbox's app), an Apps-view node
 * (an app, a file, or a version), a `spawnapp:` URI, an options object, or nothing (see resolveApp).
 */
import type { AppMeta } from '../../core/workspace/treeTypes';
import { SpawnError } from '../../core/base/errors';
import type { Services } from './command';
import { optionsOf, resolveApp } from './targets';

export async function resolveIterateApp(s: Services, args: readonly unknown[]): Promise<AppMeta> {
  const first = args[0] as { kind?: unknown; id?: unknown } | undefined;
  if (first && typeof first === 'object' && (first.kind === 'sandbox' || first.kind === 'detail') && typeof first.id === 'string') {
    const appId = s.registry.get(first.id)?.appId;
    const app = appId ? s.tree.app(appId) : undefined;
    if (!app) throw new SpawnError('usage', 'That sandbox’s app is no longer in the Apps view.');
    return app;
  }
  const o = optionsOf(args) as { appId?: string; sandboxId?: string };
  if (!o.appId && o.sandboxId) {
    const appId = s.registry.get(o.sandboxId)?.appId;
    if (appId) return resolveApp(s, [{ ...o, appId }]);
  }
  return resolveApp(s, args);
}

/** The version number from an Apps-view version node or `{versionId}`. */
export function versionIdOf(args: readonly unknown[]): number | undefined {
  const first = args[0] as { kind?: unknown; versionId?: unknown } | undefined;
  if (first && typeof first === 'object' && first.kind === 'version' && typeof first.versionId === 'number') return first.versionId;
  const o = optionsOf(args) as { versionId?: unknown };
  return typeof o.versionId === 'number' ? o.versionId : undefined;
}
