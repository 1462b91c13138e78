/**
 * The one owner of deploys. Every path that deploys an app — Deploy App (the command, the preview's Retry), hot
 * redeploy on save, an accepted refine or fix, going back to a version, and later pre-warming and agent tools —
 * calls `deploy` (or `redeployIfChanged`), which runs in the app's turn of one per-app queue: two deploys of one
 * app never overlap. It takes over this window's sandbox found after a reload, resumes a paused one, tells the
 * app's session (core/session) which sandbox the app has, and lets it decide and deploy (deployRun): first deploy
 * vs update vs restart in place, the questions (its dialogs are the session's `ask.deploy` port), trust, the cap
 * before a new billed sandbox, pre-warm take and extend.
 */
import * as vscode from 'vscode';
import type { AppMeta } from '../../core/workspace/treeTypes';
import type { AppTree } from '../../core/workspace/appTree';
import { aboutApp, SpawnError } from '../../core/base/errors';
import type { SpecDiff } from '../../core/workspace/specDiff';
import { diffSpecs } from '../../core/workspace/specDiff';
import { KeyedQueue } from '../../core/base/keyedQueue';
import type { DiscardReason, Prewarm } from '../../core/deploy/prewarm';
import type { SandboxProvider } from '../../core/sandbox/types';
import type { ProviderChoice } from '../../core/sandbox';
import type { AppSpec, AppType } from '../../core/app/spec';
import { replaceAppFiles } from '../../core/workspace/treeEdits';
import { manifestText } from '../../core/workspace/treeText';
import { manifestOf } from '../../core/workspace/appDir';
import { hasErrors, MANIFEST_NAME } from '../../core/session';
import type { WindowSession } from '../base/session';
import type { AppDiagnostics } from '../fs/diagnostics';
import { isAppUri } from '../fs/appUri';
import { isLive, liveOrRedeploying } from '../sandboxes/sandboxEntry';
import type { DeployDialogs } from './deployDialogs';
import type { DeployResult, RunContext } from './deployRun';
import { runDeploy } from './deployRun';

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
  /**
   * Fix rounds on its own after a failed verification (default `spawnApp.autoVerifyFix`): 0 for the deploy of a
   * change Fix with Claude proposed, whose loop counts, shows and caps its attempts itself.
   */
  fix?: number;
}

export class DeployService implements vscode.Disposable {
  private readonly queue = new KeyedQueue();
  private readonly subscription: vscode.Disposable;

  constructor(
    private readonly tree: AppTree,
    private readonly diagnostics: AppDiagnostics,
    private readonly dialogs: DeployDialogs,
    private readonly run: RunContext,
    /** The app session: each app's deploys, its pre-warm, the questions, the cap, trust. */
    private readonly sessions: WindowSession,
  ) {
    // Destroyed from the Sandboxes view (or gone): that pre-warm is over.
    this.subscription = run.registry.onDidRemove((e) => {
      if (e.prewarmed && e.appId) void this.sessions.session.existing(e.appId)?.discardPrewarmIn(e.id, 'disposed');
    });
  }

  /**
   * Pre-warm (the Spawner calls it as generation starts): when this app's deploy will go to E2B and `spawnApp.prewarm`
   * is on, the app's session makes a sandbox from the app type's template now (never past today's cap); nothing is
   * written into it until a deploy takes it.
   */
  async startPrewarm(app: AppMeta, appType: AppType): Promise<void> {
    const s = this.run.settings();
    if (!s.prewarm) return;
    const provider = await this.dialogs.providerWithoutAsking(s.sandboxProvider);
    if (!provider) return;
    const session = await this.sessions.current();
    session.app(app.id, app.name).prewarmFor(provider, appType, {
      enabled: s.prewarm,
      appName: app.name,
      idleMs: s.prewarmMinutes * 60_000,
      metadata: { appId: app.id, appName: app.name },
      logger: this.run.logger.scope('prewarm'),
      onEvent: (e) => {
        if (e.kind === 'created') {
          this.run.registry.addPrewarmed(e.sandbox, provider, app);
          void this.run.discovery.refreshResources(e.sandbox.id); // CPU and memory: its seconds count in the session's cost
          this.run.logs.append(e.sandbox.id, `Pre-warmed ${provider.id} sandbox ${e.sandbox.id} in ${e.createMs} ms while the model writes; nothing runs in it until Deploy.`);
        } else if (e.kind === 'discarded') {
          if (e.sandboxId && this.run.registry.get(e.sandboxId)?.prewarmed) this.run.registry.remove(e.sandboxId);
        }
      },
    });
  }

  /** Kills the app's pre-warmed sandbox (generation failed or was cancelled, the app was deleted…). */
  async discardPrewarm(appId: string, reason: DiscardReason): Promise<void> {
    await this.sessions.session.existing(appId)?.discardPrewarm(reason);
  }

  /** The app's pre-warm, for tests and the view (undefined when none is pending). */
  prewarmOf(appId: string): Prewarm | undefined {
    return this.sessions.session.existing(appId)?.prewarmed;
  }

  dispose(): void {
    this.subscription.dispose();
    void this.sessions.session.discardPrewarms('disposed');
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
    const secrets = await this.run.appSecrets(app.id);
    // Validated with the app's secrets, as the session will before it asks: an error blocks here, with the Problems.
    const { spec, findings, generator } = this.tree.specOf(app, { secrets });
    this.diagnostics.refresh(app);
    if (!spec || hasErrors(findings)) {
      const n = findings.filter((f) => f.severity === 'error').length;
      throw new SpawnError('blocked', `Deploy blocked: ${app.name} has ${n} error${n === 1 ? '' : 's'} (see Problems).`);
    }
    let existing = registry.forApp(app.id);
    if (existing?.prewarmed) existing = undefined; // its pre-warmed sandbox: a first deploy takes it
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
    // The app's session decides: first deploy, update of the running app, or restart in place of a stopped one.
    const session = (await this.sessions.current()).app(app.id, app.name);
    session.useSecrets(secrets);
    session.setSpec(spec, generator);
    session.prompt ??= app.prompt; // what the user asked for: a fix request quotes it
    const own = existing?.origin === 'deployed' ? existing : undefined;
    session.attach(own?.sandbox ? { sandbox: own.sandbox, provider: own.providerRef, deployment: own.deployment, running: own.status === 'running' && own.deployment !== undefined, approved: own.approved } : undefined);
    // A fix round (the session's fix loop after a failed verification) writes its change into the editor's files too.
    const onFixed = (next: AppSpec) => replaceAppFiles(this.tree, app, [{ path: MANIFEST_NAME, content: manifestText(manifestOf(next)) }, ...next.files]);
    const run = { token: opts.token, quiet: opts.quiet, confirmed: opts.confirm, onFixed, fix: opts.fix };
    if ((await session.nextKind()) !== 'first') return runDeploy(this.run, app, session, own, run);
    if (own) registry.remove(own.id);
    let provider: SandboxProvider;
    try {
      provider = await this.dialogs.chooseProvider(opts.provider ?? this.run.settings().sandboxProvider);
    } catch (err) {
      await session.discardPrewarm('rejected'); // the user said no (or closed the dialog)
      throw err;
    }
    return runDeploy(this.run, app, session, undefined, { ...run, provider });
  }
}

/** Dirty editors of the app are saved first: what the user sees is what runs. */
async function saveOpenEditors(app: AppMeta): Promise<void> {
  const prefix = `/${app.name}/`;
  for (const doc of vscode.workspace.textDocuments) {
    if (doc.isDirty && isAppUri(doc.uri) && doc.uri.path.startsWith(prefix)) await doc.save();
  }
}
