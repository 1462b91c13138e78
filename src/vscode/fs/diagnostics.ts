/**
 * Validation findings as diagnostics on the right files and lines of the virtual workspace: errors (which block
 * deploy) and warnings. Recomputed shortly after any change to an app; apps being generated are skipped.
 */
import * as vscode from 'vscode';
import type { AppMeta } from '../../core/workspace/treeTypes';
import type { AppTree } from '../../core/workspace/appTree';
import { decodeText } from '../../core/workspace/treeText';
import type { Finding } from '../../core/base/finding';
import { appUri } from './appUri';
import { Disposable, toDisposable } from '../base/dispose';

export class AppDiagnostics extends Disposable {
  private readonly collection = this._register(vscode.languages.createDiagnosticCollection('spawnApp'));
  /** The URIs that carry diagnostics, per app id (to clear them on the next run). */
  private readonly uris = new Map<string, vscode.Uri[]>();
  private readonly held = new Map<string, number>();
  private readonly extra = new Map<string, Finding[]>();
  /** What was shown last, per app id (saved with the app's draft). */
  private readonly shown = new Map<string, Finding[]>();
  private readonly _onDidRefresh = this._register(new vscode.EventEmitter<string>());
  /** Fires with an app's id after its findings were recomputed. */
  readonly onDidRefresh = this._onDidRefresh.event;
  private readonly pending = new Set<string>();
  private timer?: ReturnType<typeof setTimeout>;

  constructor(
    private readonly tree: AppTree,
    private readonly delayMs = 150,
  ) {
    super();
    const off = tree.onDidChange((changes) => {
      for (const c of changes) {
        const app = tree.appOf(c.path);
        if (app) this.pending.add(app.id);
      }
      // apps that disappeared (deleted or renamed) lose their old diagnostics
      for (const id of this.uris.keys()) if (!tree.app(id) || !this.sameNames(id)) this.pending.add(id);
      this.schedule();
    });
    this._register(toDisposable(() => {
      off();
      if (this.timer) clearTimeout(this.timer);
    }));
  }

  /** Suspends diagnostics for an app until the returned disposable is disposed (while it is being generated). */
  hold(app: AppMeta): vscode.Disposable {
    this.held.set(app.id, (this.held.get(app.id) ?? 0) + 1);
    return toDisposable(() => {
      const n = (this.held.get(app.id) ?? 1) - 1;
      if (n <= 0) this.held.delete(app.id);
      else this.held.set(app.id, n);
      this.pending.add(app.id);
      this.schedule();
    });
  }

  /** Findings that come from outside validation (files a generator wrote to refused paths). */
  setExtra(app: AppMeta, findings: Finding[]): void {
    if (findings.length) this.extra.set(app.id, findings);
    else this.extra.delete(app.id);
  }

  /** The findings from outside validation that `setExtra` set. */
  extraOf(appId: string): Finding[] {
    return this.extra.get(appId) ?? [];
  }

  /** The findings shown for an app after its last refresh. */
  shownOf(appId: string): Finding[] {
    return this.shown.get(appId) ?? [];
  }

  /** Validates an app now and shows its findings; returns them. */
  refresh(app: AppMeta): Finding[] {
    const findings = [...this.tree.specOf(app).findings, ...(this.extra.get(app.id) ?? [])];
    this.clear(app.id);
    const byFile = new Map<string, vscode.Diagnostic[]>();
    for (const f of findings) {
      const rel = f.path ?? 'spawn-app.json';
      const list = byFile.get(rel) ?? [];
      list.push(this.toDiagnostic(app, rel, f));
      byFile.set(rel, list);
    }
    const uris: vscode.Uri[] = [];
    for (const [rel, diags] of byFile) {
      const uri = appUri(this.tree, app, rel);
      this.collection.set(uri, diags);
      uris.push(uri);
    }
    this.uris.set(app.id, uris);
    this.shown.set(app.id, findings);
    this._onDidRefresh.fire(app.id);
    return findings;
  }

  private toDiagnostic(app: AppMeta, rel: string, f: Finding): vscode.Diagnostic {
    const line = Math.max(0, (f.line ?? 1) - 1);
    let length = 0;
    try {
      length = decodeText(this.tree.readFile(this.tree.pathOf(app, rel))).split('\n')[line]?.length ?? 0;
    } catch {
      // the file is gone; the line still points somewhere sensible
    }
    const d = new vscode.Diagnostic(
      new vscode.Range(line, 0, line, length),
      f.message,
      f.severity === 'error' ? vscode.DiagnosticSeverity.Error : vscode.DiagnosticSeverity.Warning,
    );
    d.source = 'Spawn App';
    d.code = f.rule;
    return d;
  }

  private sameNames(id: string): boolean {
    const app = this.tree.app(id);
    return !!app && (this.uris.get(id) ?? []).every((u) => u.path.startsWith(`/${app.name}/`));
  }

  private clear(id: string): void {
    for (const u of this.uris.get(id) ?? []) this.collection.delete(u);
    this.uris.delete(id);
  }

  private schedule(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      for (const id of [...this.pending]) {
        if (this.held.has(id)) continue;
        this.pending.delete(id);
        const app = this.tree.app(id);
        if (app) this.refresh(app);
        else {
          this.clear(id);
          this.extra.delete(id);
          this.shown.delete(id);
        }
      }
    }, this.delayMs);
  }
}
