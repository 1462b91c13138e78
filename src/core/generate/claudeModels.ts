/** The Claude models a key can use (the model picker), or the built-in list when they cannot be listed. */
import type { CoreConfig } from '../base/config';
import { DEFAULTS } from '../base/config';
import type { SpawnError } from '../base/errors';
import { CancelledError } from '../base/errors';
import { nullLogger } from '../base/events';
import type { ClaudeOptions } from './claudeClient';
import { CLAUDE_DEFAULTS, createClient, toSpawnError } from './claudeClient';

export interface ModelChoice {
  id: string;
  displayName: string;
}

export interface ModelList {
  /** `api`: what this key can use; `builtin`: the fallback list (no key, offline, or the API failed). */
  source: 'api' | 'builtin';
  models: ModelChoice[];
  /** Why the fallback was used, when the API was asked and failed. */
  error?: SpawnError;
}

/** Shown when the models API cannot be asked; current models with a known price, cheapest first. */
export const BUILTIN_MODELS: readonly ModelChoice[] = [
  { id: 'claude-haiku-4-5', displayName: 'Claude Haiku 4.5' },
  { id: 'claude-sonnet-4-6', displayName: 'Claude Sonnet 4.6' },
  { id: 'claude-sonnet-4-5', displayName: 'Claude Sonnet 4.5' },
  { id: 'claude-opus-4-5', displayName: 'Claude Opus 4.5' },
];

/** Whether a model takes images in a request (every Claude model since Claude 3; not Claude 2 or Instant). */
export function takesImages(model: string): boolean {
  return /^claude-/.test(model) && !/^claude-(2|instant)/.test(model);
}

/** The models the key can use (for the model picker), or the built-in list when they cannot be listed. */
export async function listModels(cfg: CoreConfig, opts: ClaudeOptions & { signal?: AbortSignal; limit?: number } = {}): Promise<ModelList> {
  const builtin = { source: 'builtin' as const, models: [...BUILTIN_MODELS] };
  if (!cfg.anthropicApiKey) return builtin;
  const o = { ...CLAUDE_DEFAULTS, ...opts };
  const client = createClient(cfg, o, nullLogger);
  const limit = opts.limit ?? 200;
  try {
    const models: ModelChoice[] = [];
    for await (const m of client.models.list({ limit: 100 }, { signal: opts.signal })) {
      models.push({ id: m.id, displayName: m.display_name || m.id });
      if (models.length >= limit) break;
    }
    return models.length ? { source: 'api', models } : builtin;
  } catch (err) {
    const e = toSpawnError(err, { signal: opts.signal, model: cfg.model || DEFAULTS.model, key: cfg.anthropicApiKey, baseUrl: cfg.anthropicBaseUrl, maxRetries: o.maxRetries });
    if (e instanceof CancelledError) throw e;
    return { ...builtin, error: e };
  }
}
