/** Extend Timeout (E2B): keeps the sandbox alive longer. Args: target, `{minutes}`. */
import * as vscode from 'vscode';
import { CancelledError, SpawnError } from '../../../core/base/errors';
import { providerInfo } from '../../../core/session';
import { defineCommand } from '../command';
import { optionsOf, resolveSandbox } from '../targets';

export const extendTimeoutCommand = defineCommand('spawnApp.sandbox.extendTimeout', async (s, ...args) => {
  const e = await resolveSandbox(s, args);
  if (!providerInfo(e.provider).timeout) throw new SpawnError('usage', `A ${providerInfo(e.provider).label} sandbox runs as long as this window; there is no timeout to extend.`);
  let minutes = (optionsOf(args) as { minutes?: number }).minutes;
  if (minutes === undefined) {
    const pick = await vscode.window.showQuickPick(
      [15, 30, 60].map((m) => ({ label: `${m} minutes from now`, minutes: m })),
      { title: `Extend ${e.appName}’s sandbox`, placeHolder: 'Keep it running for…' },
    );
    if (!pick) throw new CancelledError();
    minutes = pick.minutes;
  }
  await s.registry.extendTimeout(e.id, minutes * 60_000);
  return s.registry.get(e.id)?.endAt;
});
