/** How the CLI names what an error's hint says to change: its environment variables and flags. */
import type { ErrorHint, HintSetting, SpawnError } from '../core/base/errors';

const ENV_OF: Record<HintSetting, string> = {
  model: 'SPAWN_APP_MODEL',
  maxTokens: 'SPAWN_APP_MAX_TOKENS',
  e2bTemplate: 'SPAWN_APP_E2B_TEMPLATE',
  sandboxTimeout: 'SPAWN_APP_SANDBOX_TIMEOUT_MS',
  anthropicBaseUrl: 'ANTHROPIC_BASE_URL',
};

function hintText(h: ErrorHint): string {
  if ('key' in h) return `set ${h.key === 'anthropic' ? 'ANTHROPIC_API_KEY' : 'E2B_API_KEY'}`;
  if ('use' in h) return `use ${h.use === 'templates' ? '--generator templates' : '--provider local'}`;
  return `set ${ENV_OF[h.setting]}${h.value === undefined ? '' : `=${h.value}`}`;
}

/** The error's sentence followed by what to change, in the CLI's terms ("… Set SPAWN_APP_MAX_TOKENS=16384."). */
export function cliMessage(e: SpawnError): string {
  if (!e.hints.length) return e.message;
  const what = e.hints.map(hintText).join(', or ');
  return `${e.message} ${what[0]!.toUpperCase()}${what.slice(1)}.`;
}
