/**
 * Creates, finds and restores preview panels (one per app, `createOrShow`), derives each panel's state from the
 * sandbox registry, and turns toolbar clicks into commands (so they share the commands' error path).
 */
import * as vscode from 'vscode';
import type { AppTree } from '../../core/workspace/appTree';
import { Disposable, toDisposable } from '../base/dispose';
import { messageOf } from '../../core/base/errors';
import type { SandboxEntry } from '../sandboxes/sandboxEntry';
import { fixNeeded } from '../sandboxes/sandboxEntry';
import type { SandboxRegistry } from '../sandboxes/sandboxRegistry';
import type { PreviewAction, PreviewState } from './messages';
import { PreviewPanel } from './previewPanel';
import type { VerifyResult } from '../../core/session';
import { formatProblem, NOT_CHECKED, verifySummary } from '../../core/session';

/** The preview's verification line: `Verified at 14:02:11 (412 ms)`, or the problems' count, with the time. */
export function checkLine(v: VerifyResult): string {
  const when = v.at ? ` at ${new Date(v.at).toLocaleTimeString()}` : '';
  if (v.state === 'verified') return `Verified in a browser${when} (${v.ms} ms)`;
  const s = verifySummary(v);
  return `${s[0]!.toUpperCase()}${s.slice(1)}${when}`;
}

export const PREVIEW_VIEW_TYPE = 'spawnApp.preview';

/** Which command each toolbar button runs. */
const ACTION_COMMANDS: Record<Exclude<PreviewAction, 'reload'>, string> = {
  openInBrowser: 'spawnApp.sandbox.openInBrowser',
  copyUrl: 'spawnApp.sandbox.copyUrl',
  showLogs: 'spawnApp.sandbox.showLogs',
  destroy: 'spawnApp.sandbox.destroy',
  retry: 'spawnApp.deploy',
  deploy: 'spawnApp.deploy',
  openInIntegratedBrowser: 'spawnApp.sandbox.openInIntegratedBrowser',
  refine: 'spawnApp.refine',
  fix: 'spawnApp.fix',
};

/** Opens a URL in a browser inside VS Code. */
export type IntegratedBrowser = (url: vscode.Uri) => Thenable<unknown>;

export class PreviewManager extends Disposable implements vscode.WebviewPanelSerializer<{ appId?: string }> {
  private readonly panels = new Map<string, PreviewPanel>();
  private integrated?: Promise<IntegratedBrowser | undefined>;
  private readonly external = new Map<string, Thenable<vscode.Uri>>();
  private readonly waking = new Set<string>();

  constructor(
    private readonly media: vscode.Uri,
    private readonly tree: AppTree,
    private readonly registry: SandboxRegistry,
    /** Lists the providers once, so a restored panel can find a sandbox that outlived the reload. */
    private readonly discover: () => Promise<void>,
    /** How long a paused sandbox is resumed for when its preview opens (the sandbox lifetime setting). */
    private readonly resumeMs: () => number = () => 15 * 60_000,
  ) {
    super();
    this._register(vscode.window.registerWebviewPanelSerializer(PREVIEW_VIEW_TYPE, this));
    this._register(registry.onDidChange(() => this.refreshAll()));
    const off = tree.onDidChange(() => {
      for (const [appId, panel] of this.panels) {
        if (!tree.app(appId)) panel.dispose();
      }
    });
    this._register(toDisposable(() => {
      off();
      for (const p of [...this.panels.values()]) p.dispose();
    }));
  }

  get(appId: string): PreviewPanel | undefined {
    return this.panels.get(appId);
  }

  /** Shows the app's panel beside the editor, creating it if needed. */
  createOrShow(appId: string, opts: { preserveFocus?: boolean } = {}): PreviewPanel {
    this.wakeFor(appId);
    const existing = this.panels.get(appId);
    if (existing) {
      existing.reveal(opts.preserveFocus ?? false);
      void this.refresh(appId);
      return existing;
    }
    const name = this.tree.app(appId)?.name ?? 'app';
    const panel = vscode.window.createWebviewPanel(
      PREVIEW_VIEW_TYPE,
      `Preview: ${name}`,
      { viewColumn: vscode.ViewColumn.Beside, preserveFocus: opts.preserveFocus ?? false },
      { enableScripts: true, localResourceRoots: [this.media], retainContextWhenHidden: true },
    );
    return this.attach(panel, appId);
  }

  close(appId: string): void {
    this.panels.get(appId)?.dispose();
  }

  async deserializeWebviewPanel(panel: vscode.WebviewPanel, state: { appId?: string } | undefined): Promise<void> {
    const appId = state?.appId;
    if (!appId || !this.tree.app(appId)) {
      panel.dispose();
      return;
    }
    this.attach(panel, appId);
    // A restored panel does not wake a paused sandbox (a reload would otherwise resume every one): it says it is paused.
    await this.discover().catch(() => undefined);
    await this.refresh(appId);
  }

  private attach(panel: vscode.WebviewPanel, appId: string): PreviewPanel {
    panel.iconPath = vscode.Uri.joinPath(this.media, 'spawn-app.svg');
    const p = new PreviewPanel(panel, appId, this.media, (id, action) => this.onAction(id, action));
    this.panels.set(appId, p);
    const sub = p.panel.onDidDispose(() => {
      sub.dispose();
      if (this.panels.get(appId) === p) this.panels.delete(appId);
    });
    // A first state at once (synchronously) so the panel never sits blank.
    p.setState(this.baseState(appId, this.registry.forApp(appId)));
    void this.refresh(appId);
    return p;
  }

  private refreshAll(): void {
    for (const appId of this.panels.keys()) void this.refresh(appId);
  }

  async refresh(appId: string): Promise<void> {
    const p = this.panels.get(appId);
    if (!p) return;
    const state = await this.stateFor(appId);
    p.setState(state);
  }

  /** Reloads the app in its panel (after a redeploy into the same sandbox). */
  reload(appId: string): void {
    this.panels.get(appId)?.reload();
  }

  async stateFor(appId: string): Promise<PreviewState> {
    const entry = this.registry.forApp(appId);
    const state = this.baseState(appId, entry);
    if (entry?.status === 'running' && entry.url) {
      state.url = (await this.externalUrl(entry.url)).toString(true);
      if (await this.integratedBrowser()) state.actions.push('openInIntegratedBrowser');
    }
    return state;
  }

  private baseState(appId: string, entry: SandboxEntry | undefined): PreviewState {
    const appName = this.tree.app(appId)?.name ?? entry?.appName ?? 'app';
    if (!entry) return { appName, status: 'stopped', message: 'Not running. Deploy the app to preview it.', actions: ['deploy', 'refine'] };
    switch (entry.status) {
      case 'starting':
        return { appName, status: 'starting', message: entry.phase ?? 'Starting…', displayUrl: entry.url, actions: ['showLogs', 'destroy'] };
      case 'running': {
        // The iframe URL is filled in by stateFor; until then a status line, never a blank frame.
        const v = entry.deployment?.verification;
        // Deployed here without a verification: the step was off (spawnApp.verifyDeploys).
        const unchecked = entry.deployment && !v ? { check: { state: 'unchecked' as const, line: NOT_CHECKED, problems: [] } } : {};
        return {
          appName,
          status: 'running',
          message: 'Opening the app…',
          displayUrl: entry.url,
          // Problems no fix round fixed: Fix with Claude beside the check line (fixNeeded, the one rule).
          actions: ['reload', 'refine', 'openInBrowser', 'copyUrl', 'showLogs', 'destroy', ...(fixNeeded(entry) ? (['fix'] as const) : [])],
          ...(v ? { check: { state: v.state, line: checkLine(v), problems: v.problems.map(formatProblem) } } : unchecked),
        };
      }
      case 'paused':
        return { appName, status: this.waking.has(entry.id) ? 'starting' : 'stopped', message: this.waking.has(entry.id) ? 'Resuming the paused sandbox…' : 'Paused: it costs nothing now. Open the preview again, or Resume it in the Sandboxes view, to wake it.', displayUrl: entry.url, actions: ['showLogs', 'destroy'] };
      case 'failed':
        return {
          appName,
          status: 'failed',
          error: entry.error ?? { message: 'The app failed.' },
          displayUrl: entry.url,
          actions: [...(fixNeeded(entry) ? (['fix'] as const) : []), 'retry', 'showLogs', 'destroy'],
        };
    }
  }

  /** Opening the preview of a paused sandbox resumes it (once at a time); a failure says so, with Retry. */
  private wakeFor(appId: string): void {
    const entry = this.registry.forApp(appId);
    if (entry?.status === 'paused') this.wake(entry.id, entry.appName);
  }

  private wake(id: string, appName: string): void {
    if (this.waking.has(id)) return;
    this.waking.add(id);
    void this.registry.resume(id, this.resumeMs()).then(
      () => this.waking.delete(id),
      (err: unknown) => {
        this.waking.delete(id);
        void vscode.window.showErrorMessage(messageOf(err), 'Retry').then((pick) => pick && this.wake(id, appName));
      },
    );
  }

  /** The URL a browser (or this webview) reaches the app at: `asExternalUri` maps local ports through remotes. */
  externalUrl(url: string): Thenable<vscode.Uri> {
    let u = this.external.get(url);
    if (!u) {
      u = vscode.env.asExternalUri(vscode.Uri.parse(url));
      this.external.set(url, u);
    }
    return u;
  }

  /**
   * VS Code's integrated browser where it has one (`workbench.action.browser.open`), else the built-in Simple
   * Browser extension (its API command activates it), else undefined.
   */
  integratedBrowser(): Promise<IntegratedBrowser | undefined> {
    this.integrated ??= Promise.resolve(vscode.commands.getCommands(false)).then((all): IntegratedBrowser | undefined => {
      if (all.includes('workbench.action.browser.open')) return (url) => vscode.commands.executeCommand('workbench.action.browser.open', url.toString(true));
      if (vscode.extensions.getExtension('vscode.simple-browser')) {
        return (url) => vscode.commands.executeCommand('simpleBrowser.api.open', url, { viewColumn: vscode.ViewColumn.Beside, preserveFocus: false });
      }
      return undefined;
    });
    return this.integrated;
  }

  private onAction(appId: string, action: PreviewAction): void {
    if (action === 'reload') return;
    const entry = this.registry.forApp(appId);
    void vscode.commands.executeCommand(ACTION_COMMANDS[action], { appId, sandboxId: entry?.id });
  }
}
