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
import type { ClaudeGenerator } from '../../core/generate/claude';
import type { ChatModelGenerator } from '../../core/generate/chatModelGenerator';
import type { AppSession } from '../../core/session';
import { providerInfo } from '../../core/session';
import type { FailedStep } from '../../core/generate/fixLoop';
import type { Usage } from '../../core/generate/types';
import type { WindowSession } from '../base/session';
import type { ChatModelSource } from '../generate/vscodeLanguageModels';
import type { AppPatch } from '../../core/workspace/patch';
import type { SpecDiff } from '../../core/workspace/specDiff';
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
import { whereProviderRuns } from '../../core/deploy/whereItRuns';
import type { Secrets } from '../base/secrets';
import type { Settings } from '../base/settings';
import { saveAppEditors } from './changesView';
import type { AppHistory } from './history';

/** What a fix request sends: a failed step's output, or the running app's failed verification (the session has it). */
export type FixRequest = { fix: { step: FailedStep; output: string } } | { verification: true };

/** The model that refines and fixes (Session.refiner). */
export type Refiner = Pick<ClaudeGenerator, 'refine' | 'fix' | 'fixVerification'> | ChatModelGenerator;

export class ClaudeChanges {
  constructor(
    private readonly tree: AppTree,
    private readonly registry: SandboxRegistry,
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
  async claude(): Promise<Refiner> {
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

  /** The app's session (core/session) with its secrets: the cap, the cost, validation with them, the fix loop. */
  async appSession(app: AppMeta): Promise<AppSession> {
    const session = (await this.sessions.current()).app(app.id, app.name);
    session.useSecrets(await this.secrets.appSecrets(app.id));
    return session;
  }

  /**
   * The model's change to `spec`, proposed through the app's session (the cap checked before the request, its cost
   * charged, the patch validated whole): one cancellable request with progress. Nothing is written; a patch the core
   * refuses is logged and thrown.
   */
  async propose(app: AppMeta, title: string, token: vscode.CancellationToken | undefined, model: Refiner, spec: AppSpec, req: { followUp: string } | FixRequest): Promise<{ patch: AppPatch; usage: Usage; next: AppSpec; diff: SpecDiff }> {
    const session = await this.appSession(app);
    const proposed = await Promise.resolve(
      vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, (progress, progressToken) =>
        withSignal([progressToken, token], async (signal) => {
          progress.report({ message: `Asking ${this.settings().model}…` });
          const onEvent = (e: SpawnEvent) => {
            if (signal.aborted) return;
            if (e.event === 'file' && e.status === 'started') progress.report({ message: `Writing ${e.path}…` });
          };
          try {
            // Past today's cap, the session asks first (the cap's dialog); the model is told the secrets' names only.
            return await session.propose({ ...req, model, spec, signal, onEvent });
          } catch (err) {
            if (isCancelled(err) || signal.aborted) throw new CancelledError();
            this.logger.scope('claude').warn(`${app.name}: ${messageOf(err)}`);
            throw aboutApp(err, app.id);
          }
        }),
      ),
    );
    return { patch: proposed.patch, usage: proposed.usage, next: proposed.spec, diff: diffSpecs(spec, proposed.spec) };
  }

  /** The app's spec now (its editors saved first). */
  async current(app: AppMeta): Promise<AppSpec> {
    await saveAppEditors(this.tree, app);
    return this.specOf(app);
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
