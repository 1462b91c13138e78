/**
 * The questions a deploy asks: which provider when E2B has no key, and the modal confirmation (which provider,
 * what runs, what is installed, the warnings): the session's `ask.deploy` port. The session decides when to ask
 * (a redeploy asks again only when it would run something not approved in that sandbox) and whether the code
 * would run unsandboxed.
 */
import * as vscode from 'vscode';

import { CancelledError } from '../../core/base/errors';
import type { ProviderChoice } from '../../core/sandbox';
import type { DeployQuestion } from '../../core/session';
import { providerInfo } from '../../core/session';
import type { SandboxProvider } from '../../core/sandbox/types';
import type { Confirmation } from './deployConfirmation';
import { deployConfirmation } from './deployConfirmation';
import type { Providers } from '../sandboxes/providers';
import { whereProviderRuns } from '../../core/deploy/whereItRuns';
import type { Secrets } from '../base/secrets';
import { secretOfKey } from '../base/secrets';
import type { Settings } from '../base/settings';

/** Shows a confirmation and resolves true when the user goes ahead. */
export type AskConfirmation = (c: Confirmation) => Promise<boolean>;

const modal: AskConfirmation = async (c) => {
  const ask = c.warn ? vscode.window.showWarningMessage : vscode.window.showInformationMessage;
  return (await ask(c.message, { modal: true, detail: c.detail }, c.action)) === c.action;
};

export class DeployDialogs {
  /** How confirmations are shown: a modal dialog; integration tests answer through `answerWith` (test mode only). */
  private ask: AskConfirmation = modal;

  constructor(
    private readonly providers: Providers,
    private readonly secrets: Secrets,
    private readonly settings: () => Settings,
  ) {}

  /** Test mode: answer confirmations with `fn` (it sees each one) until the returned disposable is disposed. */
  answerWith(fn: AskConfirmation): vscode.Disposable {
    this.ask = fn;
    return new vscode.Disposable(() => (this.ask = modal));
  }

  /** The provider a deploy would use without asking anything (undefined when it needs a key that is not set). */
  async providerWithoutAsking(choice: ProviderChoice): Promise<SandboxProvider | undefined> {
    return this.providers.get(choice).catch(() => undefined);
  }

  /**
   * Asks a person about something else a deploy-like action does (an agent tool destroying a sandbox): the same
   * modal, answered through `answerWith` in test mode. Resolves true when they go ahead.
   */
  askPerson(c: Confirmation): Promise<boolean> {
    return this.ask(c);
  }

  /** The provider to use; when one that needs an API key (E2B) has none, offers to set one or to run locally. */
  async chooseProvider(choice: ProviderChoice): Promise<SandboxProvider> {
    const info = choice === 'auto' ? undefined : providerInfo(choice);
    const secret = info?.key && secretOfKey(info.key);
    if (info && secret && !(await this.secrets.has(secret))) {
      const setKey = `Set ${info.label} API Key`;
      const pick = await vscode.window.showWarningMessage(
        `The ${info.label} provider needs an API key.`,
        { modal: true, detail: `Set a key now, or run this app on ${whereProviderRuns(this.providers.local)} instead.` },
        setKey,
        'Use Local Runner',
      );
      if (pick === 'Use Local Runner') return this.providers.get('local');
      if (pick !== setKey || !(await this.secrets.prompt(secret))) throw new CancelledError();
    }
    return this.providers.get(choice);
  }

  /**
   * The session's `ask.deploy` port: the modal before a deploy, or before an update or restart in place that runs
   * something not approved (the session decides when, whether the code would run unsandboxed, and what changed).
   * Resolves true when the user goes ahead.
   */
  async askDeploy(q: DeployQuestion, appName: string): Promise<boolean> {
    const s = this.settings();
    const c = deployConfirmation({
      appName,
      spec: q.spec,
      findings: q.findings,
      generator: q.generator,
      unsandboxed: q.unsandboxed,
      provider: q.provider.id,
      isolation: q.provider.isolation?.(),
      install: q.install,
      e2bTemplate: s.e2bTemplate,
      timeoutMinutes: s.sandboxTimeoutMinutes,
      redeploy: q.kind !== 'first',
    });
    // The app's secrets by name only: their values are never shown.
    const names = Object.keys(await this.secrets.appSecrets(q.app));
    const withSecrets = names.length ? { ...c, detail: `${c.detail}\n\nSecrets passed to the app: ${names.join(', ')} (values hidden).` } : c;
    const shown = q.changed ? { ...withSecrets, detail: `Changed since you approved it: ${q.changed.join(', ')}.\n\n${withSecrets.detail}` } : withSecrets;
    return this.ask(shown);
  }
}
