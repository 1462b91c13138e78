/** The context keys the manifest's `when` clauses read. */
import * as vscode from 'vscode';

export type ContextKey = 'spawnApp.hasAnthropicKey' | 'spawnApp.hasE2bKey' | 'spawnApp.hasApps' | 'spawnApp.hasSandboxes' | 'spawnApp.proposalPending';

export function setContext(key: ContextKey, value: boolean): void {
  void vscode.commands.executeCommand('setContext', key, value);
}
