/**
 * What a command acts on, from whatever invoked it: a tree node, a `spawnapp:` URI (editor title, Explorer), an
 * options object (the preview's toolbar, tests, scripts: `{appId | appName | sandboxId, confirm, …}`), or
 * nothing (the active editor, the only app/sandbox, or a quick pick).
 */
import * as vscode from 'vscode';
import type { AppMeta } from '../../core/workspace/treeTypes';
import { CancelledError, SpawnError } from '../../core/base/errors';
import { isAppUri } from '../fs/appUri';
import type { SandboxEntry } from '../sandboxes/sandboxEntry';
import type { Services } from './command';

export interface CommandOptions {
  appId?: string;
  appName?: string;
  sandboxId?: string;
  /** Skip the confirmation dialog (scripts and tests; the UI always asks). */
  confirm?: boolean;
  token?: vscode.CancellationToken;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return !!v && typeof v === 'object' && !(v instanceof vscode.Uri);
}

/** The options object among a command's arguments (tree menus pass the node first). */
export function optionsOf(args: readonly unknown[]): CommandOptions {
  for (const a of args) {
    if (isObject(a) && !('kind' in a) && !('uri' in a)) return a as CommandOptions;
  }
  return {};
}

function uriOf(arg: unknown): vscode.Uri | undefined {
  if (arg instanceof vscode.Uri) return arg;
  if (isObject(arg) && arg.uri instanceof vscode.Uri) return arg.uri;
  return undefined;
}

export async function resolveApp(s: Services, args: readonly unknown[]): Promise<AppMeta> {
  const uri = uriOf(args[0]);
  if (uri) {
    const app = isAppUri(uri) ? s.tree.appOf(uri.path) : undefined;
    if (!app) throw new SpawnError('usage', `${uri.toString(true)} is not part of a Spawn App app.`);
    return app;
  }
  if (typeof args[0] === 'string') {
    const app = s.tree.app(args[0]);
    if (!app) throw new SpawnError('usage', `There is no app ${args[0]}.`);
    return app;
  }
  const o = optionsOf(args);
  if (o.appId || o.appName) {
    const app = s.tree.app(o.appId ?? o.appName!);
    if (!app) throw new SpawnError('usage', `There is no app ${o.appName ?? o.appId}.`);
    return app;
  }
  const active = vscode.window.activeTextEditor?.document.uri;
  if (isAppUri(active)) {
    const app = s.tree.appOf(active.path);
    if (app) return app;
  }
  const apps = s.tree.apps();
  if (apps.length === 0) throw new SpawnError('usage', 'There is no app yet: run “Spawn App from Prompt” first.');
  if (apps.length === 1) return apps[0]!;
  const pick = await vscode.window.showQuickPick(
    apps.map((a) => ({ label: a.name, description: a.prompt, app: a })),
    { title: 'Which app?', placeHolder: 'Pick an app' },
  );
  if (!pick) throw new CancelledError();
  return pick.app;
}

export async function resolveSandbox(s: Services, args: readonly unknown[]): Promise<SandboxEntry> {
  const first = args[0];
  if (isObject(first) && first.kind !== undefined && typeof first.id === 'string') {
    const e = s.registry.get(first.id);
    if (!e) throw new SpawnError('deploy.not_found', 'That sandbox is gone.');
    return e;
  }
  if (typeof first === 'string') {
    const e = s.registry.get(first);
    if (!e) throw new SpawnError('deploy.not_found', `There is no sandbox ${first}.`);
    return e;
  }
  const o = optionsOf(args);
  if (o.sandboxId || o.appId) {
    const e = o.sandboxId ? s.registry.get(o.sandboxId) : s.registry.forApp(o.appId!);
    if (!e) throw new SpawnError('deploy.not_found', 'That app has no sandbox (it may have been destroyed).');
    return e;
  }
  const all = s.registry.list();
  if (all.length === 0) throw new SpawnError('deploy.not_found', 'No sandbox is running.');
  if (all.length === 1) return all[0]!;
  const pick = await vscode.window.showQuickPick(
    all.map((e) => ({ label: e.appName, description: `${e.provider} · ${e.status}`, detail: e.url, entry: e })),
    { title: 'Which sandbox?' },
  );
  if (!pick) throw new CancelledError();
  return pick.entry;
}

/** A modal yes/no; resolves only on yes (else CancelledError). Skipped when the caller passed `confirm: true`. */
export async function confirmModal(o: CommandOptions, message: string, detail: string, yes: string): Promise<void> {
  if (o.confirm) return;
  const pick = await vscode.window.showWarningMessage(message, { modal: true, detail }, yes);
  if (pick !== yes) throw new CancelledError();
}
