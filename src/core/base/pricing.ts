/**
 * Prices, in one place with their source and date.
 *
 * Anthropic: https://platform.claude.com/docs/en/about-claude/pricing (API, per million tokens: base input, 5-minute
 * cache writes, cache hits, output), read 2026-12-07. Models whose cache or prompt-length prices the stored pages
 * disagree on (Sonnet 5.5, Opus 5.5, Haiku 5.5) are left out: their price is unknown, never guessed.
 * E2B: https://e2b.dev/pricing (usage-based compute), read 2026-11-25:
 *   $0.000014 per vCPU-second + $0.0000045 per GiB-second of RAM.
 */

export interface ModelPrice {
  /** USD per million input tokens */
  input: number;
  /** USD per million output tokens */
  output: number;
  /** USD per million tokens written to the prompt cache (5-minute TTL); default 1.25 × input. */
  cacheWrite?: number;
  /** USD per million tokens read from the prompt cache; default 0.1 × input. */
  cacheRead?: number;
}

export const ANTHROPIC_PRICES_SOURCE = 'https://platform.claude.com/docs/en/about-claude/pricing (read 2026-12-07)';

/** A per-million price as published (to a thousandth of a cent): no floating-point tail. */
const cents = (usd: number) => Math.round(usd * 1e5) / 1e5;
/** A price whose cache writes cost 1.25 × input and reads 0.1 × input (most models). */
const usual = (input: number, output: number): ModelPrice => ({ input, output, cacheWrite: cents(input * 1.25), cacheRead: cents(input * 0.1) });

/**
 * Keys are model ids; a dated id (`claude-haiku-4-5-20251001`) matches its model's key, nothing else does
 * (`claude-sonnet-5-5` is not `claude-sonnet-5`).
 */
export const ANTHROPIC_PRICES: Readonly<Record<string, ModelPrice>> = {
  'claude-haiku-4-5': usual(1, 5),
  'claude-sonnet-5': usual(2, 10),
  'claude-sonnet-4-6': usual(3, 15),
  'claude-sonnet-4-5': usual(3, 15),
  'claude-sonnet-4': usual(3, 15),
  'claude-opus-5': usual(5, 25),
  'claude-opus-4-8': usual(5, 25),
  'claude-opus-4-7': usual(5, 25),
  'claude-opus-4-6': usual(5, 25),
  'claude-opus-4-5': usual(5, 25),
  'claude-opus-4-1': usual(15, 75),
  'claude-fable-5': usual(10, 50),
  'claude-fable-5-1': { input: 10, output: 50, cacheWrite: 12.5, cacheRead: 0.25 },
  'claude-3-5-haiku': usual(0.8, 4),
};

export const E2B_PRICES_SOURCE = 'https://e2b.dev/pricing (read 2026-11-25)';
export const E2B_PRICE = { perVcpuSecond: 0.000014, perGiBSecond: 0.0000045 } as const;

/**
 * The shortest prefix Anthropic's prompt cache takes, in tokens (shorter ones are neither written nor read): 4096 for
 * Haiku 4.5 and Opus 4.5/4.6, 2048 for the Haiku 3 family, 1024 for the others (the prompt-caching docs, read
 * 2026-12-07).
 */
export function cacheMinTokens(model: string): number {
  if (/^claude-(haiku-4-5|opus-4-5|opus-4-6)/.test(model)) return 4096;
  if (/^claude-(3-5-haiku|3-haiku|haiku-3)/.test(model)) return 2048;
  return 1024;
}

/** Finds the price of a model: its id, or its id with a date (`-20251001`) or `-latest` after it; overrides win. */
export function priceOf(model: string, overrides: Readonly<Record<string, ModelPrice>> = {}): ModelPrice | undefined {
  const table: Record<string, ModelPrice | undefined> = { ...ANTHROPIC_PRICES, ...overrides };
  return table[model] ?? table[model.replace(/-(\d{8}|latest)$/, '')];
}

/** Tokens of one request or a loop: input at the base price, cache writes and reads at theirs, output. */
export interface TokenCount {
  inputTokens: number;
  outputTokens: number;
  /** Written to the prompt cache (`cache_creation_input_tokens`): not part of inputTokens. */
  cacheWriteTokens?: number;
  /** Read from the prompt cache (`cache_read_input_tokens`): not part of inputTokens. */
  cacheReadTokens?: number;
}

/** Dollars for a generation, or null when the model's price is unknown. */
export function tokenCost(model: string, inputTokens: number, outputTokens: number, overrides?: Readonly<Record<string, ModelPrice>>, cache: Pick<TokenCount, 'cacheWriteTokens' | 'cacheReadTokens'> = {}): number | null {
  const p = priceOf(model, overrides);
  if (!p) return null;
  const write = p.cacheWrite ?? p.input * 1.25;
  const read = p.cacheRead ?? p.input * 0.1;
  return (inputTokens * p.input + outputTokens * p.output + (cache.cacheWriteTokens ?? 0) * write + (cache.cacheReadTokens ?? 0) * read) / 1_000_000;
}

/** "1200 input + 300 output tokens, 4000 cache reads, 900 cache writes" (the cache parts when there are any). */
export function tokensText(t: TokenCount): string {
  const parts = [`${t.inputTokens} input + ${t.outputTokens} output tokens`];
  if (t.cacheReadTokens) parts.push(`${t.cacheReadTokens} cache reads`);
  if (t.cacheWriteTokens) parts.push(`${t.cacheWriteTokens} cache writes`);
  return parts.join(', ');
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
