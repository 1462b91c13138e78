/**
 * Deploys an app of the virtual workspace with the core pipeline (deploy / startIn) and renders its events:
 * a cancellable progress notification per phase, the "Spawn App" log and the sandbox's own log, the registry
 * (tree, status bar) and the preview panel. Nothing here re-implements a pipeline step.
 */
import * as vscode from 'vscode';
import type { AppMeta, AppTree } from '../core/appTree';
import { DEFAULTS } from '../core/config';
import type { Deployment } from '../core/deploy';
import { deploy, installCommand, redeploy, startIn } from '../core/deploy';
import type { RedeployPlan } from '../core/iterate';
import { CancelledError, isCancelled, SpawnError } from '../core/errors';
import type { Phase, SpawnEvent } from '../core/events';
import type { ProviderChoice } from '../core/sandbox';
import type { Sandbox, SandboxProvider } from '../core/sandbox/types';
import type { AppSpec } from '../core/spec';
import type { Finding } from '../core/validate';
import { formatFinding, hasErrors } from '../core/validate';
import { deployConfirmation } from './deployConfirmation';
import type { AppDiagnostics } from './diagnostics';
import { tagApp } from './errorContext';
import { isAppUri } from './fs/appUri';
import type { Logger } from './logger';
import type { Providers } from './providers';
import type { Secrets } from './secrets';
import type { Settings } from './settings';
import type { SandboxEntry, SandboxRegistry } from './views/sandboxRegistry';
import type { PreviewManager } from './webview/previewManager';

export const PHASE_LABELS: Record<Phase, string> = {
  generate: 'Generating…',
  validate: 'Validating…',
  create: 'Creating the sandbox…',
  write: 'Writing files…',
  install: 'Installing dependencies…',
  start: 'Starting the app…',
  health: 'Waiting for the app to answer…',
};

export interface DeployOptions {
  /** Skip the confirmation dialog (the caller already asked, or a test/script drives it). */
  confirm?: boolean;
  /** Cancels like the progress notification's Cancel button. */
  token?: vscode.CancellationToken;
  /** Provider for this deploy, instead of the setting. */
  provider?: ProviderChoice;
  /**
   * A background redeploy of a running app (hot redeploy on save): what is saved runs (other dirty editors are
   * not saved), progress shows in the status bar, and the preview reloads without being revealed.
   */
  quiet?: boolean;
}

export interface DeployResult {
  sandboxId: string;
  url: string;
  provider: string;
  redeployed: boolean;
  /** For a redeploy of a running app: whether the app was restarted (false when only static files changed). */
  restarted?: boolean;
}

export class Deployer {
  constructor(
    private readonly tree: AppTree,
    private readonly registry: SandboxRegistry,
    private readonly providers: Providers,
    private readonly previews: PreviewManager,
    private readonly diagnostics: AppDiagnostics,
    private readonly secrets: Secrets,
    private readonly settings: () => Settings,
    private readonly logger: Logger,
  ) {}

  async deploy(app: AppMeta, opts: DeployOptions = {}): Promise<DeployResult> {
    try {
      return await this.deployApp(app, opts);
    } catch (err) {
      // The one error path offers actions for this app (Fix with Claude after a failed step).
      throw tagApp(err, app.id);
    }
  }

  private async deployApp(app: AppMeta, opts: DeployOptions): Promise<DeployResult> {
    if (!opts.quiet) await this.saveOpenEditors(app);
    const { spec, findings, generator } = this.tree.specOf(app);
    this.diagnostics.refresh(app);
    if (!spec || hasErrors(findings)) {
      const n = findings.filter((f) => f.severity === 'error').length;
      throw new SpawnError('blocked', `Deploy blocked: ${app.name} has ${n} error${n === 1 ? '' : 's'} (see Problems).`);
    }
    const existing = this.registry.forApp(app.id);
    if (existing?.status === 'starting') throw new SpawnError('usage', `${app.name} is being deployed already.`);
    if (existing?.found && !existing.sandbox && !existing.foreign && existing.providerRef.adopt) {
      // This window's sandbox from before a reload: take it over rather than start a second one beside it.
      try {
        this.registry.update(existing, { sandbox: await existing.providerRef.adopt(existing.id) });
        this.logger.scope('deploy').info(`took over ${existing.provider} sandbox ${existing.id} for ${app.name}`);
      } catch (err) {
        if (!(err instanceof SpawnError && err.code === 'deploy.not_found')) throw err;
        this.registry.remove(existing.id);
        return this.deployApp(app, opts);
      }
    }
    if (existing?.sandbox) return this.redeploy(app, existing, spec, findings, generator, opts);
    if (existing && !existing.sandbox && !existing.found) this.registry.remove(existing.id);

    const provider = await this.chooseProvider(opts.provider ?? this.settings().sandboxProvider);
    if (!opts.confirm) await this.confirm(app, spec, findings, generator, provider);
    return this.firstDeploy(app, spec, findings, provider, opts);
  }

  private async firstDeploy(app: AppMeta, spec: AppSpec, findings: Finding[], provider: SandboxProvider, opts: DeployOptions): Promise<DeployResult> {
    const log = this.logger.scope('deploy');
    log.info(`deploying ${app.name} to ${provider.id}`);
    this.previews.createOrShow(app.id, { preserveFocus: true });
    let entry: SandboxEntry | undefined;
    const tracking = trackCreate(provider, (sandbox) => {
      entry = this.registry.add(sandbox, provider, app);
      entry.confirmedWarnings = warningKeys(findings);
    });
    return vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Deploying ${app.name}`, cancellable: true },
      async (progress, token) => {
        const signal = abortSignalFrom(token, opts.token);
        try {
          const deployment = await deploy({
            spec,
            provider: tracking,
            appName: app.name,
            signal,
            onEvent: (e) => this.render(e, () => entry, progress, app),
            logger: this.logger.scope(provider.id),
            timeoutMs: this.settings().sandboxTimeoutMinutes * 60_000 || DEFAULTS.sandboxTimeoutMs,
            metadata: { client: 'vscode', appId: app.id, appName: app.name, appType: spec.appType },
          });
          if (!entry) throw new SpawnError('deploy.failed', 'The sandbox was not recorded.');
          this.registry.markRunning(entry, deployment);
          this.watchExit(entry, deployment);
          await this.registry.refreshInfo(entry);
          this.registry.log(entry, `Ready at ${deployment.url}`);
          return { sandboxId: entry.id, url: deployment.url, provider: provider.id, redeployed: false };
        } catch (err) {
          // The core has destroyed the sandbox already (on failure and on cancel).
          if (isCancelled(err) || signal.aborted) {
            if (entry) this.registry.remove(entry.id);
            this.previews.close(app.id);
            throw new CancelledError();
          }
          if (entry) this.registry.markFailed(entry, err, { sandboxGone: true });
          throw err;
        }
      },
    );
  }

  /**
   * Updates the app's sandbox in place. A running app goes through the core's redeploy (only changed files
   * written, removed ones deleted, install and restart only when needed); a failed or stopped one is started
   * afresh in the same sandbox.
   */
  private async redeploy(app: AppMeta, entry: SandboxEntry, spec: AppSpec, findings: Finding[], generator: string | undefined, opts: DeployOptions): Promise<DeployResult> {
    const sandbox = entry.sandbox!;
    const fresh = warningKeys(findings).filter((k) => !entry.confirmedWarnings.includes(k));
    if (!opts.confirm && fresh.length) await this.confirm(app, spec, findings, generator, entry.providerRef, true);
    entry.confirmedWarnings = [...new Set([...entry.confirmedWarnings, ...fresh])];
    const previous = entry.deployment;
    const running = entry.status === 'running' && previous !== undefined;
    this.logger.scope('deploy').info(`redeploying ${app.name} into ${entry.provider} sandbox ${entry.id}${running ? '' : ' (restarting it)'}`);
    if (!opts.quiet) this.previews.createOrShow(app.id, { preserveFocus: true });
    this.registry.update(entry, { status: 'starting', phase: PHASE_LABELS.write, error: undefined });
    return vscode.window.withProgress(
      opts.quiet
        ? { location: vscode.ProgressLocation.Window, title: `Redeploying ${app.name}` }
        : { location: vscode.ProgressLocation.Notification, title: `Redeploying ${app.name}`, cancellable: true },
      async (progress, token) => {
        const signal = abortSignalFrom(token, opts.token);
        const step = { provider: entry.providerRef, signal, onEvent: (e: SpawnEvent) => this.render(e, () => entry, progress, app), logger: this.logger.scope(entry.provider) };
        try {
          let deployment: Deployment;
          let restarted = true;
          if (running) {
            const r = await redeploy(previous, spec, step);
            deployment = r.deployment;
            restarted = r.plan.restart;
            this.registry.log(entry, `Redeploy: ${describePlan(r.plan)}`);
          } else {
            await previous?.process.kill();
            const sameDeps = !!previous && JSON.stringify(previous.spec.dependencies) === JSON.stringify(spec.dependencies);
            deployment = await startIn(sandbox, spec, { ...step, skipInstall: sameDeps });
          }
          this.registry.markRunning(entry, deployment);
          this.watchExit(entry, deployment);
          this.registry.log(entry, `Redeployed; ready at ${deployment.url}`);
          this.previews.reload(app.id);
          return { sandboxId: entry.id, url: deployment.url, provider: entry.provider, redeployed: true, restarted };
        } catch (err) {
          const cancelled = isCancelled(err) || signal.aborted;
          this.registry.markFailed(entry, cancelled ? new SpawnError('cancelled', 'The redeploy was cancelled; the app may not be running.') : err, { sandboxGone: false });
          throw cancelled ? new CancelledError() : err;
        }
      },
    );
  }

  /** An app that stops on its own after it was ready shows as failed, with its last output. */
  private watchExit(entry: SandboxEntry, deployment: Deployment): void {
    void deployment.process.exited.then(({ exitCode }) => {
      if (entry.deployment !== deployment || entry.status !== 'running' || !this.registry.get(entry.id)) return;
      this.registry.markFailed(entry, new SpawnError('deploy.start_failed', `The app stopped (exit code ${exitCode ?? 'unknown'}).`, deployment.output.text(20) || undefined), { sandboxGone: false });
    });
  }

  private render(e: SpawnEvent, entry: () => SandboxEntry | undefined, progress: vscode.Progress<{ message?: string }>, app: AppMeta): void {
    const sb = entry();
    const log = this.logger.scope(`app:${app.name}`);
    switch (e.event) {
      case 'phase':
        if (e.status === 'started') {
          progress.report({ message: PHASE_LABELS[e.phase] });
          if (sb) this.registry.update(sb, { phase: PHASE_LABELS[e.phase] });
        }
        if (sb) this.registry.log(sb, `• ${e.phase} ${e.status}${e.durationMs !== undefined ? ` (${e.durationMs} ms)` : ''}${e.detail ? ` — ${e.detail}` : ''}`);
        log.debug(`${e.phase} ${e.status}${e.durationMs !== undefined ? ` in ${e.durationMs} ms` : ''}`);
        break;
      case 'log':
        if (sb) this.registry.log(sb, `[${e.source}] ${e.line}`);
        log.info(`[${e.source}] ${e.line}`);
        break;
      case 'finding':
        if (sb) this.registry.log(sb, formatFinding(e));
        break;
      case 'ready':
        log.info(`ready at ${e.url} in ${e.durationMs ?? '?'} ms`);
        break;
      case 'error':
        log.error(`${e.message}${e.detail ? `\n${e.detail}` : ''}`);
        break;
      case 'cost':
        if (e.kind === 'generation') this.registry.addGenerationCost(e.usd);
        break;
      case 'file':
        break;
    }
  }

  /** The provider to use; when E2B is wanted but has no key, offers to set one or to run locally. */
  private async chooseProvider(choice: ProviderChoice): Promise<SandboxProvider> {
    if (choice === 'e2b' && !(await this.secrets.has('e2b'))) {
      const pick = await vscode.window.showWarningMessage(
        'The E2B provider needs an API key.',
        { modal: true, detail: 'Set a key now, or run this app with the local runner on this machine instead (not sandboxed).' },
        'Set E2B API Key',
        'Use Local Runner',
      );
      if (pick === 'Set E2B API Key') {
        if (!(await this.secrets.prompt('e2b'))) throw new CancelledError();
      } else if (pick === 'Use Local Runner') {
        return this.providers.get('local');
      } else {
        throw new CancelledError();
      }
    }
    return this.providers.get(choice);
  }

  /** The modal confirmation: which provider, what will run, the warnings. Throws CancelledError on "no". */
  private async confirm(app: AppMeta, spec: AppSpec, findings: Finding[], generator: string | undefined, provider: SandboxProvider, redeploy = false): Promise<void> {
    const s = this.settings();
    const c = deployConfirmation({
      appName: app.name,
      spec,
      findings,
      generator,
      ours: this.tree.isOurs(app),
      provider: provider.id,
      install: installCommand(spec, provider),
      e2bTemplate: s.e2bTemplate,
      timeoutMinutes: s.sandboxTimeoutMinutes,
      redeploy,
    });
    const ask = c.warn ? vscode.window.showWarningMessage : vscode.window.showInformationMessage;
    const pick = await ask(c.message, { modal: true, detail: c.detail }, c.action);
    if (pick !== c.action) throw new CancelledError();
  }

  /** Dirty editors of the app are saved first: what the user sees is what runs. */
  private async saveOpenEditors(app: AppMeta): Promise<void> {
    const prefix = `/${app.name}/`;
    for (const doc of vscode.workspace.textDocuments) {
      if (doc.isDirty && isAppUri(doc.uri) && doc.uri.path.startsWith(prefix)) await doc.save();
    }
  }
}

/** A provider that tells us about the sandbox the moment it is created (so cancel and failure can find it). */
function trackCreate(inner: SandboxProvider, onCreated: (sandbox: Sandbox) => void): SandboxProvider {
  return {
    id: inner.id,
    preinstalled: (dep, eco) => inner.preinstalled?.(dep, eco) ?? false,
    async create(o) {
      const sb = await inner.create(o);
      onCreated(sb);
      return sb;
    },
    list: () => inner.list(),
    destroy: (id) => inner.destroy(id),
    extendTimeout: (id, ms) => inner.extendTimeout(id, ms),
  };
}

/** One AbortSignal that fires when any of the tokens is cancelled. */
export function abortSignalFrom(...tokens: (vscode.CancellationToken | undefined)[]): AbortSignal {
  const ac = new AbortController();
  for (const t of tokens) {
    if (!t) continue;
    if (t.isCancellationRequested) ac.abort();
    else t.onCancellationRequested(() => ac.abort());
  }
  return ac.signal;
}

function warningKeys(findings: Finding[]): string[] {
  return findings.filter((f) => f.severity === 'warning').map((f) => `${f.rule}|${f.path ?? ''}|${f.message}`);
}

function describePlan(plan: RedeployPlan): string {
  const d = plan.diff;
  const parts = [`${d.added.length} added, ${d.changed.length} changed, ${d.deleted.length} deleted`];
  if (plan.install) parts.push('dependencies reinstalled');
  parts.push(plan.restart ? 'restarted' : 'no restart needed');
  return parts.join('; ');
}
