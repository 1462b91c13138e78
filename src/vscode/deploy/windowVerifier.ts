/**
 * The window's verifier (core/verify): one headless browser, started on the first check and reused by every deploy
 * of the window; a new one when `spawnApp.browserPath` changes; closed when the extension is disposed.
 */
import type * as vscode from 'vscode';
import { Verifier } from '../../core/session';

export class WindowVerifier implements vscode.Disposable {
  private current?: { browserPath?: string; verifier: Verifier };

  constructor(private readonly browserPath: () => string | undefined) {}

  get(): Verifier {
    const browserPath = this.browserPath();
    if (!this.current || this.current.browserPath !== browserPath) {
      void this.current?.verifier.close();
      this.current = { browserPath, verifier: new Verifier({ browserPath }) };
    }
    return this.current.verifier;
  }

  dispose(): void {
    void this.current?.verifier.close();
    this.current = undefined;
  }
}
