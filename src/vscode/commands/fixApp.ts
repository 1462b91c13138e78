/**
 * Fix with Claude: for an app whose install, start or health check failed (the error notification's action, the
 * failed sandbox's item, the preview). Sends that step's output, trimmed to its useful tail, with the current
 * files; the fix opens as diffs to Accept (or is applied directly with `spawnApp.autoFix`), then the app is
 * deployed again. Attempts in a row are capped (`spawnApp.fixAttempts`) and the loop's cost is shown before each
 * further one. Args: a node, or `{appId | sandboxId, decision?, confirm?, token?}`.
 */
import * as vscode from 'vscode';
import type { AppMeta } from '../../core/workspace/treeTypes';
import { CancelledError } from '../../core/base/errors';
import type { IterateOptions } from '../iterate/appIterator';
import type { Services } from './command';
import { defineCommand } from './command';
import { resolveIterateApp } from './iterateTargets';
import { optionsOf } from './targets';

export const fixAppCommand = defineCommand('spawnApp.fix', async (s, ...args) => {
  const app = args.length ? await resolveIterateApp(s, args) : await pickFailedApp(s);
  const o = optionsOf(args) as IterateOptions;
  return s.iterate.fix(app, { decision: o.decision, confirm: o.confirm, token: o.token });
});

/** Without a target (palette): the failed app, or a pick among the failed ones. */
async function pickFailedApp(s: Services): Promise<AppMeta> {
  const apps = [...new Set(s.registry.list().filter((e) => e.status === 'failed' && e.appId).map((e) => e.appId!))].map((id) => s.tree.app(id)).filter((a): a is AppMeta => !!a);
  if (apps.length === 0) return resolveIterateApp(s, []);
  if (apps.length === 1) return apps[0]!;
  const pick = await vscode.window.showQuickPick(apps.map((a) => ({ label: a.name, description: s.registry.forApp(a.id)?.error?.message, app: a })), { title: 'Fix which app with Claude?' });
  if (!pick) throw new CancelledError();
  return pick.app;
}
