/**
 * The registered sandbox provider ids. The provider table (core/sandbox/providers.ts) has one line for each (TypeScript
 * checks it has a line for each, and no other); the id lives down here because events and records name a provider.
 */
export const PROVIDER_IDS = ['local', 'e2b'] as const;

export type ProviderId = (typeof PROVIDER_IDS)[number];

export function isProviderId(v: unknown): v is ProviderId {
  return typeof v === 'string' && (PROVIDER_IDS as readonly string[]).includes(v);
}
