/**
 * The iterate loop in the extension: Refine (a follow-up prompt), Fix with Claude (a failed step's output), and
 * going back to a version. Claude always gets the app's files as the virtual workspace holds them now (dirty
 * editors are saved first); its patch is validated whole by the core, shown as diffs, and applied only on Accept;
 * a running app is then redeployed in place through the DeployService (one deploy of an app at a time).
 */
import * as vscode from 'vscode';
import type { AppMeta } from '../../core/workspace/treeTypes';
import type { AppTree } from '../../core/workspace/appTree';
import { CancelledError, FIXABLE_CODES, isCancelled, messageOf, SpawnError } from '../../core/base/errors';
import type { FailedStep, FixLoop } from '../../core/generate/fixLoop';
import type { WindowSession } from '../base/session';
import { currentFiles } from '../../core/workspace/treeEdits';
import { compareFiles, versionTitle } from '../../core/app/versions';
import type { DeployResult, DeployService } from '../deploy/deployService';
import type { AppDiagnostics } from '../fs/diagnostics';
import { Disposable } from '../base/dispose';
import { appUri } from '../fs/appUri';
import type { LogChannel } from '../base/logChannel';
import type { SandboxEntry } from '../sandboxes/sandboxEntry';
import type { SandboxLogs } from '../sandboxes/sandboxLogs';
import type { SandboxRegistry } from '../sandboxes/sandboxRegistry';
import type { Settings } from '../base/settings';
import type { ChangePair } from './changesView';
import { saveAppEditors, showChanges } from './changesView';
import type { ClaudeChanges } from './claudeChanges';
import { costText as cost, hasChanges, summaryOf } from './claudeChanges';
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
  constructor(
    private readonly tree: AppTree,
    private readonly registry: SandboxRegistry,
    private readonly logs: SandboxLogs,
    private readonly deploys: DeployService,
    private readonly changes: ClaudeChanges,
    private readonly diagnostics: AppDiagnostics,
    readonly history: AppHistory,
    readonly proposals: ProposalReview,
    private readonly snapshots: SnapshotDocuments,
    private readonly settings: () => Settings,
    private readonly logger: LogChannel,
    /** The app session: each app's fix loop, its proposals (the cap, the cost, validation with its secrets). */
    private readonly sessions: WindowSession,
  ) {
    super();
    // The app came up (after a fix, or any deploy): the next failure starts a new fix loop.
    this._register(registry.onDidChange((e) => {
      if (e?.status === 'running' && e.appId) sessions.session.existing(e.appId)?.fixed();
    }));
  }

  /** The Claude generator; with no key, offers to set one first (Refine asks before the user types a request). */
  claude(): Promise<unknown> {
    return this.changes.claude();
  }

  // ---- refine -----------------------------------------------------------------------------------------------

  async refine(app: AppMeta, followUp: string, opts: IterateOptions = {}): Promise<IterateResult> {
    const claude = await this.changes.claude();
    const spec = await this.changes.current(app);
    const { patch, usage, next, diff } = await this.changes.propose(app, `Refining ${app.name}`, opts.token, claude, spec, { followUp });
    const base = { ...summaryOf(diff), summary: patch.summary, usd: usage.usd };
    if (!hasChanges(diff)) {
      void vscode.window.showInformationMessage(`Claude proposed no changes to ${app.name}${patch.summary ? `: ${patch.summary}` : '.'}`);
      return { accepted: false, ...base };
    }
    const decision = await this.proposals.review(app, spec, next, {
      title: `${app.name}: ${shorten(followUp, 60)} (proposed)`,
      message: this.changes.proposalMessage(app, patch, diff, `Claude proposes a change to ${app.name}`),
      decision: opts.decision,
    });
    if (decision === 'reject') return { accepted: false, ...base };
    const running = this.deploys.isLive(app.id);
    const applied = await this.changes.apply(app, spec, next, 'refined', followUp);
    const deploy = running ? await this.deploys.deploy(app, { confirm: opts.confirm, token: opts.token }) : undefined;
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
    const session = await this.changes.appSession(app);
    let loop = session.fixLoop(settings.fixAttempts);
    const claude = await this.changes.claude();
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
        loop = session.fixLoop(settings.fixAttempts, true);
      } else if (loop.attempts > 0 && !automatic) {
        await confirm(opts, `Fix attempt ${loop.attempts + 1} of ${loop.cap} for ${app.name}`, `This fix loop has cost ${cost(loop.costUsd)} so far.`, 'Fix Again');
      }
      const step = STEP_OF_CODE[entry.error?.code ?? ''] ?? 'start';
      // The session sends the output's useful tail.
      const output = [entry.error?.message ?? '', entry.error?.detail || this.logs.text(entry.id)].join('\n');
      const spec = await this.changes.current(app);
      const attempt = `attempt ${loop.attempts + 1} of ${loop.cap}${loop.attempts ? `, ${cost(loop.costUsd)} so far` : ''}`;
      this.logger.scope('fix').info(`${app.name}: fixing the failed ${step} (${attempt})`);
      const { patch, usage, next, diff } = await this.changes.propose(app, `Fixing ${app.name} with Claude (${attempt})`, opts.token, claude, spec, { fix: { step, output } });
      loop.record(usage.usd);
      const base = { ...summaryOf(diff), summary: patch.summary, usd: usage.usd, attempts: loop.attempts, loopUsd: loop.costUsd };
      if (!hasChanges(diff)) {
        throw new SpawnError('generation.failed', `Claude found nothing to change in ${app.name}${patch.summary ? `: ${patch.summary}` : '.'}`, undefined, { appId: app.id });
      }
      if (!settings.autoFix) {
        const decision = await this.proposals.review(app, spec, next, {
          title: `${app.name}: fix for the failed ${step} (proposed)`,
          message: this.changes.proposalMessage(app, patch, diff, `Claude proposes a fix for ${app.name} (this fix loop: ${cost(loop.costUsd)} so far)`),
          decision: opts.decision,
        });
        if (decision === 'reject') return { accepted: false, ...base };
      }
      const versionId = await this.changes.apply(app, spec, next, 'fixed', patch.summary ? `Fix: ${patch.summary}` : `Fix for the failed ${step}`);
      try {
        const deploy = await this.deploys.deploy(app, { confirm: opts.confirm, token: opts.token });
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
    return this.sessions.session.existing(app.id)?.currentFixLoop;
  }

  // ---- versions ---------------------------------------------------------------------------------------------

  /** Goes back to a version (the current files become a version first) and redeploys a running app. */
  async restore(app: AppMeta, id: number, opts: IterateOptions = {}): Promise<{ versionId: number; deploy?: DeployResult }> {
    await saveAppEditors(this.tree, app);
    const running = this.deploys.isLive(app.id);
    const v = this.history.goBack(app, id);
    this.diagnostics.refresh(app);
    const deploy = running ? await this.deploys.deploy(app, { confirm: opts.confirm, token: opts.token }) : undefined;
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

  private failedEntry(app: AppMeta): SandboxEntry {
    const e = this.registry.forApp(app.id);
    if (!e || e.status !== 'failed' || !e.error) {
      throw new SpawnError('usage', `${app.name} has no failed deploy to fix. When its install, start or health check fails, Fix with Claude sends Claude that output.`);
    }
    return e;
  }
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
