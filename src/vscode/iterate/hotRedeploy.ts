/**
 * Hot redeploy: saving a file of a running app updates its sandbox in place through the core's redeploy (only
 * changed files are written; a webapp's static files need no restart) and reloads the preview. Saves in quick
 * succession are debounced into one redeploy; a save during a redeploy is picked up right after it. Progress and
 * the outcome show briefly in the status bar; failures go through the one error path. `spawnApp.redeployOnSave`.
 */
import * as vscode from 'vscode';
import type { AppTree } from '../../core/workspace/appTree';
import { SpawnError } from '../../core/base/errors';
import type { DeployService } from '../deploy/deployService';
import { Disposable, toDisposable } from '../base/dispose';
import type { ErrorReporter } from '../base/errorReporter';
import { isAppUri } from '../fs/appUri';
import type { LogChannel } from '../base/logChannel';
import type { Settings } from '../base/settings';

export const HOT_REDEPLOY_ID = 'spawnApp.redeployOnSave';

export class HotRedeploy extends Disposable {
  private readonly timers = new Map<string, ReturnType<typeof setTimeout>>();
  /** Fires after each hot redeploy (tests, the benchmark): the app, and whether it restarted. */
  private readonly _onDidRedeploy = this._register(new vscode.EventEmitter<{ appId: string; restarted: boolean; ms: number }>());
  readonly onDidRedeploy = this._onDidRedeploy.event;

  constructor(
    private readonly tree: AppTree,
    private readonly deploys: DeployService,
    private readonly reporter: ErrorReporter,
    private readonly settings: () => Settings,
    private readonly logger: LogChannel,
    private readonly debounceMs = 100,
  ) {
    super();
    this._register(vscode.workspace.onDidSaveTextDocument((doc) => this.onSave(doc)));
    this._register(toDisposable(() => {
      for (const t of this.timers.values()) clearTimeout(t);
      this.timers.clear();
    }));
  }

  private onSave(doc: vscode.TextDocument): void {
    if (!isAppUri(doc.uri) || !this.settings().redeployOnSave) return;
    const app = this.tree.appOf(doc.uri.path);
    if (!app || !this.deploys.isLive(app.id)) return;
    const t = this.timers.get(app.id);
    if (t) clearTimeout(t);
    this.timers.set(
      app.id,
      setTimeout(() => {
        this.timers.delete(app.id);
        void this.run(app.id);
      }, this.debounceMs),
    );
  }

  private async run(appId: string): Promise<void> {
    const app = this.tree.app(appId);
    if (!app) return;
    try {
      const t0 = performance.now();
      const r = await this.deploys.redeployIfChanged(app);
      if (!r) return;
      const ms = Math.round(performance.now() - t0);
      const files = [...r.diff.added, ...r.diff.changed, ...r.diff.deleted];
      const what = files.length === 1 ? files[0] : `${files.length || 'no'} files`;
      this.logger.scope('hot-redeploy').info(`${app.name}: ${what} redeployed in ${ms} ms${r.result.restarted ? ' (restarted)' : ' (no restart)'}`);
      vscode.window.setStatusBarMessage(`$(check) ${app.name}: ${what} updated${r.result.restarted ? ', restarted' : ''} · ${ms} ms`, 3000);
      this._onDidRedeploy.fire({ appId: app.id, restarted: r.result.restarted ?? true, ms });
    } catch (err) {
      // Errors in the files show in Problems; a save should not pop up a notification for them.
      if (err instanceof SpawnError && err.code === 'blocked') vscode.window.setStatusBarMessage(`$(error) ${app.name} not redeployed: fix the errors in Problems`, 5000);
      else this.reporter.report(HOT_REDEPLOY_ID, err);
    }
  }
}
