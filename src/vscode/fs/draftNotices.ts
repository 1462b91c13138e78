/** The user-facing side of draft faults: one short message per episode, with the actions that help. */
import * as vscode from 'vscode';
import type { SetAside } from '../../core/base/store';
import type { DraftNotices } from './appPersistence';

export class WindowDraftNotices implements DraftNotices {
  /** Every message shown, newest last (integration tests read it through the testing API). */
  readonly shown: string[] = [];

  saveFailed(err: Error, appName: string): void {
    const reason = err.message.replace(/^Not saved: /, '').replace(/\.$/, '');
    this.show(
      'warning',
      `Spawn App could not save the draft “${appName}” (${reason}). Your edits are kept in this window and saving is retried; Save App to Folder… keeps a copy elsewhere.`,
      ['Save App to Folder…', 'spawnApp.saveToFolder'],
    );
  }

  saveRecovered(): void {
    this.show('info', 'Spawn App saves its drafts again.');
  }

  setAside(items: readonly SetAside[]): void {
    const n = items.length;
    this.show(
      'warning',
      `Spawn App could not read ${n === 1 ? 'one saved draft' : `${n} saved drafts`} and set ${n === 1 ? 'it' : 'them'} aside (${items[0]!.reason}${n > 1 ? ', …' : ''}); everything else was restored. The log names the files.`,
    );
  }

  loadFailed(err: Error): void {
    this.show('error', `Spawn App could not read its saved drafts (${err.message}). Apps made now are kept in this window and saved when the folder can be written.`);
  }

  private show(level: 'info' | 'warning' | 'error', message: string, action?: [title: string, command: string]): void {
    this.shown.push(message);
    const fn = level === 'error' ? vscode.window.showErrorMessage : level === 'warning' ? vscode.window.showWarningMessage : vscode.window.showInformationMessage;
    const actions = [...(action ? [action[0]] : []), 'Show Log'];
    void fn(message, ...actions).then((pick) => {
      if (pick === 'Show Log') void vscode.commands.executeCommand('spawnApp.showLog');
      else if (action && pick === action[0]) void vscode.commands.executeCommand(action[1]);
    });
  }
}
