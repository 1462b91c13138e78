/**
 * Runs one deploy of an app through its app session (core/session: first deploy, update in place or restart in
 * place, the questions, the cap, pre-warm take and extend), rendering its events: the progress notification (the
 * status bar for a quiet update), the sandbox's entry and log, the preview. Nothing shows until the session says
 * the deploy may go ahead (a "no" changes nothing). Only the DeployService calls it, inside the app's turn of its queue.
 */
import * as vscode from 'vscode';
import type { AppMeta } from '../../core/workspace/treeTypes';
import { CancelledError, isCancelled, SpawnError } from '../../core/base/errors';
import type { AppSession, Deployed, DeployPlan } from '../../core/session';
import type { Deployment } from '../../core/deploy/deploy';
import type { RedeployPlan } from '../../core/deploy/redeployPlan';
import type { SandboxProvider } from '../../core/sandbox/types';
import type { AppSpec } from '../../core/app/spec';
import { withSignal } from '../base/cancellation';
import type { Verifier } from '../../core/session';
import { formatProblem } from '../../core/session';
import type { SandboxDiscovery } from '../sandboxes/sandboxDiscovery';
import type { SandboxEntry } from '../sandboxes/sandboxEntry';
import { fixNeeded } from '../sandboxes/sandboxEntry';
import type { Settings } from '../base/settings';
import type { PreviewManager } from '../webview/previewManager';
import type { DeployView } from './deployEvents';
import { deployEvents, PHASE_LABELS } from './deployEvents';

export interface DeployResult {
  sandboxId: string;
  url: string;
  provider: string;
  redeployed: boolean;
  /** For a redeploy of a running app: whether the app was restarted (false when only static files changed). */
  restarted?: boolean;
}

export interface RunContext extends DeployView {
  /** The app's secrets, passed to its processes at start (values redacted from everything the pipeline reports). */
  appSecrets: (appId: string) => Promise<Record<string, string>>;
  previews: PreviewManager;
  discovery: SandboxDiscovery;
  settings: () => Settings;
  /** The window's verifier (its one browser): the pipeline's verification step; false: the step is off (spawnApp.verifyDeploys). */
  verifier: () => Verifier | false;
}

export interface RunOptions {
  token?: vscode.CancellationToken;
  /** A background update of a running app (hot redeploy): progress in the status bar, the preview not revealed. */
  quiet?: boolean;
  /** The provider a first deploy goes to (the user's choice). */
  provider?: SandboxProvider;
  /** The caller asked already (scripted `confirm: true`, tests only): the session does not ask. */
  confirmed?: boolean;
  /** A fix round of the session's fix loop changed the app (AppSession DeployRequest.onFixed): the editor's files follow. */
  onFixed?: (next: AppSpec) => void;
  /** Fix rounds on its own after a failed verification (DeployRequest.fix); default the session's. */
  fix?: number;
}

/**
 * Deploys `app` through its session. `entry`: the app's sandbox as the registry knows it (an update or restart goes
 * into it); a first deploy records its new sandbox the moment the pipeline creates it.
 */
export async function runDeploy(c: RunContext, app: AppMeta, session: AppSession, entry: SandboxEntry | undefined, opts: RunOptions): Promise<DeployResult> {
  let id: string | undefined;
  let plan: DeployPlan | undefined;
  let progress: vscode.Progress<{ message?: string }> | undefined;
  let shown!: () => void;
  const done = new Promise<void>((r) => (shown = r));
  const cancel = new vscode.CancellationTokenSource();
  const provider = opts.provider ?? entry?.providerRef;
  const render = deployEvents(c, app, { report: (m) => progress?.report(m) }, () => id, (e) => (id = c.registry.add(e, provider!, app, session.approval).id));

  // Allowed (every question answered yes, the cap allows): only now does the deploy show.
  const allowed = (p: DeployPlan) => {
    plan = p;
    const first = p.kind === 'first';
    if (!first) id = entry?.id;
    c.logger.scope('deploy').info(first ? `deploying ${app.name} to ${provider?.id}` : `redeploying ${app.name} into ${entry?.provider} sandbox ${entry?.id}${p.kind === 'restart' ? ' (restarting it)' : ''}`);
    if (first || !opts.quiet) c.previews.createOrShow(app.id, { preserveFocus: true });
    // An edit a dev server hot-updates (react, no restart) leaves the app running throughout: the page updates itself.
    if (id && !first) {
      if (session.approval) c.registry.approve(id, session.approval);
      if (p.hotUpdate) c.registry.setPhase(id, PHASE_LABELS.write);
      else c.registry.markStarting(id, PHASE_LABELS.write);
    }
    const title = `${first ? 'Deploying' : 'Redeploying'} ${app.name}`;
    const options = opts.quiet && !first ? { location: vscode.ProgressLocation.Window, title } : { location: vscode.ProgressLocation.Notification, title, cancellable: true };
    void vscode.window.withProgress(options, (p2, token) => {
      progress = p2;
      token.onCancellationRequested(() => cancel.cancel());
      return done;
    });
  };

  try {
    const d = await withSignal([cancel.token, opts.token], (signal) =>
      session.deploy({
        provider: opts.provider,
        signal,
        onEvent: render,
        onAllowed: allowed,
        confirmed: opts.confirmed,
        onFixed: opts.onFixed,
        fix: opts.fix,
        appName: app.name,
        metadata: { appId: app.id, appName: app.name },
        // The session's meter counts this window's sandboxes from its registry (spendingCap.ts: with the pre-warmed
        // and reloaded ones, and the registry's pause at the cap), not from the deploy.
        metered: false,
        verify: c.verifier(),
      }),
    );
    const result = await finish(c, app, d, id);
    if (!opts.quiet) offerFix(c, app, id!, d);
    return result;
  } catch (err) {
    const cancelled = isCancelled(err) || cancel.token.isCancellationRequested || opts.token?.isCancellationRequested === true;
    if (!plan) throw cancelled ? new CancelledError() : err; // a "no" or the cap: nothing ran, nothing changed
    if (plan.kind === 'first') {
      if (cancelled) {
        if (id) c.registry.remove(id);
        c.previews.close(app.id);
        throw new CancelledError();
      }
      if (id) c.registry.markFailed(id, err, { sandboxGone: true });
      throw err;
    }
    if (id) c.registry.markFailed(id, cancelled ? new SpawnError('cancelled', 'The redeploy was cancelled; the app may not be running.') : err, { sandboxGone: false });
    throw cancelled ? new CancelledError() : err;
  } finally {
    shown();
    cancel.dispose();
  }
}

async function finish(c: RunContext, app: AppMeta, d: Deployed, id: string | undefined): Promise<DeployResult> {
  if (!id || !c.registry.get(id)) throw new SpawnError('deploy.failed', 'The sandbox was not recorded.');
  const first = d.kind === 'first';
  ready(c, id, d.deployment, first ? `Ready at ${d.url}` : `Redeployed; ready at ${d.url}`);
  if (d.plan) c.logs.append(id, `Redeploy: ${describePlan(d.plan)}`);
  if (first) {
    await c.discovery.refreshResources(id);
    return { sandboxId: id, url: d.url, provider: d.provider.id, redeployed: false };
  }
  const restarted = d.plan?.restart ?? true;
  // A dev server with HMR (react) updates the page itself; a reload would lose the page's state.
  if (!d.hotUpdate) c.previews.reload(app.id);
  return { sandboxId: id, url: d.url, provider: d.provider.id, redeployed: true, restarted };
}

/**
 * The app runs, but its check in a browser found problems no fix round fixed (fixNeeded, the one rule): a notification
 * says so and offers Fix with Claude (a hot redeploy's problems show only in the preview and the views).
 */
function offerFix(c: RunContext, app: AppMeta, id: string, d: Deployed): void {
  const e = c.registry.get(id);
  const v = e?.deployment?.verification;
  if (fixNeeded(e) !== 'verification' || !v) return;
  const n = v.problems.length;
  const more = n > 1 ? ` (and ${n - 1} more)` : '';
  const rounds = d.fixes?.rounds.length ? ` ${d.fixes.stopped?.message ?? ''}` : '';
  const message = `${app.name} runs, but its check in a browser found ${n} problem${n === 1 ? '' : 's'}: ${formatProblem(v.problems[0]!).replace(/\.$/, '')}${more}.${rounds}`;
  void vscode.window.showWarningMessage(message, 'Fix with Claude').then((pick) => {
    if (pick) void vscode.commands.executeCommand('spawnApp.fix', { appId: app.id });
  });
}

/** The app runs: the entry says so, and an app that stops on its own later shows as failed, with its last output. */
function ready(c: RunContext, id: string, deployment: Deployment, line: string): void {
  c.registry.markRunning(id, deployment);
  c.logs.append(id, line);
  void deployment.process.exited.then(({ exitCode }) => {
    const e = c.registry.get(id);
    if (e?.deployment !== deployment || e.status !== 'running') return;
    c.registry.markFailed(id, new SpawnError('deploy.start_failed', `The app stopped (exit code ${exitCode ?? 'unknown'}).`, deployment.output.text(20) || undefined), { sandboxGone: false });
  });
}

function describePlan(plan: RedeployPlan): string {
  const d = plan.diff;
  const parts = [`${d.added.length} added, ${d.changed.length} changed, ${d.deleted.length} deleted`];
  if (plan.install) parts.push('dependencies reinstalled');
  parts.push(plan.restart ? 'restarted' : 'no restart needed');
  return parts.join('; ');
}
