/**
 * The composition root: builds the services, injects them through constructors, registers everything and pushes
 * every disposable. Nothing here loads an SDK: the core imports Claude and E2B lazily, when first used.
 */
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import { AppTree } from './core/appTree';
import type { Services } from './vscode/commands/command';
import { registerCommands } from './vscode/commands/registerCommands';
import { setContext } from './vscode/contextKeys';
import { Deployer } from './vscode/deployer';
import { AppDiagnostics } from './vscode/diagnostics';
import { ErrorReporter } from './vscode/errorReporter';
import { AppFileSystemProvider } from './vscode/fs/appFileSystemProvider';
import type { AppIterator } from './vscode/iterate/appIterator';
import type { HotRedeploy } from './vscode/iterate/hotRedeploy';
import { createIterate } from './vscode/iterate';
import { AppPersistence } from './vscode/fs/appPersistence';
import { SCHEME } from './vscode/fs/appUri';
import { Logger } from './vscode/logger';
import { Providers } from './vscode/providers';
import { Secrets } from './vscode/secrets';
import { coreConfig, readSettings } from './vscode/settings';
import { Spawner } from './vscode/spawner';
import { SessionStatusBar } from './vscode/statusBar';
import { AppsTreeProvider } from './vscode/views/appsTreeProvider';
import { SandboxRegistry } from './vscode/views/sandboxRegistry';
import { SandboxTreeProvider } from './vscode/views/sandboxTreeProvider';
import { PreviewManager } from './vscode/webview/previewManager';

/** What `activate` returns: the models, for other extensions and the integration tests. */
export interface SpawnAppApi {
  readonly tree: AppTree;
  readonly registry: SandboxRegistry;
  readonly sandboxTree: SandboxTreeProvider;
  readonly appsTree: AppsTreeProvider;
  readonly previews: PreviewManager;
  /** Only when VS Code runs the extension's tests (ExtensionMode.Test). */
  readonly testing?: {
    readonly secrets: Secrets;
    readonly reporter: ErrorReporter;
    readonly localRoot: string;
    readonly iterate: AppIterator;
    readonly hotRedeploy: HotRedeploy;
  };
}

export function activate(context: vscode.ExtensionContext): SpawnAppApi {
  const push = <T extends vscode.Disposable>(d: T): T => {
    context.subscriptions.push(d);
    return d;
  };
  const sessionId = randomBytes(6).toString('hex');
  const logger = push(new Logger());
  const secrets = push(new Secrets(context.secrets, logger));
  const config = async () => coreConfig(readSettings(), secrets, sessionId);
  const providers = new Providers(config);

  const tree = new AppTree();
  const persistence = push(new AppPersistence(tree, (context.storageUri ?? context.globalStorageUri).fsPath, logger.scope('apps')));
  persistence.load();
  const fsProvider = push(new AppFileSystemProvider(tree));
  push(vscode.workspace.registerFileSystemProvider(SCHEME, fsProvider, { isCaseSensitive: true }));

  const registry = push(new SandboxRegistry(logger.scope('sandboxes')));
  const discover = () => registry.discover(() => providers.available());
  const diagnostics = push(new AppDiagnostics(tree));
  const previews = push(new PreviewManager(vscode.Uri.joinPath(context.extensionUri, 'media'), tree, registry, discover));
  const deployer = new Deployer(tree, registry, providers, previews, diagnostics, secrets, readSettings, logger);
  const spawner = new Spawner(tree, diagnostics, registry, secrets, readSettings, config, logger);
  const reporter = new ErrorReporter(logger);
  const { iterate, hotRedeploy, disposables: iterateDisposables } = createIterate({ tree, registry, deployer, diagnostics, secrets, reporter, settings: readSettings, config, logger });
  for (const d of iterateDisposables) push(d);

  const sandboxTree = push(new SandboxTreeProvider(registry, () => void discover()));
  const sandboxView = push(vscode.window.createTreeView('spawnApp.sandboxes', { treeDataProvider: sandboxTree }));
  push(sandboxView.onDidChangeVisibility((e) => sandboxTree.setVisible(e.visible)));
  sandboxTree.setVisible(sandboxView.visible);
  const appsTree = push(new AppsTreeProvider(tree, registry));
  push(vscode.window.createTreeView('spawnApp.apps', { treeDataProvider: appsTree }));
  push(new SessionStatusBar(registry));

  const services: Services = { tree, registry, providers, spawner, deployer, previews, diagnostics, secrets, logger, reporter, iterate, config };
  for (const d of registerCommands(services)) push(d);

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
  logger.scope('activate').info(`Spawn App ${String(context.extension.packageJSON.version)} activated (session ${sessionId})`);

  return {
    tree,
    registry,
    sandboxTree,
    appsTree,
    previews,
    testing: context.extensionMode === vscode.ExtensionMode.Test ? { secrets, reporter, localRoot: providers.local.root, iterate, hotRedeploy } : undefined,
  };
}

export function deactivate(): void {
  // Everything is in context.subscriptions; local sandboxes stop with the registry.
}
