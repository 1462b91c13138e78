/** API keys, kept only in VS Code's SecretStorage under typed keys; values never reach settings, logs or errors. */
import * as vscode from 'vscode';
import { CancelledError, SpawnError } from '../../core/base/errors';
import type { ProviderInfo } from '../../core/sandbox/providers';
import type { AppSecrets } from '../../core/base/secrets';
import { secretNameProblem } from '../../core/base/secrets';
import { setContext } from './contextKeys';
import { Disposable } from './dispose';
import type { LogChannel } from './logChannel';

export const SECRET_KEYS = {
  anthropic: 'spawnApp.anthropicApiKey',
  e2b: 'spawnApp.e2bApiKey',
} as const;

export type SecretName = keyof typeof SECRET_KEYS;

/** The secret that holds a provider's API key (its `key` in core/sandbox/providers.ts). */
export function secretOfKey(key: NonNullable<ProviderInfo['key']>): SecretName {
  const of: Record<NonNullable<ProviderInfo['key']>, SecretName> = { e2bApiKey: 'e2b' };
  return of[key];
}
export type SecretKey = (typeof SECRET_KEYS)[SecretName];

/** An app's secrets (name → value, as JSON) are kept under one key per app. */
export type AppSecretsKey = `spawnApp.appSecrets.${string}`;
export function appSecretsKey(appId: string): AppSecretsKey {
  return `spawnApp.appSecrets.${appId}`;
}

const LABELS: Record<SecretName, { title: string; placeholder: string; where: string }> = {
  anthropic: { title: 'Anthropic API Key', placeholder: 'sk-ant-…', where: 'console.anthropic.com' },
  e2b: { title: 'E2B API Key', placeholder: 'e2b_…', where: 'e2b.dev/dashboard' },
};

export class Secrets extends Disposable {
  private readonly _onDidChange = this._register(new vscode.EventEmitter<SecretName>());
  readonly onDidChange = this._onDidChange.event;

  constructor(
    private readonly storage: vscode.SecretStorage,
    private readonly logger: LogChannel,
  ) {
    super();
    this._register(
      storage.onDidChange((e) => {
        const name = (Object.keys(SECRET_KEYS) as SecretName[]).find((n) => SECRET_KEYS[n] === e.key);
        if (name) {
          void this.refreshContext();
          this._onDidChange.fire(name);
        }
      }),
    );
  }

  async get(name: SecretName): Promise<string | undefined> {
    const value = await this.storage.get(SECRET_KEYS[name]);
    this.logger.addSecret(value);
    return value || undefined;
  }

  async has(name: SecretName): Promise<boolean> {
    return (await this.get(name)) !== undefined;
  }

  async set(name: SecretName, value: string): Promise<void> {
    const v = value.trim();
    this.logger.addSecret(v);
    await this.storage.store(SECRET_KEYS[name], v);
    this.logger.scope('secrets').info(`${LABELS[name].title} stored`);
    await this.refreshContext();
  }

  async delete(name: SecretName): Promise<void> {
    await this.storage.delete(SECRET_KEYS[name]);
    this.logger.scope('secrets').info(`${LABELS[name].title} removed`);
    await this.refreshContext();
  }

  /** An app's secrets (name → value); every value is added to what the log redacts. */
  async appSecrets(appId: string): Promise<AppSecrets> {
    const raw = await this.storage.get(appSecretsKey(appId));
    let parsed: unknown;
    try {
      parsed = raw ? JSON.parse(raw) : {};
    } catch {
      parsed = {};
    }
    const out: Record<string, string> = {};
    if (parsed && typeof parsed === 'object') {
      for (const [k, v] of Object.entries(parsed)) if (typeof v === 'string' && !secretNameProblem(k)) out[k] = v;
    }
    for (const v of Object.values(out)) this.logger.addSecret(v);
    return out;
  }

  /** Stores one of an app's secrets (a bad name is one sentence; the value is never in it). */
  async setAppSecret(appId: string, name: string, value: string): Promise<void> {
    const problem = secretNameProblem(name);
    if (problem) throw new SpawnError('usage', problem);
    if (!value) throw new SpawnError('usage', `The value of ${name} is empty.`);
    this.logger.addSecret(value);
    const all = { ...(await this.appSecrets(appId)), [name]: value };
    await this.storage.store(appSecretsKey(appId), JSON.stringify(all));
    this.logger.scope('secrets').info(`app secret ${name} stored for ${appId}`);
  }

  /** Removes one of an app's secrets; false when it had none of that name. */
  async deleteAppSecret(appId: string, name: string): Promise<boolean> {
    const all: Record<string, string> = { ...(await this.appSecrets(appId)) };
    if (!(name in all)) return false;
    delete all[name];
    if (Object.keys(all).length) await this.storage.store(appSecretsKey(appId), JSON.stringify(all));
    else await this.storage.delete(appSecretsKey(appId));
    this.logger.scope('secrets').info(`app secret ${name} removed from ${appId}`);
    return true;
  }

  /** Updates the context keys the welcome views read. */
  async refreshContext(): Promise<void> {
    setContext('spawnApp.hasAnthropicKey', await this.has('anthropic'));
    setContext('spawnApp.hasE2bKey', await this.has('e2b'));
  }

  /**
   * Asks for a key in a password box (or, when one is stored, whether to replace or remove it).
   * Returns true when a key is stored afterwards; throws CancelledError when the user backs out.
   */
  async prompt(name: SecretName): Promise<boolean> {
    const label = LABELS[name];
    if (await this.has(name)) {
      const pick = await vscode.window.showQuickPick(
        [
          { label: 'Replace the stored key', id: 'replace' as const },
          { label: 'Remove the stored key', id: 'remove' as const },
        ],
        { title: `Set ${label.title}`, placeHolder: 'A key is stored in VS Code’s secret storage.' },
      );
      if (!pick) throw new CancelledError();
      if (pick.id === 'remove') {
        await this.delete(name);
        return false;
      }
    }
    const value = await vscode.window.showInputBox({
      title: `Set ${label.title}`,
      prompt: `Paste your key (from ${label.where}). It is kept in VS Code’s secret storage, never in settings or logs.`,
      placeHolder: label.placeholder,
      password: true,
      ignoreFocusOut: true,
      validateInput: validateKey,
    });
    if (value === undefined) throw new CancelledError();
    await this.set(name, value);
    return true;
  }
}

export function validateKey(value: string): string | undefined {
  const v = value.trim();
  if (!v) return 'Paste a key, or press Escape to cancel.';
  if (/\s/.test(v)) return 'An API key has no spaces or line breaks.';
  if (v.length < 8) return 'That is too short to be an API key.';
  return undefined;
}
