/**
 * Hot redeploy: saving a file of a running app updates its sandbox in place through the core's redeploy (only
 * changed files are written; a webapp's static files need no restart) and reloads the preview. Saves in quick
 * succession are debounced into one redeploy; a save during a redeploy is picked up right after it. Progress and
 * the outcome show briefly in the status bar; failures go through the one error path. `spawnApp.redeployOnSave`.
 */
import * as vscode from 'vscode';
import type { AppTree } from '../../core/appTree';
import { diffSpecs } from '../../core/iterate';
import { hasErrors } from '../../core/validate';
import { Disposable, toDisposable } from '../dispose';
import type { ErrorReporter } from '../errorReporter';
import { isAppUri } from '../fs/appUri';
import type { Logger } from '../logger';
import type { Settings } from '../settings';
import type { AppIterator } from './appIterator';

export const HOT_REDEPLOY_ID = 'spawnApp.redeployOnSave';

export class HotRedeploy extends Disposable {
  private readonly timers = new Map<string, ReturnType<typeof setTimeout>>();
  /** Fires after each hot redeploy (tests, the benchmark): the app, and whether it restarted. */
  private readonly _onDidRedeploy = this._register(new vscode.EventEmitter<{ appId: string; restarted: boolean; ms: number }>());
  readonly onDidRedeploy = this._onDidRedeploy.event;

  constructor(
    private readonly tree: AppTree,
    private readonly iterate: AppIterator,
    private readonly reporter: ErrorReporter,
    private readonly settings: () => Settings,
    private readonly logger: Logger,
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
    if (!app || !this.iterate.isRunning(app)) return;
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
    const log = this.logger.scope('hot-redeploy');
    try {
      await this.iterate.queue.run(app.id, async () => {
        const entry = this.iterate.isRunning(app);
        // Another deploy is under way (it read the saved files already), or the app stopped: nothing to do.
        if (!entry?.deployment) return;
        const { spec, findings } = this.tree.specOf(app);
        if (!spec || hasErrors(findings)) {
          const n = findings.filter((f) => f.severity === 'error').length || 1;
          vscode.window.setStatusBarMessage(`$(error) ${app.name} not redeployed: ${n} error${n === 1 ? '' : 's'} (see Problems)`, 5000);
          return;
        }
        const d = diffSpecs(entry.deployment.spec, spec);
        const files = [...d.added, ...d.changed, ...d.deleted];
        if (!files.length && !d.startChanged && !d.depsChanged) return;
        const t0 = performance.now();
        const r = await this.iterate.redeployNow(app, { quiet: true });
        const ms = Math.round(performance.now() - t0);
        const what = files.length === 1 ? files[0] : `${files.length || 'no'} files`;
        log.info(`${app.name}: ${what} redeployed in ${ms} ms${r.restarted ? ' (restarted)' : ' (no restart)'}`);
        vscode.window.setStatusBarMessage(`$(check) ${app.name}: ${what} updated${r.restarted ? ', restarted' : ''} · ${ms} ms`, 3000);
        this._onDidRedeploy.fire({ appId: app.id, restarted: r.restarted ?? true, ms });
      });
    } catch (err) {
      this.reporter.report(HOT_REDEPLOY_ID, err);
    }
  }
}
