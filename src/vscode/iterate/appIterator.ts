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
import { fixNeeded } from '../sandboxes/sandboxEntry';
import type { SandboxLogs } from '../sandboxes/sandboxLogs';
import type { SandboxRegistry } from '../sandboxes/sandboxRegistry';
import type { Settings } from '../base/settings';
import type { ChangePair } from './changesView';
import { saveAppEditors, showChanges } from './changesView';
import type { ClaudeChanges, FixRequest } from './claudeChanges';
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
    // The app came up with nothing to fix (after a fix, or any deploy): the next failure starts a new fix loop.
    this._register(registry.onDidChange((e) => {
      if (e?.status === 'running' && e.appId && !fixNeeded(e)) sessions.session.existing(e.appId)?.fixed();
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
   * Fix with Claude, for what `fixNeeded` says the app needs: a failed install, start or health check (its output's
   * useful tail is sent), or an app that runs but whose check in a browser found problems (the session sends them,
   * the app's output, what the user asked for and, to a model that takes images, the screenshot: the fix loop's
   * request). The files go with it; the fix is applied after the diff is accepted (or directly with
   * `spawnApp.autoFix`) and the app deployed (and verified) again. Attempts in a row are capped by a FixLoop
   * (`spawnApp.fixAttempts`); its running cost is shown before each further attempt. With autoFix, a fix that still
   * fails is followed by the next attempt on its own, until the cap.
   */
  async fix(app: AppMeta, opts: IterateOptions = {}): Promise<FixResult> {
    const settings = this.settings();
    this.need(app);
    const session = await this.changes.appSession(app);
    let loop = session.fixLoop(settings.fixAttempts);
    const claude = await this.changes.claude();
    let automatic = false;
    for (;;) {
      const need = this.need(app);
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
      const spec = await this.changes.current(app);
      const attempt = `attempt ${loop.attempts + 1} of ${loop.cap}${loop.attempts ? `, ${cost(loop.costUsd)} so far` : ''}`;
      this.logger.scope('fix').info(`${app.name}: fixing ${need.what} (${attempt})`);
      const { patch, usage, next, diff } = await this.changes.propose(app, `Fixing ${app.name} with Claude (${attempt})`, opts.token, claude, spec, need.request);
      loop.record(usage.usd);
      const base = { ...summaryOf(diff), summary: patch.summary, usd: usage.usd, attempts: loop.attempts, loopUsd: loop.costUsd };
      if (!hasChanges(diff)) {
        throw new SpawnError('generation.failed', `Claude found nothing to change in ${app.name}${patch.summary ? `: ${patch.summary}` : '.'}`, undefined, { appId: app.id });
      }
      if (!settings.autoFix) {
        const decision = await this.proposals.review(app, spec, next, {
          title: `${app.name}: fix for ${need.what} (proposed)`,
          message: this.changes.proposalMessage(app, patch, diff, `Claude proposes a fix for ${app.name} (this fix loop: ${cost(loop.costUsd)} so far)`),
          decision: opts.decision,
        });
        if (decision === 'reject') return { accepted: false, ...base };
      }
      const versionId = await this.changes.apply(app, spec, next, 'fixed', patch.summary ? `Fix: ${patch.summary}` : `Fix for ${need.what}`);
      let failure: unknown;
      let deploy: DeployResult | undefined;
      try {
        // No automatic round in it: this loop's attempts are the ones reviewed, counted and capped (fixAttempts).
        deploy = await this.deploys.deploy(app, { confirm: opts.confirm, token: opts.token, fix: 0 });
      } catch (err) {
        if (isCancelled(err) || !(err instanceof SpawnError) || !FIXABLE_CODES.has(err.code) || !settings.autoFix) throw err;
        failure = err;
      }
      // Deployed, and verified (or only HTTP-checked) with no problem left: the loop is over.
      if (deploy && !fixNeeded(this.registry.forApp(app.id))) {
        loop.succeeded();
        return { accepted: true, ...base, versionId, deploy };
      }
      // It runs, still with problems: without autoFix the user decides (the preview offers Fix with Claude again).
      if (deploy && !settings.autoFix) return { accepted: true, ...base, versionId, deploy };
      if (!loop.canAttempt()) {
        const still = failure ? messageOf(failure) : 'Its check in a browser still finds problems.';
        throw new SpawnError('generation.failed', `Stopped after ${loop.cap} fix attempt${loop.cap === 1 ? '' : 's'} in a row (${cost(loop.costUsd)}): ${app.name} still fails. ${still}`, failure instanceof SpawnError ? failure.detail : undefined, { appId: app.id });
      }
      automatic = true;
      void vscode.window.setStatusBarMessage(`$(wrench) ${app.name} still fails; fix attempt ${loop.attempts + 1} of ${loop.cap} (${cost(loop.costUsd)} so far)…`, 5000);
    }
  }

  /** What Fix with Claude would send for the app now (fixNeeded, the one rule), or a sentence saying there is nothing. */
  private need(app: AppMeta): { what: string; request: FixRequest } {
    const e = this.registry.forApp(app.id);
    switch (fixNeeded(e)) {
      case 'step': {
        const step = STEP_OF_CODE[e!.error!.code!] ?? 'start';
        // The session sends the output's useful tail.
        const output = [e!.error!.message, e!.error!.detail || this.logs.text(e!.id)].join('\n');
        return { what: `the failed ${step}`, request: { fix: { step, output } } };
      }
      case 'verification':
        return { what: 'the problems found in a browser', request: { verification: true } };
      default:
        throw new SpawnError('usage', `${app.name} has nothing to fix. When its install, start or health check fails, or its check in a browser finds problems, Fix with Claude sends Claude what went wrong.`);
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
