/**
 * What Refine and Fix with Claude share: the Claude generator (asking for a key when there is none), one
 * cancellable request with progress, a patch checked whole by the core, the proposal's message, and applying an
 * accepted change on top of the files now (the core's three-way merge) with versions before and after.
 */
import * as vscode from 'vscode';
import type { AppMeta } from '../../core/workspace/treeTypes';
import type { AppTree } from '../../core/workspace/appTree';
import { aboutApp, CancelledError, isCancelled, messageOf, SpawnError } from '../../core/base/errors';
import type { SpawnEvent } from '../../core/base/events';
import type { AppSecrets } from '../../core/base/secrets';
import type { ClaudeGenerator } from '../../core/generate/claude';
import type { ChatModelGenerator } from '../../core/generate/chatModelGenerator';
import { INCLUDED_IN_PLAN, providerInfo } from '../../core/session';
import type { WindowSession } from '../base/session';
import type { ChatModelSource } from '../generate/vscodeLanguageModels';
import type { AppPatch } from '../../core/workspace/patch';
import type { SpecDiff } from '../../core/workspace/specDiff';
import { applyPatch } from '../../core/workspace/patch';
import { diffSpecs } from '../../core/workspace/specDiff';
import { mergeAccepted } from '../../core/workspace/merge';
import { formatUsd } from '../../core/base/pricing';
import type { AppSpec } from '../../core/app/spec';
import { applySpecToTree } from '../../core/workspace/treeEdits';
import type { VersionKind } from '../../core/app/versions';
import { withSignal } from '../base/cancellation';
import type { AppDiagnostics } from '../fs/diagnostics';
import type { LogChannel } from '../base/logChannel';
import type { SandboxRegistry } from '../sandboxes/sandboxRegistry';
import type { SessionCost } from '../cost/sessionCost';
import { whereProviderRuns } from '../../core/deploy/whereItRuns';
import type { Secrets } from '../base/secrets';
import type { Settings } from '../base/settings';
import { saveAppEditors } from './changesView';
import type { AppHistory } from './history';

export class ClaudeChanges {
  constructor(
    private readonly tree: AppTree,
    private readonly registry: SandboxRegistry,
    private readonly cost: SessionCost,
    private readonly diagnostics: AppDiagnostics,
    private readonly history: AppHistory,
    private readonly secrets: Secrets,
    private readonly settings: () => Settings,
    /** The app session: the model that refines and fixes (with the keys as they are now). */
    private readonly sessions: WindowSession,
    private readonly logger: LogChannel,
    /** VS Code's chat models: refine and fix use one when there is no Anthropic key (`auto`, `vscode-lm`). */
    private readonly models?: ChatModelSource,
  ) {}

  /**
   * The model that refines and fixes: Claude with a key (its SDK loaded only now); without one, a VS Code chat
   * model when the generator setting allows it (`auto`, `vscode-lm`); else it offers to set a key (a user's
   * cancel is silent).
   */
  async claude(): Promise<Pick<ClaudeGenerator, 'refine' | 'fix'> | ChatModelGenerator> {
    let session = await this.sessions.current();
    const generator = this.settings().generator;
    if ((!session.cfg.anthropicApiKey && generator === 'auto') || generator === 'vscode-lm') {
      const chat = await this.models?.model();
      if (chat) return session.refiner(chat);
    }
    if (!session.cfg.anthropicApiKey) {
      const pick = await vscode.window.showWarningMessage(
        'Refining and fixing apps needs Claude: set an Anthropic API key.',
        { modal: true, detail: 'The key is kept in VS Code’s secret storage, never in settings or logs.' },
        'Set Anthropic API Key',
      );
      if (pick !== 'Set Anthropic API Key' || !(await this.secrets.prompt('anthropic'))) throw new CancelledError();
      session = await this.sessions.current();
    }
    return session.refiner();
  }

  /** One cancellable Claude request with progress; its cost counts into the session. */
  async ask<T>(app: AppMeta, title: string, token: vscode.CancellationToken | undefined, call: (signal: AbortSignal, onEvent: (e: SpawnEvent) => void, secrets: AppSecrets) => Promise<T>): Promise<T> {
    // Past today's cap, the user decides first; the model is told the app's secrets' names, never their values.
    await this.cost.beforeRequest(title);
    const secrets = await this.secrets.appSecrets(app.id);
    return Promise.resolve(
      vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, (progress, progressToken) =>
        withSignal([progressToken, token], async (signal) => {
          progress.report({ message: `Asking ${this.settings().model}…` });
          const onEvent = (e: SpawnEvent) => {
            if (signal.aborted) return;
            if (e.event === 'file' && e.status === 'started') progress.report({ message: `Writing ${e.path}…` });
            if (e.event === 'cost' && e.note !== INCLUDED_IN_PLAN) this.cost.addGeneration(e.usd);
          };
          try {
            return await call(signal, onEvent, secrets);
          } catch (err) {
            throw isCancelled(err) || signal.aborted ? new CancelledError() : aboutApp(err, app.id);
          }
        }),
      ),
    );
  }

  /** The app's spec now (its editors saved first). */
  async current(app: AppMeta): Promise<AppSpec> {
    await saveAppEditors(this.tree, app);
    return this.specOf(app);
  }

  /** The spec with the patch applied, and what it changes; a patch the core refuses is logged and thrown. */
  patched(app: AppMeta, spec: AppSpec, patch: AppPatch): { next: AppSpec; diff: SpecDiff } {
    try {
      const { spec: next } = applyPatch(spec, patch);
      return { next, diff: diffSpecs(spec, next) };
    } catch (err) {
      this.logger.scope('claude').warn(`${app.name}: refused a patch: ${messageOf(err)}`);
      throw err;
    }
  }

  /**
   * Applies an accepted change to the virtual files: on top of the files now (the core's merge), refused when a
   * file it touches changed since Claude read it. The files before it are kept as a version, then the change is one.
   */
  async apply(app: AppMeta, base: AppSpec, next: AppSpec, kind: VersionKind, label: string): Promise<number> {
    const target = mergeAccepted(base, next, await this.current(app));
    this.history.record(app, 'edited', 'Your edits');
    applySpecToTree(this.tree, app, target);
    this.tree.setGenerator(app, 'claude');
    this.diagnostics.refresh(app);
    return this.history.record(app, kind, label).id;
  }

  proposalMessage(app: AppMeta, patch: AppPatch, diff: SpecDiff, lead: string): string {
    const n = diff.added.length + diff.changed.length + diff.deleted.length;
    const counts = [diff.changed.length && `${diff.changed.length} changed`, diff.added.length && `${diff.added.length} added`, diff.deleted.length && `${diff.deleted.length} deleted`].filter(Boolean).join(', ');
    const parts = [`${lead}${patch.summary ? `: ${patch.summary}` : '.'}`, `${n} file${n === 1 ? '' : 's'} (${counts})${diff.startChanged ? ', new start command' : ''}${diff.depsChanged ? ', new dependencies' : ''}.`];
    const e = this.registry.forApp(app.id);
    // Said only on this machine (a remote sandbox needs no word), and as isolated as its runner really is.
    if (e?.sandbox && providerInfo(e.provider).onThisMachine) parts.push(`Accepting runs it on ${whereProviderRuns(e.providerRef)}.`);
    return parts.join(' ');
  }

  specOf(app: AppMeta): AppSpec {
    const { spec, findings } = this.tree.specOf(app);
    if (!spec) throw new SpawnError('blocked', `${app.name} cannot be read: ${findings[0]?.message ?? 'its manifest is invalid'}`);
    return spec;
  }
}

export function hasChanges(d: SpecDiff): boolean {
  return d.added.length + d.changed.length + d.deleted.length > 0 || d.startChanged || d.depsChanged;
}

export function summaryOf(d: SpecDiff): { added: string[]; changed: string[]; deleted: string[] } {
  return { added: d.added, changed: d.changed, deleted: d.deleted };
}

export function costText(usd: number | null): string {
  return usd === null ? 'cost unknown' : formatUsd(usd);
}
