/**
 * The one error path: every command's failure is logged whole to the "Spawn App" channel and shown as one short
 * sentence with the actions that help. A user's cancel is silent. Secrets are redacted from what is shown.
 */
import * as vscode from 'vscode';
import type { ErrorHint, HintSetting } from '../../core/base/errors';
import { asSpawnError, FIXABLE_CODES, isCancelled, messageOf, SpawnError } from '../../core/base/errors';
import type { LogChannel } from './logChannel';

interface Action {
  title: string;
  command: string;
  args?: unknown[];
}

export class ErrorReporter {
  /** The last error reported (integration tests read it through the testing API). */
  lastError?: { command: string; code?: string; message: string; actions: string[] };

  constructor(private readonly logger: LogChannel) {}

  /** `retryArgs`: the command may simply be tried again (a pause or resume); its message offers Retry. */
  report(command: string, err: unknown, retryArgs?: unknown[]): void {
    if (isCancelled(err)) {
      this.logger.scope(command).debug('cancelled');
      return;
    }
    this.logger.scope(command).error(err instanceof Error ? err : new Error(String(err)));
    const message = this.logger.redact(userMessage(err));
    const actions = [...(retryArgs ? [{ title: 'Retry', command, args: retryArgs }] : []), ...actionsFor(err)];
    this.lastError = { command, code: err instanceof SpawnError ? err.code : undefined, message, actions: actions.map((a) => a.title) };
    void vscode.window.showErrorMessage(message, ...actions.map((a) => a.title)).then((pick) => {
      const action = actions.find((a) => a.title === pick);
      if (action) void vscode.commands.executeCommand(action.command, ...(action.args ?? []));
    });
  }
}

function userMessage(err: unknown): string {
  const m = messageOf(err);
  if (err instanceof SpawnError) return m;
  // A system error with a sentence of its own (a process too large to start: E2BIG).
  const known = asSpawnError(err);
  if (known.code !== 'io') return known.message;
  if (err instanceof vscode.FileSystemError) return m.replace(/\s*\(FileSystemError\)$/, '');
  return `Spawn App: ${m}`;
}

/** The extension's setting for each setting a hint names. */
const SETTING_OF: Record<HintSetting, string> = {
  model: 'spawnApp.model',
  maxTokens: 'spawnApp.maxTokens',
  e2bTemplate: 'spawnApp.e2bTemplate',
  sandboxTimeout: 'spawnApp.sandboxTimeoutMinutes',
  anthropicBaseUrl: 'spawnApp.anthropicBaseUrl',
};

/** A hint as a button: a key's Set … API Key command, or the named setting opened in the Settings editor. */
function actionOf(h: ErrorHint): Action | undefined {
  if ('key' in h) return h.key === 'anthropic' ? { title: 'Set Anthropic API Key', command: 'spawnApp.setAnthropicApiKey' } : { title: 'Set E2B API Key', command: 'spawnApp.setE2bApiKey' };
  if ('setting' in h) return { title: `Open Setting ${SETTING_OF[h.setting]}`, command: 'workbench.action.openSettings', args: [SETTING_OF[h.setting]] };
  return undefined; // "use the templates / the local runner": the extension asks that itself before it gets here.
}

function actionsFor(err: unknown): Action[] {
  const out: Action[] = [];
  const e = err instanceof SpawnError ? err : undefined;
  for (const h of e?.hints ?? []) {
    const a = actionOf(h);
    if (a) out.push(a);
  }
  if (e?.code === 'blocked') out.push({ title: 'Show Problems', command: 'workbench.actions.view.problems' });
  if (e && FIXABLE_CODES.has(e.code)) out.push({ title: 'Fix with Claude', command: 'spawnApp.fix', args: e.appId ? [{ appId: e.appId }] : [] });
  out.push({ title: 'Show Log', command: 'spawnApp.showLog' });
  return out;
}
