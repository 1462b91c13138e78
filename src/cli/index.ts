/** `spawn-app`: the headless front over the app session (core/session), one file per command (commands/). */
import { configFromEnv } from '../core/base/config';
import { asSpawnError, exitCodeFor, isCancelled, messageOf } from '../core/base/errors';
import type { Session } from '../core/session';
import { dataVolumeName } from '../core/session';
import { synopses, parse } from './args';
import type { CommandName } from './args';
import { cmdCache } from './commands/cache';
import { cmdData } from './commands/data';
import { cmdDeploy } from './commands/deploy';
import { cmdDestroy } from './commands/destroy';
import { cmdGenerate } from './commands/generate';
import { cmdList } from './commands/list';
import { cmdMcp } from './commands/mcp';
import { cmdPause } from './commands/pause';
import { cmdRefine } from './commands/refine';
import { cmdResume } from './commands/resume';
import { cmdRun } from './commands/run';
import { cmdValidate } from './commands/validate';
import type { Ctx } from './context';
import { cliSession } from './context';
import { cliMessage } from './hints';
import type { Io } from './render';
import { Renderer } from './render';
import { terminalSafe, terminalSafeIo } from './text';

export { guessAppType } from '../core/session';

const VERSION = '0.1.0';

const USAGE = `spawn-app ${VERSION} — turn a sentence into a running app

Usage:
${synopses()}

Keys come from the environment: ANTHROPIC_API_KEY (or CLAUDE_API_KEY), E2B_API_KEY.
--env-file FILE: the app's secrets (dotenv syntax), passed to the app's processes only; the model is told their
names, never their values, and every value is redacted from the output.
--budget USD: today's spending cap (default $2.00, or SPAWN_APP_BUDGET_USD; 0 = none) over generation and E2B time;
the spend is kept in ~/.local/state/spawn-app/spend.json (or $XDG_STATE_HOME, $SPAWN_APP_STATE_DIR).
An E2B sandbox is paused at its timeout (SPAWN_APP_SANDBOX_TIMEOUT_MS, default 15 min) and a request to its URL
resumes it; --on-timeout kill (or SPAWN_APP_ON_TIMEOUT=kill) kills it instead. --data-volume NAME (or
SPAWN_APP_E2B_DATA_VOLUME) keeps each app's data folder on that E2B volume of your team's, so it outlives the sandbox.
With none, "auto" uses the built-in templates and the local runner, which sandboxes apps with bubblewrap
where it works (SPAWN_APP_SANDBOX=off turns that off); --no-network cuts a local app off the network. A sandboxed
local app reaches public addresses only (never this machine, link-local or cloud metadata addresses);
--allow-lan (or SPAWN_APP_ALLOW_LAN=1) lets it reach private ranges (your LAN) too.
On E2B, run creates the sandbox while the model writes (pre-warm; --no-prewarm or SPAWN_APP_PREWARM=0 turns it
off; SPAWN_APP_PREWARM_MINUTES, default 5, is how long it waits before it is killed).
run and deploy then check the app in a headless Chromium, Chrome or Edge (SPAWN_APP_BROWSER, else one found on
this machine; without one, over HTTP only); --screenshot FILE writes what the browser saw (PNG, 1280×800).
Exit codes: 0 ok, 2 usage, 3 blocked by validation, 4 generation failed, 5 deploy failed, 6 the app runs but
failed its verification, 130 interrupted.`;

const defaultIo: Io = { out: (s) => process.stdout.write(s + '\n'), err: (s) => process.stderr.write(s + '\n') };

const COMMAND_RUNNERS: Record<CommandName, (ctx: Ctx) => number | Promise<number>> = {
  run: cmdRun,
  generate: cmdGenerate,
  validate: cmdValidate,
  deploy: cmdDeploy,
  refine: cmdRefine,
  list: cmdList,
  destroy: cmdDestroy,
  pause: cmdPause,
  resume: cmdResume,
  mcp: (ctx) => cmdMcp(ctx, VERSION),
  cache: cmdCache,
  data: cmdData,
};

function indent(s: string): string {
  return s.split('\n').map((l) => `    ${l}`).join('\n');
}

export async function main(argv: string[], rawIo: Io = defaultIo, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  // File names, findings and an app's output are untrusted: no control character of theirs reaches the terminal.
  const io = terminalSafeIo(rawIo);
  let json = argv.includes('--json');
  let session: Session | undefined;
  try {
    const { cmd, positionals, opts } = parse(argv);
    json = opts.json;
    if (opts.version) {
      io.out(VERSION);
      return 0;
    }
    if (opts.help || !cmd) {
      (opts.help ? io.out : io.err)(USAGE);
      return opts.help ? 0 : 2;
    }
    const cfg = configFromEnv(env);
    if (opts['on-timeout'] !== undefined) cfg.onTimeout = opts['on-timeout'] as 'pause' | 'kill';
    if (opts['data-volume'] !== undefined) cfg.e2bDataVolume = dataVolumeName(opts['data-volume'], '--data-volume') ?? '';
    const render = new Renderer(io, opts.json);
    session = cliSession(cfg, opts, io, render, env);
    const s = session;
    render.redact = (text) => s.redact(text);
    return await COMMAND_RUNNERS[cmd]({ cfg, io, opts, positionals, env, render, session });
  } catch (err) {
    const code = exitCodeFor(isCancelled(err) ? err : asSpawnError(err));
    if (code === 130) {
      if (json) io.out(JSON.stringify({ event: 'error', code: 'cancelled', message: 'Interrupted.' }));
      else io.err('Interrupted.');
    } else {
      session?.redactError(err);
      const e = asSpawnError(err);
      if (json) io.out(JSON.stringify({ event: 'error', code: e.code, message: cliMessage(e), ...(e.detail ? { detail: e.detail } : {}) }));
      else io.err(`Error: ${cliMessage(e)}${e.detail ? `\n${indent(e.detail)}` : ''}`);
      if (process.env.SPAWN_APP_DEBUG && err instanceof Error) io.err(err.stack ?? '');
    }
    return code === 1 ? 1 : code;
  } finally {
    await session?.dispose();
  }
}

/** Entry point of the `spawn-app` binary. */
export function runCli(): void {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`Error: ${terminalSafe(messageOf(err))}\n`);
      process.exit(1);
    },
  );
}

if (require.main === module) runCli();
