/**
 * Refine App…: a follow-up prompt for an existing app. Claude gets the app's files as they are now (unsaved edits
 * are saved first) and answers with only what changes; the change opens as diffs (current ↔ proposed) to Accept
 * or Reject. Accepted changes go into the virtual files and, when the app runs, are redeployed in place.
 * Args: an Apps/Sandboxes node, a `spawnapp:` URI, or `{appId | appName | sandboxId, followUp, decision?:
 * 'accept' | 'reject', confirm?, token?}`. Resolves with `{accepted, added, changed, deleted, summary, versionId,
 * deploy, usd}`.
 */
import * as vscode from 'vscode';
import { CancelledError, SpawnError } from '../../core/base/errors';
import { promptTooLong } from '../../core/app/spec';
import type { IterateOptions } from '../iterate/appIterator';
import { defineCommand } from './command';
import { resolveIterateApp } from './iterateTargets';
import { optionsOf } from './targets';

export const refineAppCommand = defineCommand('spawnApp.refine', async (s, ...args) => {
  const app = await resolveIterateApp(s, args);
  const o = optionsOf(args) as IterateOptions & { followUp?: string };
  // No key: offer to set one before the user types a request.
  await s.iterate.claude();
  const followUp =
    o.followUp ??
    (await vscode.window.showInputBox({
      title: `Refine ${app.name}`,
      prompt: 'What should change? Claude sees the files as they are now, your edits included.',
      placeHolder: 'e.g. add a dark mode toggle',
      ignoreFocusOut: true,
      validateInput: validateFollowUp,
    }));
  if (followUp === undefined) throw new CancelledError();
  const invalid = validateFollowUp(followUp);
  if (invalid) throw new SpawnError('usage', invalid);
  return s.iterate.refine(app, followUp.trim(), { decision: o.decision, confirm: o.confirm, token: o.token });
});

export function validateFollowUp(text: string): string | undefined {
  if (!text.trim()) return 'Say what should change, in a few words.';
  return promptTooLong(text, 'request');
}
