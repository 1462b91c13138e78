/**
 * Fix with Claude: for an app whose install, start or health check failed, or that runs but whose check in a browser
 * found problems no automatic round fixed (`fixNeeded`: the error notification's action, the problems notification,
 * the Sandboxes item, the preview). Sends that step's output, trimmed to its useful tail, or the problems, the app's
 * output and the screenshot (the session's fix loop request), with the current files; the fix opens as diffs to
 * Accept (or is applied directly with `spawnApp.autoFix`), then the app is deployed and verified again. Attempts in
 * a row are capped (`spawnApp.fixAttempts`) and the loop's cost is shown before each further one. Args: a node, or
 * `{appId | sandboxId, decision?, confirm?, token?}`.
 */
import * as vscode from 'vscode';
import type { AppMeta } from '../../core/workspace/treeTypes';
import { CancelledError } from '../../core/base/errors';
import type { IterateOptions } from '../iterate/appIterator';
import type { Services } from './command';
import { defineCommand } from './command';
import { resolveIterateApp } from './iterateTargets';
import { optionsOf } from './targets';
import type { SandboxEntry } from '../sandboxes/sandboxEntry';
import { fixNeeded } from '../sandboxes/sandboxEntry';
import { verifySummary } from '../../core/session';

export const fixAppCommand = defineCommand('spawnApp.fix', async (s, ...args) => {
  const app = args.length ? await resolveIterateApp(s, args) : await pickFailedApp(s);
  const o = optionsOf(args) as IterateOptions;
  return s.iterate.fix(app, { decision: o.decision, confirm: o.confirm, token: o.token });
});

/** Without a target (palette): the app that needs a fix, or a pick among them. */
async function pickFailedApp(s: Services): Promise<AppMeta> {
  const apps = [...new Set(s.registry.list().filter((e) => e.appId && fixNeeded(e)).map((e) => e.appId!))].map((id) => s.tree.app(id)).filter((a): a is AppMeta => !!a);
  if (apps.length === 0) return resolveIterateApp(s, []);
  if (apps.length === 1) return apps[0]!;
  const why = (e: SandboxEntry | undefined) => (e?.error ? e.error.message : e?.deployment?.verification && verifySummary(e.deployment.verification));
  const pick = await vscode.window.showQuickPick(apps.map((a) => ({ label: a.name, description: why(s.registry.forApp(a.id)), app: a })), { title: 'Fix which app with Claude?' });
  if (!pick) throw new CancelledError();
  return pick.app;
}
