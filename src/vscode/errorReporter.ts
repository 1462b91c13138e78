/**
 * The one error path: every command's failure is logged whole to the "Spawn App" channel and shown as one short
 * sentence with the actions that help. A user's cancel is silent. Secrets are redacted from what is shown.
 */
import * as vscode from 'vscode';
import { isCancelled, messageOf, SpawnError } from '../core/errors';
import { appOfError, FIXABLE_CODES } from './errorContext';
import type { Logger } from './logger';

interface Action {
  title: string;
  command: string;
  args?: unknown[];
}

export class ErrorReporter {
  /** The last error reported (integration tests read it through the testing API). */
  lastError?: { command: string; code?: string; message: string; actions: string[] };

  constructor(private readonly logger: Logger) {}

  report(command: string, err: unknown): void {
    if (isCancelled(err)) {
      this.logger.scope(command).debug('cancelled');
      return;
    }
    this.logger.scope(command).error(err instanceof Error ? err : new Error(String(err)));
    const message = this.logger.redact(userMessage(err));
    const actions = actionsFor(err);
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
  if (err instanceof vscode.FileSystemError) return m.replace(/\s*\(FileSystemError\)$/, '');
  return `Spawn App: ${m}`;
}

function actionsFor(err: unknown): Action[] {
  const out: Action[] = [];
  const code = err instanceof SpawnError ? err.code : undefined;
  if (code === 'generation.no_key' || code === 'generation.auth') out.push({ title: 'Set Anthropic API Key', command: 'spawnApp.setAnthropicApiKey' });
  if (code === 'deploy.no_key' || code === 'deploy.auth') out.push({ title: 'Set E2B API Key', command: 'spawnApp.setE2bApiKey' });
  if (code === 'blocked') out.push({ title: 'Show Problems', command: 'workbench.actions.view.problems' });
  const appId = appOfError(err);
  if (code && FIXABLE_CODES.has(code)) out.push({ title: 'Fix with Claude', command: 'spawnApp.fix', args: appId ? [{ appId }] : [] });
  out.push({ title: 'Show Log', command: 'spawnApp.showLog' });
  return out;
}
