/**
 * What the language-model tools say to a person: the progress message VS Code shows while a tool runs
 * (prepareInvocation's `invocationMessage`), and the questions refine_app and destroy_sandbox ask before they do
 * anything (deploys ask with the deploy dialog itself, deployConfirmation.ts). Same modal, same facts.
 */
import * as vscode from 'vscode';
import type { AppMeta } from '../../core/workspace/treeTypes';
import type { SandboxProvider } from '../../core/sandbox/types';
import { whereProviderRuns } from '../../core/deploy/whereItRuns';
import type { Confirmation } from '../deploy/deployConfirmation';
import type { SandboxEntry } from '../sandboxes/sandboxEntry';

function whereFor(provider: Pick<SandboxProvider, 'id' | 'isolation'> | undefined): string {
  if (!provider) return vscode.l10n.t('the provider the spawnApp.sandboxProvider setting picks');
  return whereProviderRuns(provider);
}

/**
 * Asked before refine_app sends an app to a model (it may cost money) and, when it runs, updates it. `unsandboxed`:
 * the session's word that the provider runs it unsandboxed on this machine.
 */
export function refineConfirmation(app: AppMeta, followUp: string, provider: SandboxProvider | undefined, live: boolean, unsandboxed: boolean): Confirmation {
  const lines = [
    vscode.l10n.t('Request: {0}', followUp),
    vscode.l10n.t('Sends the app’s files and this request to the model (Claude with your Anthropic key, else a VS Code chat model); Claude is billed to your key.'),
    live ? vscode.l10n.t('Then updates the running app in {0}.', whereFor(provider)) : vscode.l10n.t('The app is not running; nothing is started.'),
  ];
  if (unsandboxed) lines.push('', vscode.l10n.t('⚠ The change is model-written and the local runner runs it unsandboxed: you will see it as diffs to accept first.'));
  return { message: vscode.l10n.t('Refine {0} with a model?', app.name), detail: lines.join('\n'), action: vscode.l10n.t('Refine'), warn: unsandboxed, unsandboxedModelCode: unsandboxed };
}

/** Asked before destroy_sandbox stops an app; `what`: the session's words for what goes ("sandbox … and its data, 12 KB"). */
export function destroyConfirmation(entry: SandboxEntry, what: string): Confirmation {
  const detail = [
    vscode.l10n.t('Provider: {0}', whereFor(entry.providerRef)),
    vscode.l10n.t('Deleted: {0}.', what),
    entry.url ? vscode.l10n.t('The app at {0} stops; its files stay in the Apps view.', entry.url) : vscode.l10n.t('The app stops; its files stay in the Apps view.'),
  ].join('\n');
  return { message: vscode.l10n.t('Destroy sandbox {0} ({1})?', entry.id, entry.appName), detail, action: vscode.l10n.t('Destroy'), warn: true, unsandboxedModelCode: false };
}

/** The progress message while a tool runs (chat shows it in the conversation). */
export function invocationMessage(name: string, input: Record<string, unknown>, appName: string | undefined): string {
  const app = appName ?? String(input.appId ?? '');
  switch (name) {
    case 'spawn_app':
      return input.deploy === false ? vscode.l10n.t('Spawning an app: {0}', String(input.prompt ?? '')) : vscode.l10n.t('Spawning and deploying an app (the deploy dialog asks first): {0}', String(input.prompt ?? ''));
    case 'deploy_app':
      return vscode.l10n.t('Deploying {0} (the deploy dialog asks first)', app);
    case 'refine_app':
      return vscode.l10n.t('Refining {0}', app);
    case 'list_apps_and_sandboxes':
      return vscode.l10n.t('Listing apps and sandboxes');
    case 'get_app_logs':
      return vscode.l10n.t('Reading the output of {0}', app);
    default:
      return vscode.l10n.t('Destroying sandbox {0}', String(input.sandboxId ?? input.appId ?? ''));
  }
}
