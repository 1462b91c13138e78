/** Builds the iterate services (refine, fix, versions, hot redeploy) for the composition root. */
export { AppHistory } from './history';
import * as vscode from 'vscode';
import type { AppTree } from '../../core/workspace/appTree';
import type { WindowSession } from '../base/session';
import type { ChatModelSource } from '../generate/vscodeLanguageModels';
import type { DeployService } from '../deploy/deployService';
import type { AppDiagnostics } from '../fs/diagnostics';
import type { ErrorReporter } from '../base/errorReporter';
import type { LogChannel } from '../base/logChannel';
import type { Secrets } from '../base/secrets';
import type { Settings } from '../base/settings';
import type { SandboxLogs } from '../sandboxes/sandboxLogs';
import type { SandboxRegistry } from '../sandboxes/sandboxRegistry';
import { AppIterator } from './appIterator';
import { ClaudeChanges } from './claudeChanges';
import type { AppHistory } from './history';
import { HotRedeploy } from './hotRedeploy';
import { ProposalReview } from './proposals';
import { SNAPSHOT_SCHEME, SnapshotDocuments } from './snapshotDocuments';

export interface IterateDeps {
  tree: AppTree;
  /** The app versions (a draft section, so it is made and registered before the drafts load). */
  history: AppHistory;
  registry: SandboxRegistry;
  logs: SandboxLogs;
  deploys: DeployService;
  diagnostics: AppDiagnostics;
  secrets: Secrets;
  reporter: ErrorReporter;
  settings: () => Settings;
  /** The app session (the model that refines and fixes). */
  sessions: WindowSession;
  logger: LogChannel;
  /** VS Code's chat models, for refine and fix without an Anthropic key. */
  models?: ChatModelSource;
}

export function createIterate(d: IterateDeps): { iterate: AppIterator; hotRedeploy: HotRedeploy; disposables: vscode.Disposable[] } {
  const { history } = d;
  const snapshots = new SnapshotDocuments(d.tree, (appId, id) => history.get(appId, id)?.files);
  const proposals = new ProposalReview(d.tree, snapshots, d.logger.scope('refine'));
  const changes = new ClaudeChanges(d.tree, d.registry, d.diagnostics, history, d.secrets, d.settings, d.sessions, d.logger, d.models);
  const iterate = new AppIterator(d.tree, d.registry, d.logs, d.deploys, changes, d.diagnostics, history, proposals, snapshots, d.settings, d.logger, d.sessions);
  const hotRedeploy = new HotRedeploy(d.tree, d.deploys, d.reporter, d.settings, d.logger);
  return {
    iterate,
    hotRedeploy,
    disposables: [vscode.workspace.registerTextDocumentContentProvider(SNAPSHOT_SCHEME, snapshots), proposals, iterate, hotRedeploy],
  };
}
