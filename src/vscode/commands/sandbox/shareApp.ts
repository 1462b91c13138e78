/**
 * Share App…: copies the app's URL and says how long it stays reachable: a local app while this window runs; an E2B
 * app that pauses at its timeout, until E2B's lifetime cap (a request wakes it until then); one that is killed at its
 * timeout, until then.
 */
import * as vscode from 'vscode';
import { SpawnError } from '../../../core/base/errors';
import { E2B_LIFETIME_CAP } from '../../../core/session';
import { defineCommand } from '../command';
import { resolveSandbox } from '../targets';

export const shareAppCommand = defineCommand('spawnApp.sandbox.share', async (s, ...args) => {
  const e = await resolveSandbox(s, args);
  if (!e.url) throw new SpawnError('usage', `${e.appName} has no URL yet.`);
  const url = (await s.previews.externalUrl(e.url)).toString(true);
  await vscode.env.clipboard.writeText(url);
  const onTimeout = e.sandbox?.info().onTimeout ?? s.settings().onTimeout;
  const until = e.endAt === undefined
    ? 'It is reachable from this machine only, while this window runs.'
    : onTimeout === 'pause'
      ? `It pauses when idle past ${new Date(e.endAt).toLocaleTimeString()} and wakes when the URL is opened, until the sandbox's lifetime cap (${E2B_LIFETIME_CAP}); Destroy removes it for good.`
      : `It stays reachable until ${new Date(e.endAt).toLocaleTimeString()}, when its sandbox is killed (Extend Timeout keeps it longer).`;
  void vscode.window.showInformationMessage(`Copied ${url}. ${until}`);
  return { url, until };
});
