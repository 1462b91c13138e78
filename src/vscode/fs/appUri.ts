/** URIs of the virtual workspace: `spawnapp:/<app>/<path>`. */
import * as vscode from 'vscode';
import type { AppMeta } from '../../core/workspace/treeTypes';
import type { AppTree } from '../../core/workspace/appTree';

export const SCHEME = 'spawnapp';

export function appUri(tree: AppTree, app: AppMeta, rel?: string): vscode.Uri {
  return vscode.Uri.from({ scheme: SCHEME, path: tree.pathOf(app, rel) });
}

export function rootUri(): vscode.Uri {
  return vscode.Uri.from({ scheme: SCHEME, path: '/' });
}

export function isAppUri(uri: vscode.Uri | undefined): uri is vscode.Uri {
  return uri?.scheme === SCHEME;
}
