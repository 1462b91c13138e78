/**
 * Read-only documents (scheme `spawnapp-snapshot`) for the left or right side of a diff: the files Claude
 * proposes, the files of a version, or an empty file (for an added or deleted path). The path is the file's
 * `spawnapp:` path, so the diff shows the right name and language; the query says which snapshot.
 */
import * as vscode from 'vscode';
import type { AppMeta } from '../../core/workspace/treeTypes';
import type { AppTree } from '../../core/workspace/appTree';
import type { AppFile } from '../../core/app/spec';

export const SNAPSHOT_SCHEME = 'spawnapp-snapshot';

export class SnapshotDocuments implements vscode.TextDocumentContentProvider {
  /** Proposed files by proposal id (only while the proposal is open). */
  private readonly proposals = new Map<string, ReadonlyMap<string, string>>();

  constructor(
    private readonly tree: AppTree,
    /** A version's files, by app id and version number. */
    private readonly versionFiles: (appId: string, id: number) => readonly AppFile[] | undefined,
  ) {}

  provideTextDocumentContent(uri: vscode.Uri): string {
    const q = new URLSearchParams(uri.query);
    const rel = uri.path.split('/').filter(Boolean).slice(1).join('/');
    const proposal = q.get('proposal');
    if (proposal) return this.proposals.get(proposal)?.get(rel) ?? '';
    const app = q.get('app');
    const version = Number(q.get('version'));
    if (app && Number.isInteger(version)) return this.versionFiles(app, version)?.find((f) => f.path === rel)?.content ?? '';
    return '';
  }

  putProposal(id: string, files: readonly AppFile[]): void {
    this.proposals.set(id, new Map(files.map((f) => [f.path, f.content])));
  }

  deleteProposal(id: string): void {
    this.proposals.delete(id);
  }

  proposalUri(app: AppMeta, rel: string, id: string): vscode.Uri {
    return vscode.Uri.from({ scheme: SNAPSHOT_SCHEME, path: this.tree.pathOf(app, rel), query: `proposal=${encodeURIComponent(id)}` });
  }

  versionUri(app: AppMeta, rel: string, version: number): vscode.Uri {
    return vscode.Uri.from({ scheme: SNAPSHOT_SCHEME, path: this.tree.pathOf(app, rel), query: `app=${encodeURIComponent(app.id)}&version=${version}` });
  }

  emptyUri(app: AppMeta, rel: string): vscode.Uri {
    return vscode.Uri.from({ scheme: SNAPSHOT_SCHEME, path: this.tree.pathOf(app, rel), query: 'empty=1' });
  }
}
