/**
 * The iterate loop in the extension: Refine (a follow-up prompt), Fix with Claude (a failed step's output), and
 * going back to a version. Claude always gets the app's files as the virtual workspace holds them now (dirty
 * editors are saved first); its patch is validated whole by the core, shown as diffs, and applied only on Accept;
 * a running app is then redeployed in place by the core's redeploy. Per app, redeploys run one at a time.
 */
import * as vscode from 'vscode';
import type { AppMeta, AppTree } from '../../core/appTree';
import type { CoreConfig } from '../../core/config';
import { aboutApp, CancelledError, FIXABLE_CODES, isCancelled, messageOf, SpawnError } from '../../core/errors';
import type { SpawnEvent } from '../../core/events';
import type { ClaudeGenerator } from '../../core/generate/claude';
import type { AppPatch, FailedStep, SpecDiff } from '../../core/iterate';
import { applyPatch, diffSpecs, FixLoop, usefulTail } from '../../core/iterate';
import { KeyedQueue } from '../../core/keyedQueue';
import { formatUsd } from '../../core/pricing';
import type { AppSpec } from '../../core/spec';
import { applySpecToTree, currentFiles } from '../../core/treeEdits';
import type { VersionKind } from '../../core/versions';
import { compareFiles, versionTitle } from '../../core/versions';
import type { DeployOptions, DeployResult } from '../deployer';
import { abortSignalFrom } from '../deployer';
import type { Deployer } from '../deployer';
import type { AppDiagnostics } from '../diagnostics';
import { Disposable } from '../dispose';
import { appUri } from '../fs/appUri';
import type { Logger } from '../logger';
import type { Secrets } from '../secrets';
import type { Settings } from '../settings';
import type { SandboxEntry, SandboxRegistry } from '../views/sandboxRegistry';
import type { ChangePair } from './changesView';
import { saveAppEditors, showChanges } from './changesView';
import type { AppHistory } from './history';
import type { Decision, ProposalReview } from './proposals';
import type { SnapshotDocuments } from './snapshotDocuments';

export interface IterateOptions {
  /** Decide the proposal at once instead of asking (scripts and tests). */
  decision?: Decision;
  /** Skip confirmation dialogs (scripts and tests; the UI asks). */
  confirm?: boolean;
  token?: vscode.CancellationToken;
}

export interface IterateResult {
  accepted: boolean;
  added: string[];
  changed: string[];
  deleted: string[];
  summary?: string;
  /** The version the accepted change became. */
  versionId?: number;
  /** The redeploy, when the app was running (refine) or to be started (fix). */
  deploy?: DeployResult;
  /** Dollars this request cost (null when the model's price is unknown). */
  usd: number | null;
}

export interface FixResult extends IterateResult {
  /** Fix attempts in this loop so far, and what they cost. */
  attempts: number;
  loopUsd: number | null;
}

const STEP_OF_CODE: Record<string, FailedStep> = {
  'deploy.install_failed': 'install',
  'deploy.start_failed': 'start',
  'deploy.health_timeout': 'health',
};

export class AppIterator extends Disposable {
  /** Per app: redeploys (hot, after accept, after going back) never overlap. */
  readonly queue = new KeyedQueue();
  private readonly loops = new Map<string, FixLoop>();

  constructor(
    private readonly tree: AppTree,
    private readonly registry: SandboxRegistry,
    private readonly deployer: Deployer,
    private readonly diagnostics: AppDiagnostics,
    readonly history: AppHistory,
    readonly proposals: ProposalReview,
    private readonly snapshots: SnapshotDocuments,
    private readonly secrets: Secrets,
    private readonly settings: () => Settings,
    private readonly config: () => Promise<CoreConfig>,
    private readonly logger: Logger,
  ) {
    super();
    // The app came up (after a fix, or any deploy): the next failure starts a new fix loop.
    this._register(registry.onDidChange((e) => {
      if (e?.status === 'running' && e.appId) this.loops.delete(e.appId);
    }));
  }

  /** Redeploys the app through the deployer, after any redeploy of it already running or queued. */
  redeploy(app: AppMeta, opts: DeployOptions): Promise<DeployResult> {
    return this.queue.run(app.id, () => this.deployer.deploy(app, opts));
  }

  /** Redeploys at once: only from inside a task of `queue` (which already holds the app's turn). */
  redeployNow(app: AppMeta, opts: DeployOptions): Promise<DeployResult> {
    return this.deployer.deploy(app, opts);
  }

  isRunning(app: AppMeta): SandboxEntry | undefined {
    const e = this.registry.forApp(app.id);
    return e?.status === 'running' && e.sandbox && e.deployment ? e : undefined;
  }

  // ---- refine -----------------------------------------------------------------------------------------------

  async refine(app: AppMeta, followUp: string, opts: IterateOptions = {}): Promise<IterateResult> {
    const claude = await this.claude();
    await saveAppEditors(this.tree, app);
    const spec = this.specOf(app);
    const { patch, usage } = await this.ask(app, `Refining ${app.name}`, opts, (signal, onEvent) =>
      claude.refine({ spec, followUp, signal, onEvent, logger: this.logger.scope('claude') }),
    );
    const { next, diff } = this.patched(app, spec, patch);
    const base = { ...summaryOf(diff), summary: patch.summary, usd: usage.usd };
    if (!hasChanges(diff)) {
      void vscode.window.showInformationMessage(`Claude proposed no changes to ${app.name}${patch.summary ? `: ${patch.summary}` : '.'}`);
      return { accepted: false, ...base };
    }
    const decision = await this.proposals.review(app, spec, next, {
      title: `${app.name}: ${shorten(followUp, 60)} (proposed)`,
      message: this.proposalMessage(app, patch, diff, `Claude proposes a change to ${app.name}`),
      decision: opts.decision,
    });
    if (decision === 'reject') return { accepted: false, ...base };
    const running = !!this.isRunning(app);
    const applied = await this.apply(app, spec, next, 'refined', followUp);
    const deploy = running ? await this.redeploy(app, { confirm: opts.confirm, token: opts.token }) : undefined;
    return { accepted: true, ...base, versionId: applied, deploy };
  }

  // ---- fix --------------------------------------------------------------------------------------------------

  /**
   * Fix with Claude: sends the failed step's output (its useful tail) with the files; applies the fix after the
   * diff is accepted (or directly with `spawnApp.autoFix`) and deploys. Attempts in a row are capped by a
   * FixLoop (`spawnApp.fixAttempts`); its running cost is shown before each further attempt. With autoFix, a
   * fix that still fails is followed by the next attempt on its own, until the cap.
   */
  async fix(app: AppMeta, opts: IterateOptions = {}): Promise<FixResult> {
    const settings = this.settings();
    let loop = this.loops.get(app.id);
    if (!loop || (loop.attempts === 0 && loop.cap !== settings.fixAttempts)) loop = this.newLoop(app, settings.fixAttempts);
    const claude = await this.claude();
    let automatic = false;
    for (;;) {
      const entry = this.failedEntry(app);
      if (!loop.canAttempt()) {
        // Only a person gets past the cap, and only by asking for a new round.
        await confirm(
          opts,
          `${loop.attempts} fix attempt${loop.attempts === 1 ? '' : 's'} in a row did not fix ${app.name} (${cost(loop.costUsd)} so far).`,
          `Start a new round? Claude is asked again, up to ${settings.fixAttempts} more time${settings.fixAttempts === 1 ? '' : 's'}.`,
          'Try Again',
        );
        loop = this.newLoop(app, settings.fixAttempts);
      } else if (loop.attempts > 0 && !automatic) {
        await confirm(opts, `Fix attempt ${loop.attempts + 1} of ${loop.cap} for ${app.name}`, `This fix loop has cost ${cost(loop.costUsd)} so far.`, 'Fix Again');
      }
      const step = STEP_OF_CODE[entry.error?.code ?? ''] ?? 'start';
      const output = usefulTail([entry.error?.message ?? '', entry.error?.detail || this.registry.logText(entry)].join('\n'));
      await saveAppEditors(this.tree, app);
      const spec = this.specOf(app);
      const attempt = `attempt ${loop.attempts + 1} of ${loop.cap}${loop.attempts ? `, ${cost(loop.costUsd)} so far` : ''}`;
      this.logger.scope('fix').info(`${app.name}: fixing the failed ${step} (${attempt})`);
      const { patch, usage } = await this.ask(app, `Fixing ${app.name} with Claude (${attempt})`, opts, (signal, onEvent) =>
        claude.fix({ spec, step, output, signal, onEvent, logger: this.logger.scope('claude') }),
      );
      loop.record(usage.usd);
      const { next, diff } = this.patched(app, spec, patch);
      const base = { ...summaryOf(diff), summary: patch.summary, usd: usage.usd, attempts: loop.attempts, loopUsd: loop.costUsd };
      if (!hasChanges(diff)) {
        throw new SpawnError('generation.failed', `Claude found nothing to change in ${app.name}${patch.summary ? `: ${patch.summary}` : '.'}`, undefined, { appId: app.id });
      }
      if (!settings.autoFix) {
        const decision = await this.proposals.review(app, spec, next, {
          title: `${app.name}: fix for the failed ${step} (proposed)`,
          message: this.proposalMessage(app, patch, diff, `Claude proposes a fix for ${app.name} (this fix loop: ${cost(loop.costUsd)} so far)`),
          decision: opts.decision,
        });
        if (decision === 'reject') return { accepted: false, ...base };
      }
      const versionId = await this.apply(app, spec, next, 'fixed', patch.summary ? `Fix: ${patch.summary}` : `Fix for the failed ${step}`);
      try {
        const deploy = await this.redeploy(app, { confirm: opts.confirm, token: opts.token });
        loop.succeeded();
        return { accepted: true, ...base, versionId, deploy };
      } catch (err) {
        if (isCancelled(err) || !(err instanceof SpawnError) || !FIXABLE_CODES.has(err.code) || !settings.autoFix) throw err;
        if (!loop.canAttempt()) {
          throw new SpawnError('generation.failed', `Stopped after ${loop.cap} fix attempt${loop.cap === 1 ? '' : 's'} in a row (${cost(loop.costUsd)}): ${app.name} still fails. ${messageOf(err)}`, err.detail, { appId: app.id });
        }
        automatic = true;
        void vscode.window.setStatusBarMessage(`$(wrench) ${app.name} still fails; fix attempt ${loop.attempts + 1} of ${loop.cap} (${cost(loop.costUsd)} so far)…`, 5000);
      }
    }
  }

  /** The fix loop of an app now (tests, status). */
  fixLoop(app: AppMeta): FixLoop | undefined {
    return this.loops.get(app.id);
  }

  // ---- versions ---------------------------------------------------------------------------------------------

  /** Goes back to a version (the current files become a version first) and redeploys a running app. */
  async restore(app: AppMeta, id: number, opts: IterateOptions = {}): Promise<{ versionId: number; deploy?: DeployResult }> {
    await saveAppEditors(this.tree, app);
    const running = !!this.isRunning(app);
    const v = this.history.goBack(app, id);
    this.diagnostics.refresh(app);
    const deploy = running ? await this.redeploy(app, { confirm: opts.confirm, token: opts.token }) : undefined;
    return { versionId: v.id, deploy };
  }

  /** Shows a version against the current files; returns how many files differ. */
  async compare(app: AppMeta, id: number): Promise<number> {
    const v = this.history.get(app.id, id);
    if (!v) throw new SpawnError('usage', `${app.name} has no version ${id}.`);
    const d = compareFiles(v.files, currentFiles(this.tree, app));
    const pairs: ChangePair[] = [
      ...d.changed.map((rel) => ({ rel, original: this.snapshots.versionUri(app, rel, v.id), modified: appUri(this.tree, app, rel) })),
      ...d.added.map((rel) => ({ rel, modified: appUri(this.tree, app, rel) })),
      ...d.deleted.map((rel) => ({ rel, original: this.snapshots.versionUri(app, rel, v.id) })),
    ].sort((a, b) => a.rel.localeCompare(b.rel));
    if (pairs.length === 0) {
      void vscode.window.showInformationMessage(`${versionTitle(v)} has the same files as ${app.name} now.`);
      return 0;
    }
    await showChanges(`${app.name}: ${versionTitle(v)} ↔ now`, pairs, (rel) => this.snapshots.emptyUri(app, rel));
    return pairs.length;
  }

  // ---- shared -----------------------------------------------------------------------------------------------

  /**
   * Applies an accepted change to the virtual files. Refused when a file it touches changed since Claude read
   * it (the user's newer edit would be lost). The files before it are kept as a version, then the change is one.
   */
  private async apply(app: AppMeta, base: AppSpec, next: AppSpec, kind: VersionKind, label: string): Promise<number> {
    await saveAppEditors(this.tree, app);
    const now = this.specOf(app);
    const diff = diffSpecs(base, next);
    const touched = [...diff.added, ...diff.changed, ...diff.deleted];
    const drift = diffSpecs(base, now);
    const moved = new Set([...drift.added, ...drift.changed, ...drift.deleted]);
    const conflict = touched.filter((p) => moved.has(p));
    if (conflict.length || ((diff.startChanged || diff.depsChanged) && (drift.startChanged || drift.depsChanged))) {
      throw new SpawnError('usage', `${conflict.join(', ') || 'spawn-app.json'} changed while Claude's change was open, so it was not applied. Ask again to include your edit.`);
    }
    // Files the proposal does not touch keep any newer edits: apply the change on top of the files now.
    const target = { ...now, files: mergeFiles(now, next, diff), startCommand: diff.startChanged ? next.startCommand : now.startCommand, dependencies: diff.depsChanged ? next.dependencies : now.dependencies };
    this.history.record(app, 'edited', 'Your edits');
    applySpecToTree(this.tree, app, target);
    if (app.generator !== 'claude') app.generator = 'claude';
    this.diagnostics.refresh(app);
    return this.history.record(app, kind, label).id;
  }

  private patched(app: AppMeta, spec: AppSpec, patch: AppPatch): { next: AppSpec; diff: SpecDiff } {
    try {
      const { spec: next } = applyPatch(spec, patch);
      return { next, diff: diffSpecs(spec, next) };
    } catch (err) {
      this.logger.scope('claude').warn(`${app.name}: refused a patch: ${messageOf(err)}`);
      throw err;
    }
  }

  /** One cancellable Claude request with progress; its cost counts into the session. */
  private ask<T>(
    app: AppMeta,
    title: string,
    opts: IterateOptions,
    call: (signal: AbortSignal, onEvent: (e: SpawnEvent) => void) => Promise<T>,
  ): Promise<T> {
    return Promise.resolve(
      vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, async (progress, token) => {
        const signal = abortSignalFrom(token, opts.token);
        progress.report({ message: `Asking ${this.settings().model}…` });
        const onEvent = (e: SpawnEvent) => {
          if (signal.aborted) return;
          if (e.event === 'file' && e.status === 'started') progress.report({ message: `Writing ${e.path}…` });
          if (e.event === 'cost' && e.kind === 'generation') this.registry.addGenerationCost(e.usd);
        };
        try {
          return await call(signal, onEvent);
        } catch (err) {
          throw isCancelled(err) || signal.aborted ? new CancelledError() : aboutApp(err, app.id);
        }
      }),
    );
  }

  /** The Claude generator (its SDK loaded only now); with no key, offers to set one (a user's cancel is silent). */
  async claude(): Promise<ClaudeGenerator> {
    let cfg = await this.config();
    if (!cfg.anthropicApiKey) {
      const pick = await vscode.window.showWarningMessage(
        'Refining and fixing apps needs Claude: set an Anthropic API key.',
        { modal: true, detail: 'The key is kept in VS Code’s secret storage, never in settings or logs.' },
        'Set Anthropic API Key',
      );
      if (pick !== 'Set Anthropic API Key' || !(await this.secrets.prompt('anthropic'))) throw new CancelledError();
      cfg = await this.config();
    }
    const { ClaudeGenerator } = await import('../../core/generate/claude');
    return new ClaudeGenerator(cfg);
  }

  private specOf(app: AppMeta): AppSpec {
    const { spec, findings } = this.tree.specOf(app);
    if (!spec) throw new SpawnError('blocked', `${app.name} cannot be read: ${findings[0]?.message ?? 'its manifest is invalid'}`);
    return spec;
  }

  private failedEntry(app: AppMeta): SandboxEntry {
    const e = this.registry.forApp(app.id);
    if (!e || e.status !== 'failed' || !e.error) {
      throw new SpawnError('usage', `${app.name} has no failed deploy to fix. When its install, start or health check fails, Fix with Claude sends Claude that output.`);
    }
    return e;
  }

  private newLoop(app: AppMeta, cap: number): FixLoop {
    const loop = new FixLoop(cap);
    this.loops.set(app.id, loop);
    return loop;
  }

  private proposalMessage(app: AppMeta, patch: AppPatch, diff: SpecDiff, lead: string): string {
    const n = diff.added.length + diff.changed.length + diff.deleted.length;
    const parts = [
      `${lead}${patch.summary ? `: ${patch.summary}` : '.'}`,
      `${n} file${n === 1 ? '' : 's'} (${[diff.changed.length && `${diff.changed.length} changed`, diff.added.length && `${diff.added.length} added`, diff.deleted.length && `${diff.deleted.length} deleted`].filter(Boolean).join(', ')})${diff.startChanged ? ', new start command' : ''}${diff.depsChanged ? ', new dependencies' : ''}.`,
    ];
    const e = this.registry.forApp(app.id);
    if (e?.provider === 'local' && e.sandbox) parts.push('Accepting runs it on the local runner (this machine, not sandboxed).');
    return parts.join(' ');
  }
}

/** The files of `now` with the proposal's changes, additions and deletions applied. */
function mergeFiles(now: AppSpec, next: AppSpec, diff: SpecDiff): AppSpec['files'] {
  const proposed = new Map(next.files.map((f) => [f.path, f.content]));
  const touched = new Set([...diff.added, ...diff.changed]);
  const deleted = new Set(diff.deleted);
  const out = now.files.filter((f) => !deleted.has(f.path)).map((f) => (touched.has(f.path) && proposed.has(f.path) ? { path: f.path, content: proposed.get(f.path)! } : f));
  for (const p of diff.added) if (!out.some((f) => f.path === p) && proposed.has(p)) out.push({ path: p, content: proposed.get(p)! });
  return out;
}

function hasChanges(d: SpecDiff): boolean {
  return d.added.length + d.changed.length + d.deleted.length > 0 || d.startChanged || d.depsChanged;
}

function summaryOf(d: SpecDiff): { added: string[]; changed: string[]; deleted: string[] } {
  return { added: d.added, changed: d.changed, deleted: d.deleted };
}

function cost(usd: number | null): string {
  return usd === null ? 'cost unknown' : formatUsd(usd);
}

function shorten(s: string, n: number): string {
  const one = s.replace(/\s+/g, ' ').trim();
  return one.length > n ? `${one.slice(0, n - 1)}…` : one;
}

async function confirm(opts: IterateOptions, message: string, detail: string, yes: string): Promise<void> {
  if (opts.confirm) return;
  const pick = await vscode.window.showWarningMessage(message, { modal: true, detail }, yes);
  if (pick !== yes) throw new CancelledError();
}
