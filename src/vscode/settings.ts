/** The extension's settings (contributes.configuration) and the CoreConfig built from them and the secrets. */
import * as vscode from 'vscode';
import type { CoreConfig } from '../core/config';
import { DEFAULTS } from '../core/config';
import type { GeneratorChoice } from '../core/generate';
import type { ProviderChoice } from '../core/sandbox';
import type { Secrets } from './secrets';

export interface Settings {
  generator: GeneratorChoice;
  model: string;
  /** The VS Code chat model (`vscode.lm`) the vscode-lm generator uses; empty: the first one VS Code offers. */
  chatModel: string;
  maxTokens: number;
  temperature: number;
  sandboxProvider: ProviderChoice;
  e2bTemplate: string;
  sandboxTimeoutMinutes: number;
  anthropicBaseUrl?: string;
  e2bDomain?: string;
  e2bApiUrl?: string;
  e2bSandboxUrl?: string;
  /** Saving a file of a running app redeploys it in place. */
  redeployOnSave: boolean;
  /** Fix with Claude applies fixes without the diff review and tries again on its own, up to `fixAttempts`. */
  autoFix: boolean;
  /** Fix attempts in a row before the loop stops. */
  fixAttempts: number;
  /** Local runner: apps may open outbound connections at run time. */
  localNetwork: boolean;
}

function oneOf<T extends string>(value: unknown, allowed: readonly T[], fallback: T): T {
  return typeof value === 'string' && (allowed as readonly string[]).includes(value) ? (value as T) : fallback;
}

function num(value: unknown, fallback: number, min: number, max: number): number {
  return typeof value === 'number' && Number.isFinite(value) ? Math.min(max, Math.max(min, value)) : fallback;
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() ? value.trim() : undefined;
}

export function readSettings(): Settings {
  const c = vscode.workspace.getConfiguration('spawnApp');
  return {
    generator: oneOf(c.get('generator'), ['auto', 'claude', 'vscode-lm', 'templates'], 'auto'),
    model: str(c.get('model')) ?? DEFAULTS.model,
    chatModel: str(c.get('chatModel')) ?? '',
    maxTokens: Math.round(num(c.get('maxTokens'), DEFAULTS.maxTokens, 256, 64000)),
    temperature: num(c.get('temperature'), DEFAULTS.temperature, 0, 1),
    sandboxProvider: oneOf(c.get('sandboxProvider'), ['auto', 'e2b', 'local'], 'auto'),
    e2bTemplate: str(c.get('e2bTemplate')) ?? DEFAULTS.e2bTemplate,
    sandboxTimeoutMinutes: num(c.get('sandboxTimeoutMinutes'), DEFAULTS.sandboxTimeoutMs / 60_000, 1, 24 * 60),
    anthropicBaseUrl: str(c.get('anthropicBaseUrl')),
    e2bDomain: str(c.get('e2bDomain')),
    e2bApiUrl: str(c.get('e2bApiUrl')),
    e2bSandboxUrl: str(c.get('e2bSandboxUrl')),
    redeployOnSave: c.get('redeployOnSave') !== false,
    autoFix: c.get('autoFix') === true,
    fixAttempts: Math.round(num(c.get('fixAttempts'), 2, 1, 10)),
    localNetwork: c.get('localNetwork') !== false,
  };
}

export async function coreConfig(settings: Settings, secrets: Secrets, sessionId: string): Promise<CoreConfig> {
  return {
    anthropicApiKey: await secrets.get('anthropic'),
    anthropicBaseUrl: settings.anthropicBaseUrl,
    model: settings.model,
    maxTokens: settings.maxTokens,
    temperature: settings.temperature,
    e2bApiKey: await secrets.get('e2b'),
    e2bDomain: settings.e2bDomain,
    e2bApiUrl: settings.e2bApiUrl,
    e2bSandboxUrl: settings.e2bSandboxUrl,
    e2bTemplate: settings.e2bTemplate,
    sandboxTimeoutMs: settings.sandboxTimeoutMinutes * 60_000,
    sessionId,
  };
}
