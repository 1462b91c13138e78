/** URIs of the virtual workspace: `spawnapp:/<app>/<path>`. */
import * as vscode from 'vscode';
import type { AppMeta, AppTree } from '../../core/appTree';

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

/** The app-relative path of a URI inside an app (undefined for the app folder itself). */
export function relativePath(uri: vscode.Uri): string | undefined {
  const parts = uri.path.split('/').filter(Boolean);
  return parts.length > 1 ? parts.slice(1).join('/') : undefined;
}
