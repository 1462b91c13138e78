/** The workspace tree's public types: its errors (as a file system reports them), nodes, changes, apps, snapshots. */
import type { AppSpec } from '../app/spec';
import type { Finding } from '../base/finding';

export type TreeErrorCode = 'FileNotFound' | 'FileExists' | 'FileNotADirectory' | 'FileIsADirectory' | 'NoPermissions';

/** A refused tree operation; the codes match VS Code's FileSystemError factories. */
export class TreeError extends Error {
  constructor(
    readonly code: TreeErrorCode,
    message: string,
    readonly path: string,
  ) {
    super(message);
    this.name = 'TreeError';
  }
}

export type NodeKind = 'file' | 'directory';

export interface NodeStat {
  kind: NodeKind;
  ctime: number;
  mtime: number;
  size: number;
}

/** What the tree knows about an app besides its files. */
export interface AppMeta {
  /** Stable across renames; sandboxes and previews refer to apps by it. */
  readonly id: string;
  /** The app's folder name (unique in the tree). */
  name: string;
  /**
   * Who wrote the code, as information only (`templates`, `claude`, `disk`, `user`): it never grants trust, since a
   * draft or a folder can say anything. Whether the code is ours is `AppTree.isOurs`.
   */
  generator?: string;
  prompt?: string;
  createdAt: number;
}

export interface TreeChange {
  type: 'created' | 'changed' | 'deleted';
  path: string;
}

export interface AppSpecResult {
  /** Undefined when the manifest cannot be read; the findings say why. */
  spec?: AppSpec;
  findings: Finding[];
  generator?: string;
  /**
   * True only for a built-in template this process generated, unchanged since (see `AppTree.markOurs`). Never
   * read from a draft, a folder or a manifest.
   */
  ours: boolean;
}

export interface SerializedApp {
  id: string;
  name: string;
  generator?: string;
  prompt?: string;
  createdAt: number;
  files: { path: string; content: string }[];
}

export interface SerializedTree {
  version: 1;
  apps: SerializedApp[];
}
