/** The extension's settings (contributes.configuration) and the CoreConfig built from them and the secrets. */
import * as vscode from 'vscode';
import type { CoreConfig } from '../../core/base/config';
import type { GeneratorChoice } from '../../core/generate';
import type { ProviderChoice } from '../../core/sandbox';
import { generatorChoices, PROVIDER_CHOICES } from '../../core/session';
import type { Secrets } from './secrets';

export interface Settings {
  generator: GeneratorChoice;
  model: string;
  /** The VS Code chat model (`vscode.lm`) the vscode-lm generator uses; empty: the first one VS Code offers. */
  chatModel: string;
  maxTokens: number;
  sandboxProvider: ProviderChoice;
  e2bTemplate: string;
  /** E2B: the team volume apps' data folders are kept on (empty: none; checked by the core's `dataVolumeName`). */
  e2bDataVolume?: string;
  sandboxTimeoutMinutes: number;
  /** Create the E2B sandbox while the model writes (core/deploy/prewarm.ts). */
  prewarm: boolean;
  /** How long a pre-warmed sandbox waits for a deploy before it is killed. */
  prewarmMinutes: number;
  /** Today's spending cap (USD; 0 = none). */
  budgetUsd: number;
  /** E2B: pause (auto-resumed by a request to its URL) or kill a sandbox at its timeout. */
  onTimeout: 'pause' | 'kill';
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
  /** Fix rounds after a failed verification, on their own (`spawnApp.autoVerifyFix`); undefined: the session's default. */
  autoVerifyFix?: number;
  /** Local runner: apps may open outbound connections at run time. */
  localNetwork: boolean;
  /** Local runner: a sandboxed app's outbound connections may reach private ranges (the LAN). */
  localAllowLan: boolean;
  /** The browser that verifies deployed apps (core/verify); undefined: one found on the machine. */
  browserPath?: string;
  /** The check in a browser after each deploy (`spawnApp.verifyDeploys`; off: like SPAWN_APP_VERIFY=0). */
  verifyDeploys: boolean;
}

/** A setting's declaration in package.json (contributes.configuration.properties). */
interface Declared {
  default?: unknown;
  minimum?: number;
  maximum?: number;
}

/**
 * Reads the settings. Defaults and limits live in package.json (`manifest`, the extension's packageJSON) only: a
 * value that is missing or of the wrong type falls back to the declared default, and numbers are clamped to the
 * declared range.
 */
export function settingsReader(manifest: { contributes?: { configuration?: { properties?: Record<string, Declared> } } }): () => Settings {
  const props = manifest.contributes?.configuration?.properties ?? {};
  return () => readSettings((key) => props[`spawnApp.${key}`] ?? {});
}

function readSettings(decl: (key: string) => Declared): Settings {
  const c = vscode.workspace.getConfiguration('spawnApp');
  const declared = (key: string) => decl(key).default;
  const str = (key: string): string | undefined => {
    const v = c.get(key);
    return typeof v === 'string' && v.trim() ? v.trim() : undefined;
  };
  const oneOf = <T extends string>(key: string, allowed: readonly T[]): T => {
    const v = c.get(key);
    return (typeof v === 'string' && (allowed as readonly string[]).includes(v) ? v : declared(key)) as T;
  };
  const num = (key: string): number => {
    const v = c.get(key);
    const { minimum = -Infinity, maximum = Infinity } = decl(key);
    return Math.min(maximum, Math.max(minimum, typeof v === 'number' && Number.isFinite(v) ? v : (declared(key) as number)));
  };
  const bool = (key: string): boolean => {
    const v = c.get(key);
    return typeof v === 'boolean' ? v : declared(key) === true;
  };
  return {
    generator: oneOf('generator', generatorChoices(true)),
    model: str('model') ?? String(declared('model')),
    chatModel: str('chatModel') ?? '',
    maxTokens: Math.round(num('maxTokens')),
    sandboxProvider: oneOf('sandboxProvider', PROVIDER_CHOICES),
    e2bTemplate: str('e2bTemplate') ?? String(declared('e2bTemplate')),
    e2bDataVolume: str('e2bDataVolume'),
    sandboxTimeoutMinutes: num('sandboxTimeoutMinutes'),
    prewarm: bool('prewarm'),
    prewarmMinutes: num('prewarmMinutes'),
    budgetUsd: num('budgetUsd'),
    onTimeout: oneOf('onTimeout', ['pause', 'kill']),
    anthropicBaseUrl: str('anthropicBaseUrl'),
    e2bDomain: str('e2bDomain'),
    e2bApiUrl: str('e2bApiUrl'),
    e2bSandboxUrl: str('e2bSandboxUrl'),
    redeployOnSave: bool('redeployOnSave'),
    autoFix: bool('autoFix'),
    fixAttempts: Math.round(num('fixAttempts')),
    autoVerifyFix: c.get('autoVerifyFix') === null || c.get('autoVerifyFix') === undefined ? undefined : Math.round(num('autoVerifyFix')),
    localNetwork: bool('localNetwork'),
    localAllowLan: bool('localAllowLan'),
    browserPath: str('browserPath'),
    verifyDeploys: bool('verifyDeploys'),
  };
}

export async function coreConfig(settings: Settings, secrets: Secrets, sessionId: string): Promise<CoreConfig> {
  return {
    anthropicApiKey: await secrets.get('anthropic'),
    anthropicBaseUrl: settings.anthropicBaseUrl,
    model: settings.model,
    maxTokens: settings.maxTokens,
    e2bApiKey: await secrets.get('e2b'),
    e2bDomain: settings.e2bDomain,
    e2bApiUrl: settings.e2bApiUrl,
    e2bSandboxUrl: settings.e2bSandboxUrl,
    e2bTemplate: settings.e2bTemplate,
    e2bDataVolume: settings.e2bDataVolume,
    sandboxTimeoutMs: settings.sandboxTimeoutMinutes * 60_000,
    onTimeout: settings.onTimeout,
    sessionId,
  };
}
