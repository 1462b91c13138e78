/**
 * The composition root: builds the services, injects them through constructors, registers everything and pushes
 * every disposable. Nothing here loads an SDK: the core imports Claude and E2B lazily, when first used.
 */
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import { AppTree } from './core/workspace/appTree';
import type { Services } from './vscode/commands/command';
import { registerCommands } from './vscode/commands/registerCommands';
import type { CommandPolicy } from './vscode/commands/scriptedOptions';
import { setContext } from './vscode/base/contextKeys';
import { DeployDialogs } from './vscode/deploy/deployDialogs';
import { DeployService } from './vscode/deploy/deployService';
import { WindowVerifier } from './vscode/deploy/windowVerifier';
import { DeployHistory } from './vscode/deploy/deployHistory';
import { AppDiagnostics } from './vscode/fs/diagnostics';
import { ErrorReporter } from './vscode/base/errorReporter';
import { AppFileSystemProvider } from './vscode/fs/appFileSystemProvider';
import type { AppIterator } from './vscode/iterate/appIterator';
import type { HotRedeploy } from './vscode/iterate/hotRedeploy';
import { AppHistory, createIterate } from './vscode/iterate';
import { AppPersistence } from './vscode/fs/appPersistence';
import { WindowDraftNotices } from './vscode/fs/draftNotices';
import { findingsSection } from './vscode/fs/findingsSection';
import { SCHEME } from './vscode/fs/appUri';
import { LogChannel } from './vscode/base/logChannel';
import { WindowSession } from './vscode/base/session';
import { Providers } from './vscode/sandboxes/providers';
import { Secrets } from './vscode/base/secrets';
import { coreConfig, settingsReader } from './vscode/base/settings';
import { Spawner } from './vscode/generate/spawner';
import { VscodeLanguageModels } from './vscode/generate/vscodeLanguageModels';
import { SessionStatusBar } from './vscode/views/statusBar';
import { MementoSpendStore, SpendingCap } from './vscode/cost/spendingCap';
import { AppsTreeProvider } from './vscode/views/appsTreeProvider';
import { AgentTools } from './vscode/lm/agentTools';
import { registerAgentTools } from './vscode/lm/registerAgentTools';
import { SandboxDiscovery } from './vscode/sandboxes/sandboxDiscovery';
import { SandboxLogs } from './vscode/sandboxes/sandboxLogs';
import { SandboxTerminals } from './vscode/sandboxes/sandboxTerminals';
import { SandboxTimeouts } from './vscode/sandboxes/sandboxTimeouts';
import { SandboxRegistry } from './vscode/sandboxes/sandboxRegistry';
import { SessionCost } from './vscode/cost/sessionCost';
import { SandboxTreeProvider } from './vscode/views/sandboxTreeProvider';
import { PreviewManager } from './vscode/webview/previewManager';

/** What `activate` returns: the models, for other extensions and the integration tests. */
export interface SpawnAppApi {
  readonly tree: AppTree;
  readonly registry: SandboxRegistry;
  readonly sandboxLogs: SandboxLogs;
  readonly sessionCost: SessionCost;
  readonly discovery: SandboxDiscovery;
  readonly sandboxTree: SandboxTreeProvider;
  readonly appsTree: AppsTreeProvider;
  readonly previews: PreviewManager;
  /** Terminals into sandboxes (Open Terminal). */
  readonly terminals: SandboxTerminals;
  /** Only when VS Code runs the extension's tests (ExtensionMode.Test). */
  readonly testing?: {
    readonly secrets: Secrets;
    readonly reporter: ErrorReporter;
    readonly localRoot: string;
    readonly drafts: AppPersistence;
    readonly draftNotices: WindowDraftNotices;
    readonly history: DeployHistory;
    readonly sessionId: string;
    readonly iterate: AppIterator;
    readonly hotRedeploy: HotRedeploy;
    /** Answers deploy confirmations instead of the modal dialog (`answerWith`). */
    readonly deployDialogs: DeployDialogs;
    /** Turn `scriptedOptions` off to call commands with Production semantics (as another extension would). */
    readonly commandPolicy: CommandPolicy;
    /** The deploy owner (its pre-warms). */
    readonly deploys: DeployService;
    /** Today's spending cap; answers "start past the cap?" through `answerWith`. */
    readonly spendingCap: SpendingCap;
  };
}

export function activate(context: vscode.ExtensionContext): SpawnAppApi {
  const push = <T extends vscode.Disposable>(d: T): T => {
    context.subscriptions.push(d);
    return d;
  };
  const logger = push(new LogChannel());
  const sessionId = windowSession(context);
  const readSettings = settingsReader(context.extension.packageJSON as Parameters<typeof settingsReader>[0]);
  const secrets = push(new Secrets(context.secrets, logger));
  const config = async () => coreConfig(readSettings(), secrets, sessionId);
  // The one app session of this window (core/session): the extension supplies only its ports. They are called once
  // everything below is built (a deploy dialog, the cap's question), never during activation.
  const sessionLog = logger.scope('session');
  const late: { dialogs?: DeployDialogs; cap?: SpendingCap; tree?: AppTree } = {};
  const sessions = new WindowSession({
    config,
    local: { network: () => readSettings().localNetwork, allowLan: () => readSettings().localAllowLan },
    budgetUsd: () => readSettings().budgetUsd,
    // Fix rounds after a failed verification: the session runs them in its deploy (core/session).
    fixRounds: () => readSettings().autoVerifyFix,
    ports: {
      ask: {
        unsandboxedRun: (q) => late.dialogs!.askPerson({ message: q.message, detail: q.where, action: 'Run', warn: true, unsandboxedModelCode: q.origin === 'model' }),
        pastCap: (q) => late.cap!.askPastCap(q),
        // Every deploy is confirmed in a modal; the session says when (and whether the code would run unsandboxed).
        deploy: (q): Promise<boolean> => late.dialogs!.askDeploy(q, late.tree?.app(q.app)?.name ?? q.app),
      },
      spend: new MementoSpendStore(context.globalState),
      // Pipeline events are rendered by the deploy and generate services themselves; the session's own notes are logged.
      progress: (e, app) => {
        if (e.event === 'notice' || e.event === 'warning' || e.event === 'budget' || (e.event === 'fix' && e.status === 'stopped')) sessionLog.info(`${app ? `${app}: ` : ''}${e.message}`);
        if (e.event === 'budget') late.cap?.onBudget(e);
      },
      logger: sessionLog,
    },
  });
  const providers = new Providers(sessions);

  // What this window's template generator wrote is marked in the session's one trust digest.
  const tree = (late.tree = new AppTree(sessions.session.trusted));
  const registry = push(new SandboxRegistry(logger.scope('sandboxes')));
  const sandboxLogs = push(new SandboxLogs(registry));
  const sessionCost = push(new SessionCost(registry, sessions.session));
  const discovery = push(new SandboxDiscovery(registry, () => providers.available(), logger.scope('sandboxes')));
  const diagnostics = push(new AppDiagnostics(tree));
  const history = push(new DeployHistory(registry));
  // Drafts: every app (files, findings, deploy history) in global storage, restored before anything reads the tree.
  const draftNotices = new WindowDraftNotices();
  const drafts = push(new AppPersistence(tree, context.globalStorageUri.fsPath, logger.scope('drafts'), { notices: draftNotices }));
  drafts.addSection(findingsSection(diagnostics));
  drafts.addSection(history);
  const versions = push(new AppHistory(tree, registry, logger.scope('versions'), {}, vscode.Uri.joinPath(context.globalStorageUri, 'screenshots')));
  drafts.addSection(versions);
  drafts.load();
  const fsProvider = push(new AppFileSystemProvider(tree));
  push(vscode.workspace.registerFileSystemProvider(SCHEME, fsProvider, { isCaseSensitive: true }));

  const discover = () => discovery.discover();
  push(discovery.onDidStopOrphans((stopped) => showStoppedOrphans(stopped.map((o) => o.appName))));
  const previews = push(new PreviewManager(vscode.Uri.joinPath(context.extensionUri, 'media'), tree, registry, discover, () => readSettings().sandboxTimeoutMinutes * 60_000));
  const terminals = push(new SandboxTerminals(registry, logger.scope('terminal')));
  push(new SandboxTimeouts(registry, discover));
  const deployDialogs = (late.dialogs = new DeployDialogs(providers, secrets, readSettings));
  const verifier = push(new WindowVerifier(() => readSettings().browserPath));
  const deploys = push(new DeployService(tree, diagnostics, deployDialogs, { registry, logs: sandboxLogs, discovery, previews, settings: readSettings, logger, appSecrets: (id) => secrets.appSecrets(id), verifier: () => (readSettings().verifyDeploys ? verifier.get() : false) }, sessions));
  const chatModels = new VscodeLanguageModels(() => readSettings().chatModel);
  const spawner = new Spawner(tree, diagnostics, secrets, readSettings, sessions, logger, chatModels, deploys);
  const reporter = new ErrorReporter(logger);
  const { iterate, hotRedeploy, disposables: iterateDisposables } = createIterate({ tree, history: versions, registry, logs: sandboxLogs, deploys, diagnostics, secrets, reporter, settings: readSettings, sessions, logger, models: chatModels });
  for (const d of iterateDisposables) push(d);

  const sandboxTree = push(new SandboxTreeProvider(registry, discovery, () => void discover()));
  const sandboxView = push(vscode.window.createTreeView('spawnApp.sandboxes', { treeDataProvider: sandboxTree }));
  push(sandboxView.onDidChangeVisibility((e) => sandboxTree.setVisible(e.visible)));
  sandboxTree.setVisible(sandboxView.visible);
  const appsTree = push(new AppsTreeProvider(tree, registry, versions));
  push(vscode.window.createTreeView('spawnApp.apps', { treeDataProvider: appsTree }));
  const spendingCap = (late.cap = push(new SpendingCap(registry, sandboxLogs, sessions.session)));
  push(new SessionStatusBar(registry, sessionCost, spendingCap));

  const services: Services = { tree, registry, logs: sandboxLogs, discovery, terminals, providers, spawner, deploys, previews, diagnostics, drafts, secrets, logger, reporter, iterate, config, settings: readSettings, sessions };
  // Other extensions can execute our commands: options that set keys or skip a confirmation work only in tests.
  const commandPolicy: CommandPolicy = { scriptedOptions: context.extensionMode === vscode.ExtensionMode.Test };
  for (const d of registerCommands(services, commandPolicy)) push(d);
  // The agent tools (Copilot's agent mode, vscode.lm.invokeTool) go through the same services as the commands.
  const agentTools = new AgentTools({ ...services, dialogs: deployDialogs });
  for (const d of registerAgentTools(agentTools, (input) => (typeof input.appId === 'string' ? tree.app(input.appId)?.name : undefined))) push(d);

  const updateHasApps = () => setContext('spawnApp.hasApps', tree.apps().length > 0);
  const offTree = tree.onDidChange(updateHasApps);
  push({ dispose: offTree });
  updateHasApps();
  void secrets.refreshContext();
  push(
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('spawnApp')) providers.reset();
    }),
  );
  push(secrets.onDidChange(() => providers.reset()));
  for (const app of tree.apps()) diagnostics.refresh(app);
  // Nothing runs unseen: this window's sandboxes that outlived a reload reappear, other windows' are listed apart,
  // local apps a crashed window left running are stopped.
  void discover();
  logger.scope('activate').info(`Spawn App ${String(context.extension.packageJSON.version)} activated (session ${sessionId})`);

  return {
    tree,
    registry,
    sandboxLogs,
    sessionCost,
    discovery,
    sandboxTree,
    appsTree,
    previews,
    terminals,
    testing:
      context.extensionMode === vscode.ExtensionMode.Test
        ? { secrets, reporter, localRoot: providers.local.root, drafts, draftNotices, history, sessionId, iterate, hotRedeploy, deployDialogs, commandPolicy, deploys, spendingCap }
        : undefined,
  };
}

/**
 * This window's session id (E2B metadata): kept in the workspace's state, so that after a window reload the
 * sandboxes this window started are its own again, while other windows' and machines' are listed apart.
 */
function windowSession(context: vscode.ExtensionContext): string {
  const key = 'spawnApp.sessionId';
  const known = context.workspaceState.get<string>(key);
  if (known) return known;
  const id = randomBytes(6).toString('hex');
  void context.workspaceState.update(key, id);
  return id;
}

function showStoppedOrphans(names: string[]): void {
  const what = names.length === 1 ? `the local app ${names[0]}` : `${names.length} local apps (${names.join(', ')})`;
  void vscode.window
    .showInformationMessage(`Spawn App stopped ${what}, left running by a window that closed unexpectedly. Deploy again to run it.`, 'Show Log')
    .then((pick) => pick && vscode.commands.executeCommand('spawnApp.showLog'));
}

export function deactivate(): void {
  // Everything is in context.subscriptions; local sandboxes stop with the registry.
}
