/**
 * The questions a deploy asks: which provider when E2B has no key, and the modal confirmation (which provider,
 * what runs, what is installed, the warnings). A redeploy asks again when it would run something the user has not
 * approved in that sandbox (another start command, other dependencies, new warnings).
 */
import * as vscode from 'vscode';

import type { AppMeta } from '../../core/workspace/treeTypes';
import { CancelledError } from '../../core/base/errors';
import type { ProviderChoice } from '../../core/sandbox';
import { providerInfo } from '../../core/session';
import type { SandboxProvider } from '../../core/sandbox/types';
import type { AppSpec } from '../../core/app/spec';
import type { Finding } from '../../core/base/finding';
import { installCommand } from '../../core/session';
import { sameDependencies } from '../../core/workspace/specDiff';
import type { Confirmation } from './deployConfirmation';
import { deployConfirmation } from './deployConfirmation';
import type { Providers } from '../sandboxes/providers';
import { whereProviderRuns } from '../../core/deploy/whereItRuns';
import type { Approval } from '../sandboxes/sandboxEntry';
import type { Secrets } from '../base/secrets';
import { secretOfKey } from '../base/secrets';
import type { Settings } from '../base/settings';
import { dependenciesOf } from '../../core/stacks';

/** Shows a confirmation and resolves true when the user goes ahead. */
export type AskConfirmation = (c: Confirmation) => Promise<boolean>;

const modal: AskConfirmation = async (c) => {
  const ask = c.warn ? vscode.window.showWarningMessage : vscode.window.showInformationMessage;
  return (await ask(c.message, { modal: true, detail: c.detail }, c.action)) === c.action;
};

/** The warning keys of findings (rule, path, message): a redeploy asks again only for new ones. */
export function warningKeys(findings: readonly Finding[]): string[] {
  return findings.filter((f) => f.severity === 'warning').map((f) => `${f.rule}|${f.path ?? ''}|${f.message}`);
}

/** What the user approves by going ahead with `spec`. */
export function approvalOf(spec: AppSpec, findings: readonly Finding[], before?: Approval): Approval {
  return { startCommand: spec.startCommand, dependencies: dependenciesOf(spec), warnings: [...new Set([...(before?.warnings ?? []), ...warningKeys(findings)])] };
}

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
   * Asks before a deploy, or before a redeploy that runs something not in `approved` (always when nothing is known
   * to be approved). Throws CancelledError on "no"; returns what is approved now.
   */
  async confirm(app: AppMeta, spec: AppSpec, findings: Finding[], code: { generator: string | undefined; ours: boolean }, provider: SandboxProvider, redeploy?: { approved?: Approval }): Promise<Approval> {
    const approved = redeploy?.approved;
    const changed = approved ? whatChanged(approved, spec, findings) : ['what runs'];
    if (redeploy && approved && changed.length === 0) return approvalOf(spec, findings, approved);
    const s = this.settings();
    const c = deployConfirmation({
      appName: app.name,
      spec,
      findings,
      generator: code.generator,
      ours: code.ours,
      provider: provider.id,
      isolation: provider.isolation?.(),
      install: installCommand(spec, provider),
      e2bTemplate: s.e2bTemplate,
      timeoutMinutes: s.sandboxTimeoutMinutes,
      redeploy: !!redeploy,
    });
    // The app's secrets by name only: their values are never shown.
    const names = Object.keys(await this.secrets.appSecrets(app.id));
    const withSecrets = names.length ? { ...c, detail: `${c.detail}\n\nSecrets passed to the app: ${names.join(', ')} (values hidden).` } : c;
    const shown = redeploy && approved ? { ...withSecrets, detail: `Changed since you approved it: ${changed.join(', ')}.\n\n${withSecrets.detail}` } : withSecrets;
    if (!(await this.ask(shown))) throw new CancelledError();
    return approvalOf(spec, findings, approved);
  }
}

function whatChanged(approved: Approval, spec: AppSpec, findings: readonly Finding[]): string[] {
  const out: string[] = [];
  if (approved.startCommand.trim() !== spec.startCommand.trim()) out.push(`the start command (was “${approved.startCommand}”)`);
  if (!sameDependencies(approved.dependencies, dependenciesOf(spec))) out.push(`the dependencies (were ${approved.dependencies.join(', ') || 'none'})`);
  if (warningKeys(findings).some((k) => !approved.warnings.includes(k))) out.push('new warnings');
  return out;
}
