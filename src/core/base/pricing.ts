/**
 * Prices, in one place with their source and date.
 *
 * Anthropic: https://www.anthropic.com/pricing (API, per million tokens), read 2026-11-25.
 * E2B: https://e2b.dev/pricing (usage-based compute), read 2026-11-25:
 *   $0.000014 per vCPU-second + $0.0000045 per GiB-second of RAM.
 */

export interface ModelPrice {
  /** USD per million input tokens */
  input: number;
  /** USD per million output tokens */
  output: number;
}

export const ANTHROPIC_PRICES_SOURCE = 'https://www.anthropic.com/pricing (read 2026-11-25)';

/** Keys are model ids or id prefixes (a dated id like `claude-haiku-4-5-20251001` matches `claude-haiku-4-5`). */
export const ANTHROPIC_PRICES: Readonly<Record<string, ModelPrice>> = {
  'claude-haiku-4-5': { input: 1, output: 5 },
  'claude-sonnet-4-6': { input: 3, output: 15 },
  'claude-sonnet-4-5': { input: 3, output: 15 },
  'claude-sonnet-4': { input: 3, output: 15 },
  'claude-opus-4-5': { input: 5, output: 25 },
  'claude-opus-4-1': { input: 15, output: 75 },
  'claude-3-5-haiku': { input: 0.8, output: 4 },
};

export const E2B_PRICES_SOURCE = 'https://e2b.dev/pricing (read 2026-11-25)';
export const E2B_PRICE = { perVcpuSecond: 0.000014, perGiBSecond: 0.0000045 } as const;

/** Finds the price of a model: exact id, then the longest matching prefix; overrides win. */
export function priceOf(model: string, overrides: Readonly<Record<string, ModelPrice>> = {}): ModelPrice | undefined {
  const table = { ...ANTHROPIC_PRICES, ...overrides };
  if (table[model]) return table[model];
  let best: string | undefined;
  for (const key of Object.keys(table)) if (model.startsWith(key) && (!best || key.length > best.length)) best = key;
  return best ? table[best] : undefined;
}

/** Dollars for a generation, or null when the model's price is unknown. */
export function tokenCost(model: string, inputTokens: number, outputTokens: number, overrides?: Readonly<Record<string, ModelPrice>>): number | null {
  const p = priceOf(model, overrides);
  if (!p) return null;
  return (inputTokens * p.input + outputTokens * p.output) / 1_000_000;
}

/** Dollars for a sandbox that has run `seconds` with the given resources. */
export function sandboxCost(seconds: number, vcpus: number, memoryMB: number): number {
  return Math.max(0, seconds) * (vcpus * E2B_PRICE.perVcpuSecond + (memoryMB / 1024) * E2B_PRICE.perGiBSecond);
}

export function formatUsd(usd: number | null): string {
  if (usd === null) return 'price unknown';
  if (usd === 0) return '$0';
  if (usd < 0.01) return `$${usd.toFixed(4)}`;
  return `$${usd.toFixed(2)}`;
}
