/** E2B's plan limits, without the SDK (the extension's UI quotes them; e2b.ts loads the SDK lazily). */

/** E2B caps a sandbox's life, counted from its start, paused time included (https://e2b.dev/docs/sandbox). */
export const E2B_LIFETIME_CAP = 'E2B caps a sandbox\'s life at 1 hour on the Hobby plan and 24 hours on Pro, counted from its start';
