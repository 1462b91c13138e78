/**
 * Runs one deploy of an app with the core pipeline, rendering its events: a first deploy into a new sandbox
 * (deploy), or an update of the app's sandbox (redeploy in place, or startIn for a failed or stopped app).
 * Only the DeployService calls these, inside the app's turn of its queue.
 */
import * as vscode from 'vscode';
import type { AppMeta } from '../../core/workspace/treeTypes';
import type { Deployment } from '../../core/deploy/deploy';
import { deploy, redeploy, restartInPlace } from '../../core/deploy/deploy';
import { extendAfterTake } from '../../core/deploy/prewarm';
import { CancelledError, isCancelled, SpawnError } from '../../core/base/errors';
import type { DeployKind, RedeployPlan } from '../../core/deploy/redeployPlan';
import { planRedeploy } from '../../core/deploy/redeployPlan';
import { servesHotUpdates } from '../../core/stacks';
import type { Sandbox, SandboxProvider } from '../../core/sandbox/types';
import type { AppSecrets } from '../../core/base/secrets';
import type { AppSpec } from '../../core/app/spec';
import { withSignal } from '../base/cancellation';
import { DATA_KEY_METADATA } from '../../core/session';
import type { Verifier } from '../../core/verify';
import type { SandboxDiscovery } from '../sandboxes/sandboxDiscovery';
import type { Approval, SandboxEntry } from '../sandboxes/sandboxEntry';
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
  appSecrets: (appId: string) => Promise<AppSecrets>;
  previews: PreviewManager;
  discovery: SandboxDiscovery;
  settings: () => Settings;
  /** The window's verifier (its one browser): the pipeline's verification step. */
  verifier: () => Verifier;
  /** The app's data key (core/session appDataKey: the window's session and the app's id), so its next sandbox finds its data. */
  dataKey: (appId: string) => string | undefined;
}

export interface RunOptions {
  token?: vscode.CancellationToken;
  quiet?: boolean;
  /** A pre-warmed sandbox (core/deploy/prewarm.ts) the first deploy goes into instead of creating one. */
  into?: Sandbox;
}

/** A first deploy into a new sandbox; the pipeline destroys it on failure or cancel. */
export function firstDeploy(c: RunContext, app: AppMeta, spec: AppSpec, provider: SandboxProvider, approved: Approval, opts: RunOptions): Thenable<DeployResult> {
  c.logger.scope('deploy').info(`deploying ${app.name} to ${provider.id}`);
  c.previews.createOrShow(app.id, { preserveFocus: true });
  let id: string | undefined;
  const progressOptions = { location: vscode.ProgressLocation.Notification, title: `Deploying ${app.name}`, cancellable: true };
  return vscode.window.withProgress(progressOptions, (progress, token) =>
    withSignal([token, opts.token], async (signal) => {
      const onEvent = deployEvents(c, app, progress, () => id, (e) => (id = c.registry.add(e, provider, app, approved).id));
      try {
        const secrets = await c.appSecrets(app.id);
        const deployment = await deploy({
          secrets,
          spec,
          provider,
          appName: app.name,
          signal,
          onEvent,
          logger: c.logger.scope(provider.id),
          timeoutMs: c.settings().sandboxTimeoutMinutes * 60_000,
          metadata: { client: 'vscode', appId: app.id, appName: app.name, appType: spec.appType, ...dataKeyMetadata(c.dataKey(app.id)) },
          into: opts.into,
          verify: c.verifier(),
        });
        if (!id) throw new SpawnError('deploy.failed', 'The sandbox was not recorded.');
        ready(c, id, deployment, `Ready at ${deployment.url}`);
        // Pre-warmed with a short lifetime: extended once it runs the app (core/deploy/prewarm.ts, as in the CLI).
        const sandboxId = id;
        await extendAfterTake(opts.into, (ms) => c.registry.extendTimeout(sandboxId, ms), c.settings().sandboxTimeoutMinutes * 60_000, (m) => c.logger.scope('deploy').warn(m));
        await c.discovery.refreshResources(id);
        return { sandboxId: id, url: deployment.url, provider: provider.id, redeployed: false };
      } catch (err) {
        if (isCancelled(err) || signal.aborted) {
          if (id) c.registry.remove(id);
          c.previews.close(app.id);
          throw new CancelledError();
        }
        if (id) c.registry.markFailed(id, err, { sandboxGone: true });
        throw err;
      }
    }),
  );
}

/**
 * Updates the app's sandbox. A running app goes through the core's redeploy (only changed files written, removed
 * ones deleted, install and restart only when needed); a failed or stopped one is started afresh in it.
 */
export function redeployInto(c: RunContext, app: AppMeta, entry: SandboxEntry & { sandbox: NonNullable<SandboxEntry['sandbox']> }, spec: AppSpec, kind: Exclude<DeployKind, 'first'>, opts: RunOptions): Thenable<DeployResult> {
  const previous = entry.deployment;
  const running = kind === 'redeploy' && previous !== undefined;
  c.logger.scope('deploy').info(`redeploying ${app.name} into ${entry.provider} sandbox ${entry.id}${running ? '' : ' (restarting it)'}`);
  if (!opts.quiet) c.previews.createOrShow(app.id, { preserveFocus: true });
  // An edit a dev server hot-updates (react, no restart) leaves the app running throughout: the page updates itself.
  const hot = running && servesHotUpdates(spec) && !planRedeploy(previous.spec, spec).restart;
  if (hot) c.registry.setPhase(entry.id, PHASE_LABELS.write);
  else c.registry.markStarting(entry.id, PHASE_LABELS.write);
  const title = `Redeploying ${app.name}`;
  const progressOptions = opts.quiet ? { location: vscode.ProgressLocation.Window, title } : { location: vscode.ProgressLocation.Notification, title, cancellable: true };
  return vscode.window.withProgress(progressOptions, (progress, token) =>
    withSignal([token, opts.token], async (signal) => {
      const step = { secrets: await c.appSecrets(app.id), provider: entry.providerRef, signal, onEvent: deployEvents(c, app, progress, () => entry.id), logger: c.logger.scope(entry.provider), verify: c.verifier() };
      try {
        let deployment: Deployment;
        let restarted = true;
        if (running) {
          const r = await redeploy(previous, spec, step);
          deployment = r.deployment;
          restarted = r.plan.restart;
          c.logs.append(entry.id, `Redeploy: ${describePlan(r.plan)}`);
        } else {
          // Restarted in place, as every front does (core/deploy/deploy.ts): the core decides whether to install again.
          deployment = await restartInPlace({ sandbox: entry.sandbox, spec: previous?.spec, process: previous?.process }, spec, step);
        }
        ready(c, entry.id, deployment, `Redeployed; ready at ${deployment.url}`);
        // A dev server with HMR (react) updates the page itself; a reload would lose the page's state.
        if (restarted || !servesHotUpdates(spec)) c.previews.reload(app.id);
        return { sandboxId: entry.id, url: deployment.url, provider: entry.provider, redeployed: true, restarted };
      } catch (err) {
        const cancelled = isCancelled(err) || signal.aborted;
        c.registry.markFailed(entry.id, cancelled ? new SpawnError('cancelled', 'The redeploy was cancelled; the app may not be running.') : err, { sandboxGone: false });
        throw cancelled ? new CancelledError() : err;
      }
    }),
  );
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

/** The sandbox metadata that names the app's data folder (none: the sandbox's own). */
function dataKeyMetadata(key: string | undefined): Record<string, string> {
  return key ? { [DATA_KEY_METADATA]: key } : {};
}
