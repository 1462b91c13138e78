/**
 * Pause / Resume (E2B). A paused sandbox keeps its memory and files and costs nothing; a request to its URL wakes it
 * (auto-resume), as does Resume, which runs it for `{minutes}` (default: the sandbox lifetime setting) — always with
 * a timeout, since E2B gives a sandbox resumed without one only 5 minutes. A failure offers Retry.
 */
import * as vscode from 'vscode';
import { SpawnError } from '../../../core/base/errors';
import { providerInfo } from '../../../core/session';
import { defineCommand } from '../command';
import { optionsOf, resolveSandbox } from '../targets';

export const pauseSandboxCommand = defineCommand('spawnApp.sandbox.pause', async (s, ...args) => {
  const e = await resolveSandbox(s, args);
  if (!e.providerRef.pause) throw new SpawnError('usage', `A ${providerInfo(e.provider).label} sandbox cannot pause: it runs as long as this window.`);
  if (e.status === 'paused') return 'paused';
  await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: `Pausing ${e.appName}…` }, () => s.registry.pause(e.id));
  return s.registry.get(e.id)?.status;
}, { retryable: true });

export const resumeSandboxCommand = defineCommand('spawnApp.sandbox.resume', async (s, ...args) => {
  const e = await resolveSandbox(s, args);
  if (!e.providerRef.resume) throw new SpawnError('usage', `A ${providerInfo(e.provider).label} sandbox does not pause, so there is nothing to resume.`);
  const minutes = (optionsOf(args) as { minutes?: number }).minutes ?? s.settings().sandboxTimeoutMinutes;
  await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: `Resuming ${e.appName}…` }, () => s.registry.resume(e.id, minutes * 60_000));
  return s.registry.get(e.id)?.status;
}, { retryable: true });
