/**
 * The one owner of deploys. Every path that deploys an app — Deploy App (the command, the preview's Retry), hot
 * redeploy on save, an accepted refine or fix, going back to a version, and later pre-warming and agent tools —
 * calls `deploy` (or `redeployIfChanged`), which runs in the app's turn of one per-app queue: two deploys of one
 * app never overlap. It decides first deploy vs redeploy, takes over this window's sandbox found after a reload,
 * asks before running anything the user has not approved, and hands the work to the core pipeline (deployRun).
 */
import * as vscode from 'vscode';
import type { AppMeta } from '../../core/workspace/treeTypes';
import type { AppTree } from '../../core/workspace/appTree';
import { aboutApp, SpawnError } from '../../core/base/errors';
import type { SpecDiff } from '../../core/workspace/specDiff';
import { diffSpecs } from '../../core/workspace/specDiff';
import { KeyedQueue } from '../../core/base/keyedQueue';
import type { DiscardReason, Prewarm } from '../../core/deploy/prewarm';
import type { ProviderChoice } from '../../core/sandbox';
import type { AppType } from '../../core/app/spec';
import { hasErrors } from '../../core/session';
import type { WindowSession } from '../base/session';
import type { AppDiagnostics } from '../fs/diagnostics';
import { isAppUri } from '../fs/appUri';
import { isLive, liveOrRedeploying } from '../sandboxes/sandboxEntry';
import type { DeployDialogs } from './deployDialogs';
import { approvalOf } from './deployDialogs';
import type { DeployResult, RunContext } from './deployRun';
import { firstDeploy, redeployInto } from './deployRun';

export type { DeployResult } from './deployRun';

export interface DeployRequest {
  /** Skip the confirmation dialog (the caller already asked, or a test/script drives it). */
  confirm?: boolean;
  /** Cancels like the progress notification's Cancel button. */
  token?: vscode.CancellationToken;
  /** Provider for a first deploy, instead of the setting. */
  provider?: ProviderChoice;
  /**
   * A background redeploy of a running app (hot redeploy on save): what is saved runs (other dirty editors are
   * not saved), progress shows in the status bar, and the preview reloads without being revealed.
   */
  quiet?: boolean;
}

export class DeployService implements vscode.Disposable {
  private readonly queue = new KeyedQueue();
  /** Sandboxes pre-warmed for apps being generated, by app id; only this service deploys into them. */
  private readonly prewarms = new Map<string, Prewarm>();
  private readonly subscription: vscode.Disposable;

  constructor(
    private readonly tree: AppTree,
    private readonly diagnostics: AppDiagnostics,
    private readonly dialogs: DeployDialogs,
    private readonly run: RunContext,
    /** The app session: whether to pre-warm, the take rule, first deploy vs update vs restart in place. */
    private readonly sessions: WindowSession,
  ) {
    // Destroyed from the Sandboxes view (or gone): that pre-warm is over.
    this.subscription = run.registry.onDidRemove((e) => {
      if (e.prewarmed && e.appId && this.prewarms.get(e.appId)?.current?.id === e.id) void this.discardPrewarm(e.appId, 'disposed');
    });
  }

  /**
   * Pre-warm (the Spawner calls it as generation starts): when this app's deploy will go to E2B and `spawnApp.prewarm`
   * is on, a sandbox from the app type's template is created now; nothing is written into it until a deploy takes it.
   */
  async startPrewarm(app: AppMeta, appType: AppType): Promise<void> {
    const s = this.run.settings();
    if (!s.prewarm || this.prewarms.has(app.id)) return;
    const provider = await this.dialogs.providerWithoutAsking(s.sandboxProvider);
    if (!provider) return;
    const log = this.run.logger.scope('prewarm');
    const session = await this.sessions.current();
    const prewarm = session.startPrewarm(provider, appType, {
      enabled: s.prewarm,
      appName: app.name,
      idleMs: s.prewarmMinutes * 60_000,
      metadata: { appId: app.id, appName: app.name },
      logger: log,
      onEvent: (e) => {
        if (e.kind === 'created') {
          this.run.registry.addPrewarmed(e.sandbox, provider, app);
          void this.run.discovery.refreshResources(e.sandbox.id); // CPU and memory: its seconds count in the session's cost
          this.run.logs.append(e.sandbox.id, `Pre-warmed ${provider.id} sandbox ${e.sandbox.id} in ${e.createMs} ms while the model writes; nothing runs in it until Deploy.`);
        } else if (e.kind === 'discarded') {
          if (this.prewarms.get(app.id) === prewarm) this.prewarms.delete(app.id);
          if (e.sandboxId && this.run.registry.get(e.sandboxId)?.prewarmed) this.run.registry.remove(e.sandboxId);
        } else if (e.kind === 'failed') {
          if (this.prewarms.get(app.id) === prewarm) this.prewarms.delete(app.id);
        }
      },
    });
    if (prewarm) this.prewarms.set(app.id, prewarm);
  }

  /** Kills the app's pre-warmed sandbox (generation failed or was cancelled, the app was deleted…). */
  async discardPrewarm(appId: string, reason: DiscardReason): Promise<void> {
    const prewarm = this.prewarms.get(appId);
    if (!prewarm) return;
    this.prewarms.delete(appId);
    await prewarm.discard(reason);
  }

  /** The app's pre-warm, for tests and the view (undefined when none is pending). */
  prewarmOf(appId: string): Prewarm | undefined {
    return this.prewarms.get(appId);
  }

  dispose(): void {
    this.subscription.dispose();
    for (const id of [...this.prewarms.keys()]) void this.discardPrewarm(id, 'disposed');
  }

  /** Deploys the app (or redeploys it into its sandbox), after any deploy of it already running or queued. */
  deploy(app: AppMeta, opts: DeployRequest = {}): Promise<DeployResult> {
    return this.queue.run(app.id, () => this.deployNow(app, opts)).catch((err: unknown) => {
      throw aboutApp(err, app.id);
    });
  }

  /**
   * Hot redeploy: in the app's turn, a quiet redeploy when the app still runs from this window and its files differ
   * from what runs; undefined when there is nothing to do (another deploy already took the saved files, or it stopped).
   */
  redeployIfChanged(app: AppMeta): Promise<{ result: DeployResult; diff: SpecDiff } | undefined> {
    const task = async () => {
      const entry = this.run.registry.forApp(app.id);
      if (!isLive(entry)) return undefined;
      // An unreadable manifest: deployNow says why (blocked).
      const spec = this.tree.specOf(app).spec ?? entry.deployment.spec;
      const diff = diffSpecs(entry.deployment.spec, spec);
      const unchanged = !diff.added.length && !diff.changed.length && !diff.deleted.length && !diff.startChanged && !diff.depsChanged;
      if (unchanged && this.tree.specOf(app).spec) return undefined;
      return { result: await this.deployNow(app, { quiet: true }), diff };
    };
    return this.queue.run(app.id, task).catch((err: unknown) => {
      throw aboutApp(err, app.id);
    });
  }

  /** Whether the app runs from this window, or is being redeployed there (so a change of its files can be redeployed in place). */
  isLive(appId: string): boolean {
    return liveOrRedeploying(this.run.registry.forApp(appId));
  }

  private async deployNow(app: AppMeta, opts: DeployRequest): Promise<DeployResult> {
    const { registry, logger } = this.run;
    if (!opts.quiet) await saveOpenEditors(app);
    // Validated with the app's secrets, as the pipeline will: their findings are in the dialog, before the yes.
    const { spec, findings, generator } = this.tree.specOf(app, { secrets: await this.run.appSecrets(app.id) });
    this.diagnostics.refresh(app);
    if (!spec || hasErrors(findings)) {
      const n = findings.filter((f) => f.severity === 'error').length;
      throw new SpawnError('blocked', `Deploy blocked: ${app.name} has ${n} error${n === 1 ? '' : 's'} (see Problems).`);
    }
    let existing = registry.forApp(app.id);
    if (existing?.prewarmed) existing = undefined; // its pre-warmed sandbox: a first deploy (below) takes it
    if (existing?.origin === 'reloaded' && existing.providerRef.takeOver) {
      // This window's sandbox from before a reload: take it over rather than start a second one beside it.
      const { id, provider } = existing;
      try {
        registry.takeOver(id, await existing.providerRef.takeOver(id));
        logger.scope('deploy').info(`took over ${provider} sandbox ${id} for ${app.name}`);
        existing = registry.get(id);
      } catch (err) {
        if (!(err instanceof SpawnError && err.code === 'deploy.not_found')) throw err;
        registry.remove(id);
        existing = undefined;
      }
    }
    if (existing?.origin === 'deployed' && existing.status === 'paused') {
      // A paused sandbox is resumed first, for the whole configured lifetime (never E2B's 5-minute default).
      await registry.resume(existing.id, this.run.settings().sandboxTimeoutMinutes * 60_000);
      existing = registry.get(existing.id);
    }
    // First deploy, update of the running app, or restart in place of a stopped one: the core's one rule.
    // The session's rules that read no settings: no need to configure it first (a hot redeploy stays quick).
    const session = this.sessions.session;
    const kind = session.deployKind(existing?.origin === 'deployed' ? { running: existing.status === 'running' && existing.deployment !== undefined, sandboxExists: existing.sandbox !== undefined } : undefined);
    if (existing?.origin === 'deployed' && existing.sandbox && kind !== 'first') {
      const sandbox = existing.sandbox;
      const approved = opts.confirm ? approvalOf(spec, findings, existing.approved) : await this.dialogs.confirm(app, spec, findings, { generator, ours: this.tree.isOurs(app) }, existing.providerRef, { approved: existing.approved });
      registry.approve(existing.id, approved);
      return redeployInto(this.run, app, { ...existing, sandbox }, spec, kind, opts);
    }
    if (existing?.origin === 'deployed') registry.remove(existing.id);
    const prewarm = this.prewarms.get(app.id);
    let provider: Awaited<ReturnType<DeployDialogs['chooseProvider']>>;
    let approved: ReturnType<typeof approvalOf>;
    try {
      provider = await this.dialogs.chooseProvider(opts.provider ?? this.run.settings().sandboxProvider);
      if (prewarm && provider.id !== prewarm.provider.id) await this.discardPrewarm(app.id, 'local-chosen');
      approved = opts.confirm ? approvalOf(spec, findings) : await this.dialogs.confirm(app, spec, findings, { generator, ours: this.tree.isOurs(app) }, provider);
    } catch (err) {
      await this.discardPrewarm(app.id, 'rejected'); // the user said no (or closed the dialog)
      throw err;
    }
    // Only now, confirmed, does anything of the app reach the pre-warmed sandbox (one of another app type is no use).
    const current = this.prewarms.get(app.id);
    this.prewarms.delete(app.id);
    const into = await session.takePrewarm(current, spec.appType, provider.id);
    return firstDeploy(this.run, app, spec, into ? current!.provider : provider, approved, { ...opts, into });
  }
}

/** Dirty editors of the app are saved first: what the user sees is what runs. */
async function saveOpenEditors(app: AppMeta): Promise<void> {
  const prefix = `/${app.name}/`;
  for (const doc of vscode.workspace.textDocuments) {
    if (doc.isDirty && isAppUri(doc.uri) && doc.uri.path.startsWith(prefix)) await doc.save();
  }
}
