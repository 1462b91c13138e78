/**
 * A thin FileSystemProvider over the core AppTree (scheme `spawnapp`): it maps calls one to one, turns
 * TreeErrors into FileSystemErrors and batches the tree's change events.
 */
import * as vscode from 'vscode';
import type { AppTree } from '../../core/workspace/appTree';
import type { NodeKind, TreeChange } from '../../core/workspace/treeTypes';
import { TreeError } from '../../core/workspace/treeTypes';
import { Disposable, toDisposable } from '../base/dispose';
import { SCHEME } from './appUri';

const CHANGE_TYPES: Record<TreeChange['type'], vscode.FileChangeType> = {
  created: vscode.FileChangeType.Created,
  changed: vscode.FileChangeType.Changed,
  deleted: vscode.FileChangeType.Deleted,
};

function fileType(kind: NodeKind): vscode.FileType {
  return kind === 'file' ? vscode.FileType.File : vscode.FileType.Directory;
}

export class AppFileSystemProvider extends Disposable implements vscode.FileSystemProvider {
  private readonly _onDidChangeFile = this._register(new vscode.EventEmitter<vscode.FileChangeEvent[]>());
  readonly onDidChangeFile = this._onDidChangeFile.event;
  private buffered: vscode.FileChangeEvent[] = [];
  private timer?: ReturnType<typeof setTimeout>;

  constructor(private readonly tree: AppTree) {
    super();
    const off = tree.onDidChange((changes) => this.queue(changes));
    this._register(toDisposable(() => {
      off();
      if (this.timer) clearTimeout(this.timer);
    }));
  }

  watch(): vscode.Disposable {
    // Every change is reported to every watcher: the tree is small and in memory.
    return toDisposable(() => undefined);
  }

  stat(uri: vscode.Uri): vscode.FileStat {
    return this.map(uri, () => {
      const s = this.tree.stat(uri.path);
      return { type: fileType(s.kind), ctime: s.ctime, mtime: s.mtime, size: s.size };
    });
  }

  readDirectory(uri: vscode.Uri): [string, vscode.FileType][] {
    return this.map(uri, () => this.tree.readDirectory(uri.path).map(([name, kind]) => [name, fileType(kind)] as [string, vscode.FileType]));
  }

  readFile(uri: vscode.Uri): Uint8Array {
    return this.map(uri, () => this.tree.readFile(uri.path));
  }

  writeFile(uri: vscode.Uri, content: Uint8Array, options: { readonly create: boolean; readonly overwrite: boolean }): void {
    this.map(uri, () => this.tree.writeFile(uri.path, content, options));
  }

  createDirectory(uri: vscode.Uri): void {
    this.map(uri, () => this.tree.createDirectory(uri.path));
  }

  delete(uri: vscode.Uri, options: { readonly recursive: boolean }): void {
    this.map(uri, () => this.tree.delete(uri.path, options));
  }

  rename(oldUri: vscode.Uri, newUri: vscode.Uri, options: { readonly overwrite: boolean }): void {
    this.map(oldUri, () => this.tree.rename(oldUri.path, newUri.path, options));
  }

  private map<T>(uri: vscode.Uri, fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      if (!(err instanceof TreeError)) throw err;
      switch (err.code) {
        case 'FileNotFound':
          throw vscode.FileSystemError.FileNotFound(uri);
        case 'FileExists':
          throw vscode.FileSystemError.FileExists(uri);
        case 'FileNotADirectory':
          throw vscode.FileSystemError.FileNotADirectory(uri);
        case 'FileIsADirectory':
          throw vscode.FileSystemError.FileIsADirectory(uri);
        case 'NoPermissions':
          throw vscode.FileSystemError.NoPermissions(err.message);
      }
    }
  }

  private queue(changes: readonly TreeChange[]): void {
    for (const c of changes) this.buffered.push({ type: CHANGE_TYPES[c.type], uri: vscode.Uri.from({ scheme: SCHEME, path: c.path }) });
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      const events = this.buffered;
      this.buffered = [];
      this._onDidChangeFile.fire(events);
    }, 5);
  }
}
