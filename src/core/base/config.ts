/** Settings the core needs, from whichever front: the CLI reads them from the environment, the extension from settings + SecretStorage. */
import type { ModelPrice } from './pricing';

export interface CoreConfig {
  anthropicApiKey?: string;
  anthropicBaseUrl?: string;
  model?: string;
  maxTokens?: number;
  priceOverrides?: Record<string, ModelPrice>;
  e2bApiKey?: string;
  /** E2B domain (self-hosted E2B); the SDK derives api.<domain> from it. */
  e2bDomain?: string;
  /** Full E2B API URL, when it is not api.<domain> (tests, gateways). */
  e2bApiUrl?: string;
  /** envd URL override (self-hosted / test E2B). */
  e2bSandboxUrl?: string;
  e2bTemplate?: string;
  /**
   * E2B: the name of one of the team's volumes to keep apps' data folders on (`spawnApp.e2bDataVolume`,
   * `--data-volume`, SPAWN_APP_E2B_DATA_VOLUME; checked by `dataVolumeName`): mounted into each sandbox, one folder per
   * app, so the data outlives the sandbox as on the local runner.
   */
  e2bDataVolume?: string;
  /** Sandbox lifetime in ms. */
  sandboxTimeoutMs?: number;
  /** E2B: what a sandbox does at its timeout (default pause, auto-resumed by a request to its URL). */
  onTimeout?: 'pause' | 'kill';
  /** A session/workspace id stored in sandbox metadata. */
  sessionId?: string;
  /** Pre-warm an E2B sandbox while the model writes (default on when E2B is the provider). */
  prewarm?: boolean;
  /** How long a pre-warmed sandbox waits for a deploy before it is killed, in ms (default 5 min). */
  prewarmIdleMs?: number;
  /** The browser that verifies deployed apps (SPAWN_APP_BROWSER); else one is looked for (core/verify). */
  browserPath?: string;
  /** false: no verification step after a deploy (SPAWN_APP_VERIFY=0); the session's `verify` option wins. */
  verify?: boolean;
}

export const DEFAULTS = {
  model: 'claude-haiku-4-5',
  maxTokens: 8192,
  e2bTemplate: 'base',
  sandboxTimeoutMs: 15 * 60_000,
  onTimeout: 'pause',
} as const;

function num(v: string | undefined): number | undefined {
  if (v === undefined || v.trim() === '') return undefined;
  const n = Number(v);
  return Number.isFinite(n) ? n : undefined;
}

export function configFromEnv(env: NodeJS.ProcessEnv = process.env): CoreConfig {
  return {
    anthropicApiKey: env.ANTHROPIC_API_KEY || env.CLAUDE_API_KEY || undefined,
    anthropicBaseUrl: env.ANTHROPIC_BASE_URL || undefined,
    model: env.SPAWN_APP_MODEL || undefined,
    maxTokens: num(env.SPAWN_APP_MAX_TOKENS),
    e2bApiKey: env.E2B_API_KEY || undefined,
    e2bDomain: env.E2B_DOMAIN || undefined,
    e2bApiUrl: env.E2B_API_URL || undefined,
    e2bSandboxUrl: env.E2B_SANDBOX_URL || undefined,
    e2bTemplate: env.SPAWN_APP_E2B_TEMPLATE || undefined,
    e2bDataVolume: env.SPAWN_APP_E2B_DATA_VOLUME || undefined,
    sandboxTimeoutMs: num(env.SPAWN_APP_SANDBOX_TIMEOUT_MS),
    prewarm: env.SPAWN_APP_PREWARM === undefined || env.SPAWN_APP_PREWARM === '' ? undefined : !/^(0|false|off|no)$/i.test(env.SPAWN_APP_PREWARM),
    prewarmIdleMs: num(env.SPAWN_APP_PREWARM_MINUTES) !== undefined ? num(env.SPAWN_APP_PREWARM_MINUTES)! * 60_000 : undefined,
    browserPath: env.SPAWN_APP_BROWSER || undefined,
    verify: env.SPAWN_APP_VERIFY === undefined || env.SPAWN_APP_VERIFY === '' ? undefined : !/^(0|false|off|no)$/i.test(env.SPAWN_APP_VERIFY),
    onTimeout: env.SPAWN_APP_ON_TIMEOUT === 'kill' || env.SPAWN_APP_ON_TIMEOUT === 'pause' ? env.SPAWN_APP_ON_TIMEOUT : undefined,
  };
}
