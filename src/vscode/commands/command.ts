/** What every command gets: the services built in `activate`, injected (no globals). */
import type { AppTree } from '../../core/workspace/appTree';
import type { Settings } from '../base/settings';
import type { CoreConfig } from '../../core/base/config';
import type { DeployService } from '../deploy/deployService';
import type { AppDiagnostics } from '../fs/diagnostics';
import type { AppPersistence } from '../fs/appPersistence';
import type { ErrorReporter } from '../base/errorReporter';
import type { AppIterator } from '../iterate/appIterator';
import type { LogChannel } from '../base/logChannel';
import type { Providers } from '../sandboxes/providers';
import type { Secrets } from '../base/secrets';
import type { Spawner } from '../generate/spawner';
import type { SandboxDiscovery } from '../sandboxes/sandboxDiscovery';
import type { SandboxLogs } from '../sandboxes/sandboxLogs';
import type { SandboxRegistry } from '../sandboxes/sandboxRegistry';
import type { SandboxTerminals } from '../sandboxes/sandboxTerminals';
import type { PreviewManager } from '../webview/previewManager';
import type { WindowSession } from '../base/session';

export interface Services {
  tree: AppTree;
  registry: SandboxRegistry;
  logs: SandboxLogs;
  discovery: SandboxDiscovery;
  /** Terminals into sandboxes (Open Terminal). */
  terminals: SandboxTerminals;
  providers: Providers;
  spawner: Spawner;
  /** Every deploy goes through it (one at a time per app). */
  deploys: DeployService;
  previews: PreviewManager;
  diagnostics: AppDiagnostics;
  /** The saved drafts (global storage). */
  drafts: AppPersistence;
  secrets: Secrets;
  logger: LogChannel;
  reporter: ErrorReporter;
  /** Refine, Fix with Claude, versions (src/vscode/iterate/). */
  iterate: AppIterator;
  /** The core settings now (settings + secrets). */
  config: () => Promise<CoreConfig>;
  /** The extension's settings now. */
  settings: () => Settings;
  /** The app session of this window (core/session), with the settings and keys as they are now. */
  sessions: WindowSession;
}

export interface Command {
  readonly id: string;
  run(services: Services, ...args: unknown[]): unknown;
  /** Its failure message offers Retry (the same command, the same arguments). */
  readonly retryable?: boolean;
}

/** Declares a command; `registerCommands` registers it through the one error wrapper. */
export function defineCommand(id: string, run: (services: Services, ...args: unknown[]) => unknown, opts: { retryable?: boolean } = {}): Command {
  return { id, run, ...opts };
}
