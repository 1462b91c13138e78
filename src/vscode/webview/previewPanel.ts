/** One preview panel (one per app): holds its webview, waits for "ready", then keeps it in step with the state. */
import type * as vscode from 'vscode';
import { Disposable } from '../base/dispose';
import type { PreviewAction, PreviewState, ToWebview } from './messages';
import { parseFromWebview } from './messages';
import { originOf, previewHtml } from './previewHtml';

export class PreviewPanel extends Disposable {
  private ready = false;
  private state?: PreviewState;
  /** The origin the current HTML's CSP lets the iframe load; `null` before the first render. */
  private frameOrigin: string | undefined | null = null;
  private panelDisposed = false;
  /** Loads the HTML again when its "ready" never came (a load VS Code lost: HTML replaced while the first still loaded). */
  private watchdog?: ReturnType<typeof setTimeout>;
  private reloads = 0;

  constructor(
    readonly panel: vscode.WebviewPanel,
    readonly appId: string,
    private readonly media: vscode.Uri,
    private readonly onAction: (appId: string, action: PreviewAction) => void,
  ) {
    super();
    panel.webview.options = { enableScripts: true, localResourceRoots: [media] };
    this._register(
      panel.webview.onDidReceiveMessage((raw: unknown) => {
        const msg = parseFromWebview(raw);
        if (!msg) return;
        if (msg.type === 'ready') {
          this.ready = true;
          if (this.state) void this.post({ type: 'state', state: this.state });
        } else {
          this.onAction(this.appId, msg.action);
        }
      }),
    );
    this._register(
      panel.onDidDispose(() => {
        this.panelDisposed = true;
        this.dispose();
      }),
    );
  }

  /** The state last shown (tests and the serializer read it). */
  get current(): PreviewState | undefined {
    return this.state;
  }

  get isReady(): boolean {
    return this.ready;
  }

  setState(state: PreviewState): void {
    if (this.isDisposed) return;
    this.state = state;
    this.panel.title = `Preview: ${state.appName}`;
    const origin = originOf(state.url);
    // The CSP names exactly one frame origin, so a new origin needs new HTML (and a new handshake).
    if (this.frameOrigin === null || (origin !== undefined && origin !== this.frameOrigin)) {
      this.frameOrigin = origin;
      this.reloads = 0;
      this.render();
      return;
    }
    if (this.ready) void this.post({ type: 'state', state });
  }

  reload(): void {
    if (this.ready) void this.post({ type: 'reload' });
  }

  /** Sets the HTML for the current state's frame origin; without a "ready" within a few seconds, sets it again (at most 6 times). */
  private render(): void {
    this.ready = false;
    if (this.watchdog) clearTimeout(this.watchdog);
    const html = previewHtml(this.panel.webview, this.media, { appId: this.appId, appName: this.state!.appName, frameOrigin: this.frameOrigin ?? undefined });
    // A comment that changes makes VS Code load the page again even when the rest is the same.
    this.panel.webview.html = this.reloads ? `${html}<!-- load ${this.reloads} -->` : html;
    this.watchdog = setTimeout(() => {
      if (this.ready || this.isDisposed || this.reloads >= 6) return;
      this.reloads++;
      this.render();
    }, 4000);
  }

  reveal(preserveFocus: boolean): void {
    this.panel.reveal(undefined, preserveFocus);
  }

  override dispose(): void {
    if (this.isDisposed) return;
    if (this.watchdog) clearTimeout(this.watchdog);
    super.dispose();
    if (!this.panelDisposed) this.panel.dispose();
  }

  private post(msg: ToWebview): Thenable<boolean> {
    return this.panel.webview.postMessage(msg);
  }
}
