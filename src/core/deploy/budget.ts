/**
 * A daily spending cap over generation (tokens × the price table) and sandbox time (E2B price × running seconds).
 * "Per day" is the local calendar day; the spend is kept where the front keeps state (the extension: globalState;
 * the CLI: a small per-user file, mode 0600). An unknown price is counted as unknown, never as zero.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SpawnError } from '../base/errors';
import { writeFileAtomic } from '../base/atomicWrite';
import { formatUsd } from '../base/pricing';
import { shape, shapeOrUndefined, z } from '../base/shape';

export const DEFAULT_BUDGET_USD = 2;
/** The share of the budget at which a front warns (once a day). */
export const WARN_AT = 0.8;

export interface SpendRecord {
  /** Local day, YYYY-MM-DD. */
  day: string;
  usd: number;
  /** How many charges had an unknown price (the true total is higher than `usd`). */
  unknown: number;
  /** The 80 % warning was shown for this day. */
  warned: boolean;
  /** The cap was reported for this day (sandboxes paused). */
  capped: boolean;
}

export interface SpendStore {
  load(): SpendRecord | undefined;
  save(r: SpendRecord): void;
}

export function dayOf(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

/** What a charge changed: `warn` once when 80 % is crossed, `reached` once when the cap is. */
export interface ChargeOutcome {
  warn: boolean;
  reached: boolean;
}

export class Budget {
  constructor(
    private readonly store: SpendStore,
    /** USD per day; 0 = no cap. */
    readonly limitUsd: number,
    /** Today's clock. */
    readonly clock: () => number = Date.now,
  ) {
    if (!Number.isFinite(limitUsd) || limitUsd < 0) throw new SpawnError('usage', 'The budget must be a number of dollars, 0 or more (0 = no cap).');
  }

  /** Today's record (a new day starts at zero). */
  today(): SpendRecord {
    const day = dayOf(this.clock());
    const r = this.store.load();
    return r && r.day === day ? r : { day, usd: 0, unknown: 0, warned: false, capped: false };
  }

  get capped(): boolean {
    return this.limitUsd > 0 && this.today().usd >= this.limitUsd;
  }

  /** Adds a charge (null: its price is unknown). */
  charge(usd: number | null): ChargeOutcome {
    const r = this.today();
    if (usd === null) r.unknown++;
    else r.usd += Math.max(0, usd);
    const out: ChargeOutcome = { warn: false, reached: false };
    if (this.limitUsd > 0) {
      if (!r.warned && r.usd >= WARN_AT * this.limitUsd) out.warn = r.warned = true;
      if (!r.capped && r.usd >= this.limitUsd) out.reached = r.capped = true;
    }
    this.store.save(r);
    return out;
  }

  /** "$0.42 / $2.00 today" (with "+ unknown" when some price was unknown). */
  describe(): string {
    const r = this.today();
    const spent = `${formatUsd(r.usd)}${r.unknown ? ' + unknown' : ''}`;
    return this.limitUsd > 0 ? `${spent} / ${formatUsd(this.limitUsd)} today` : `${spent} today (no cap)`;
  }

  /** One sentence for a generation that would start past the cap. */
  refusal(what = 'generation'): string {
    return `Today's spending cap is reached (${this.describe()}): no ${what} was started; raise the budget or wait until tomorrow.`;
  }

  /** The sentence a front shows at 80 %. */
  warning(): string {
    const r = this.today();
    return `Spawn App has spent ${Math.round((r.usd / this.limitUsd) * 100)} % of today's budget (${this.describe()}).${r.unknown ? ' Some prices are unknown, so the total is higher.' : ''}`;
  }
}

/** The CLI's spend file: $SPAWN_APP_STATE_DIR, else $XDG_STATE_HOME/spawn-app, else ~/.local/state/spawn-app. */
export function defaultSpendFile(env: NodeJS.ProcessEnv = process.env): string {
  const dir = env.SPAWN_APP_STATE_DIR || path.join(env.XDG_STATE_HOME || path.join(os.homedir(), '.local', 'state'), 'spawn-app');
  return path.join(dir, 'spend.json');
}

/** The spend file's shape: a day and a total (older files may lack the counters, read as 0 / false). */
const SPEND_SHAPE = shape(() => z.object({ day: z.string(), usd: z.number(), unknown: z.optional(z.unknown()), warned: z.optional(z.unknown()), capped: z.optional(z.unknown()) }));

/** A spend record in a small JSON file only its user can read (0600), written atomically. */
export class FileSpendStore implements SpendStore {
  constructor(readonly file: string) {}

  load(): SpendRecord | undefined {
    try {
      const r = shapeOrUndefined(SPEND_SHAPE, JSON.parse(readFileSync(this.file, 'utf8')));
      if (!r) return undefined;
      return { day: r.day, usd: r.usd, unknown: Number(r.unknown) || 0, warned: r.warned === true, capped: r.capped === true };
    } catch {
      return undefined;
    }
  }

  save(r: SpendRecord): void {
    mkdirSync(path.dirname(this.file), { recursive: true, mode: 0o700 });
    writeFileAtomic(this.file, JSON.stringify(r) + '\n', { mode: 0o600 });
  }
}

/** A budget in USD from a flag or setting value; one sentence when it is not a number ≥ 0. */
export function parseBudget(raw: string | number | undefined, fallback = DEFAULT_BUDGET_USD): number {
  if (raw === undefined || raw === '') return fallback;
  const n = typeof raw === 'number' ? raw : Number(String(raw).replace(/^\$/, ''));
  if (!Number.isFinite(n) || n < 0) throw new SpawnError('usage', `The budget must be a number of dollars, 0 or more (0 = no cap), not "${String(raw).slice(0, 20)}".`);
  return n;
}

/** What a start would pay for: a model's generation, a billed provider's sandbox (its label, e.g. "E2B"). */
export interface PaidStart {
  /** A model is asked (true: "generation"; or the word for it, e.g. "refine"). */
  generation?: boolean | string;
  /** The provider's label when it bills its sandboxes (core/sandbox/providers.ts `billed`), else undefined. */
  billedSandbox?: string;
}

/**
 * The one check before any paid call (a model, a billed sandbox, a pre-warm's sandbox): past today's cap it throws
 * the budget's sentence (code `usage`) and nothing was started. Free work (templates, the local runner) always passes.
 */
export function checkPaidStart(budget: Budget, paid: PaidStart): void {
  const what = paidWhat(paid);
  if (what && budget.capped) throw new SpawnError('usage', budget.refusal(what));
}

/** What a start pays for, in words ("generation or E2B sandbox"); empty when it is free. */
export function paidWhat(paid: PaidStart): string {
  return [paid.generation ? (paid.generation === true ? 'generation' : paid.generation) : undefined, paid.billedSandbox ? `${paid.billedSandbox} sandbox` : undefined].filter((x) => x !== undefined).join(' or ');
}
