/**
 * What every CLI command gets: its parsed arguments, the outputs, the renderer, and the app session built with the
 * CLI's ports: asking is a TTY prompt or --yes (past the cap: the refusal), the spend is the per-user spend file,
 * progress is the renderer.
 */
import { createInterface } from 'node:readline/promises';
import type { CoreConfig } from '../core/base/config';
import { CancelledError } from '../core/base/errors';
import type { UnsandboxedRun } from '../core/session';
import { budgetUsdFrom, readSecrets, Session, spendFile } from '../core/session';
import type { ParsedOptions } from './args';
import { fixRounds, usage } from './args';
import type { Io } from './render';
import type { Renderer } from './render';

export interface Ctx {
  cfg: CoreConfig;
  io: Io;
  opts: ParsedOptions;
  positionals: string[];
  env: NodeJS.ProcessEnv;
  render: Renderer;
  session: Session;
}

/**
 * Asks before code that is not ours runs unsandboxed. "Ours" is the session's (a built-in template it just
 * generated), never a folder's manifest: `deploy PATH` always asks. Without a terminal, --yes is the answer.
 */
async function confirmUnsandboxed(yes: boolean, io: Io, q: UnsandboxedRun): Promise<boolean> {
  if (yes) return true;
  // The session's sentence (who wrote it, where it would run and why unsandboxed); the CLI adds only its flags.
  if (!process.stdin.isTTY) throw usage(`${q.message} Pass --yes to run it anyway, or use --provider e2b.`);
  io.err(`Warning: ${q.message}`);
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await rl.question('Run it locally? [y/N] ');
    if (!/^y(es)?$/i.test(answer.trim())) throw new CancelledError();
    return true;
  } finally {
    rl.close();
  }
}

/** The session of one CLI command. */
export function cliSession(cfg: CoreConfig, opts: ParsedOptions, io: Io, render: Renderer, env: NodeJS.ProcessEnv): Session {
  return new Session({
    cfg,
    client: 'cli',
    local: { env, network: !opts['no-network'], ...(opts['allow-lan'] ? { allowLan: true } : {}) },
    // The same secrets and cap for every command (--env-file, --budget, SPAWN_APP_BUDGET_USD).
    secrets: opts['env-file'] !== undefined ? readSecrets(opts['env-file']) : {},
    budgetUsd: budgetUsdFrom(opts.budget, env),
    provider: opts.provider ?? 'auto',
    prewarm: !opts['no-prewarm'],
    meterMs: Math.max(20, Number(env.SPAWN_APP_METER_MS) || 5000),
    // This process's one browser for the verification step (SPAWN_APP_BROWSER, else one found on its PATH).
    verify: { browserPath: cfg.browserPath, env },
    // --fix N rounds after a failed verification; else the session's default (1 with a key, 0 without).
    fixRounds: fixRounds(opts.fix),
    ports: {
      ask: {
        unsandboxedRun: (q) => {
          // What validation found (with the secrets) is shown before the question, not after the yes.
          if (!opts.yes) for (const f of q.findings) render.emit({ event: 'finding', ...f });
          return confirmUnsandboxed(opts.yes, io, q);
        },
        // The CLI refuses past the cap (exit 2, the budget's sentence): no paid call starts.
        pastCap: async () => false,
      },
      spend: spendFile(env),
      progress: (e) => render.emit(e),
    },
  });
}
