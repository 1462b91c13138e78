/** `spawn-app`: the headless front over the same core the extension uses. */
import { createInterface } from 'node:readline/promises';
import { parseArgs } from 'node:util';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadApp, saveApp, updateApp } from './core/workspace/appDir';
import { applyPatch } from './core/workspace/patch';
import type { CoreConfig } from './core/base/config';
import { configFromEnv, DEFAULTS } from './core/base/config';
import type { Deployment } from './core/deploy/deploy';
import { deploy } from './core/deploy/deploy';
import { cliMessage } from './cliHints';
import { terminalSafe, terminalSafeIo } from './cliText';
import { asSpawnError, CancelledError, exitCodeFor, isCancelled, messageOf, SpawnError } from './core/base/errors';
import type { SpawnEvent } from './core/base/events';
import type { GeneratorChoice } from './core/generate';
import { createGenerator, resolveGeneratorId } from './core/generate';
import { formatUsd } from './core/base/pricing';
import type { AppSpec, AppType } from './core/app/spec';
import { appNameFrom, promptTooLong } from './core/app/spec';
import { APP_TYPES, DEFAULT_APP_TYPE, guessAppType, isAppType } from './core/stacks';
import { extendAfterTake, Prewarm, prewarmWanted, takePrewarm } from './core/deploy/prewarm';
import { allProviders as providersOf } from './core/deploy/sandboxes';
import { templateStandInNotice } from './core/generate/templates';
import { LocalProvider } from './core/sandbox/local/provider';
import { cmdCache } from './cliCache';
import type { ProviderChoice } from './core/sandbox';
import { createProvider, resolveProviderId } from './core/sandbox';
import { PROVIDER_IDS } from './core/base/providerId';
import { providerInfo } from './core/sandbox/providers';
import { isolationWords } from './core/deploy/whereItRuns';
import { mayRunWithoutAsking } from './core/tools/trust';
import { TrustedSpecs } from './core/app/trust';
import type { SandboxProvider } from './core/sandbox/types';
import { ON_TIMEOUT_CHOICES } from './core/sandbox/types';
import { cmdPause, cmdResume } from './cliLifecycle';
import { cmdDestroy as destroySandboxes, cmdList } from './cliSandboxes';
import { formatFinding, hasErrors, MANIFEST_NAME, validateSpec } from './core/validate';
import type { AppSecrets } from './core/base/secrets';
import { readEnvFile, Redactor } from './core/base/secrets';
import type { Budget } from './core/deploy/budget';
import { budgetFromEnv, checkPaidStart, meterFor } from './core/deploy/budget';
import { formatProblem, Verifier } from './core/verify';

const VERSION = '0.1.0';

const USAGE = `spawn-app ${VERSION} — turn a sentence into a running app

Usage:
  spawn-app run "<prompt>" [--type webapp|react|api|script] [--generator auto|claude|templates]
                           [--provider auto|local|e2b] [--json] [--yes] [--detach] [--no-network]
                           [--allow-lan] [--no-prewarm] [--env-file FILE] [--budget USD] [--on-timeout pause|kill]
                           [--screenshot FILE]
  spawn-app generate "<prompt>" [--type …] [--generator …] --out DIR [--json] [--env-file FILE] [--budget USD]
  spawn-app validate PATH [--json] [--env-file FILE]   PATH: a folder with spawn-app.json, or a spec .json file
  spawn-app deploy PATH [--provider …] [--json] [--yes] [--detach] [--no-network] [--allow-lan] [--env-file FILE]
                    [--budget USD] [--screenshot FILE]
  spawn-app refine PATH "<follow-up>" [--json] [--env-file FILE] [--budget USD]
                                            change an app folder with Claude; prints the changed paths
  spawn-app list [--json]                   every sandbox with its state (running, paused)
  spawn-app pause ID | resume ID            an E2B sandbox: paused costs nothing; resume runs it for the timeout
  spawn-app destroy ID|--all
  spawn-app mcp [--dir DIR] [--provider …] [--keep] [--allow-local-unsandboxed] [--allow-destroy-any]
                [--no-network] [--allow-lan] [--env-file FILE] [--budget USD]
                                            an MCP server on stdio for agents (Claude Code, Cursor, VS Code)
  spawn-app cache [--clear] [--json]        the local dependency cache: entries and sizes; --clear removes them

Keys come from the environment: ANTHROPIC_API_KEY (or CLAUDE_API_KEY), E2B_API_KEY.
--env-file FILE: the app's secrets (dotenv syntax), passed to the app's processes only; the model is told their
names, never their values, and every value is redacted from the output.
--budget USD: today's spending cap (default $2.00, or SPAWN_APP_BUDGET_USD; 0 = none) over generation and E2B time;
the spend is kept in ~/.local/state/spawn-app/spend.json (or $XDG_STATE_HOME, $SPAWN_APP_STATE_DIR).
An E2B sandbox is paused at its timeout (SPAWN_APP_SANDBOX_TIMEOUT_MS, default 15 min) and a request to its URL
resumes it; --on-timeout kill (or SPAWN_APP_ON_TIMEOUT=kill) kills it instead.
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

interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
}

const defaultIo: Io = { out: (s) => process.stdout.write(s + '\n'), err: (s) => process.stderr.write(s + '\n') };

interface Options {
  type?: string;
  generator?: string;
  provider?: string;
  out?: string;
  json: boolean;
  yes: boolean;
  detach: boolean;
  all: boolean;
  'no-network': boolean;
  'allow-lan': boolean;
  'no-prewarm': boolean;
  keep: boolean;
  dir?: string;
  'allow-local-unsandboxed': boolean;
  'allow-destroy-any': boolean;
  clear: boolean;
  'env-file'?: string;
  budget?: string;
  'on-timeout'?: string;
  screenshot?: string;
  help: boolean;
  version: boolean;
}

function usage(msg: string): SpawnError {
  return new SpawnError('usage', `${msg} Run "spawn-app --help" for usage.`);
}

function parse(argv: string[]): { cmd?: string; positionals: string[]; opts: Options } {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        type: { type: 'string', short: 't' },
        generator: { type: 'string', short: 'g' },
        provider: { type: 'string', short: 'p' },
        out: { type: 'string', short: 'o' },
        json: { type: 'boolean', default: false },
        yes: { type: 'boolean', short: 'y', default: false },
        detach: { type: 'boolean', default: false },
        all: { type: 'boolean', default: false },
        'no-network': { type: 'boolean', default: false },
        'allow-lan': { type: 'boolean', default: false },
        'no-prewarm': { type: 'boolean', default: false },
        keep: { type: 'boolean', default: false },
        dir: { type: 'string' },
        'allow-local-unsandboxed': { type: 'boolean', default: false },
        'allow-destroy-any': { type: 'boolean', default: false },
        clear: { type: 'boolean', default: false },
        'env-file': { type: 'string' },
        budget: { type: 'string' },
        'on-timeout': { type: 'string' },
        screenshot: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
        version: { type: 'boolean', short: 'v', default: false },
      },
    });
  } catch (err) {
    throw usage(messageOf(err).replace(/\.$/, '') + '.');
  }
  const [cmd, ...positionals] = parsed.positionals;
  return { cmd, positionals, opts: parsed.values as Options };
}

/** Guesses the app type from the prompt when --type is not given. */
export { guessAppType };

function pick<T extends string>(value: string | undefined, allowed: readonly T[], name: string, fallback: T): T {
  if (value === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(value)) throw usage(`--${name} must be one of ${allowed.join(', ')}.`);
  return value as T;
}

/** Renders events: JSON lines on stdout with --json, else short human lines on stderr. */
class Renderer {
  constructor(private readonly io: Io, private readonly json: boolean, private readonly ctx?: Pick<Ctx, 'redactor' | 'budget'>) {}

  /** A line about the budget: a JSON event with --json, else a line on stderr. */
  budgetNote(status: 'warning' | 'reached', message: string): void {
    if (this.json) this.io.out(JSON.stringify({ event: 'budget', status, message, spent: this.ctx?.budget.describe() }));
    else this.io.err(`${status === 'warning' ? 'Warning' : 'Budget'}: ${message}`);
  }

  emit = (raw: SpawnEvent): void => {
    // Every value of an app secret is redacted from what is printed (file contents stay out of it anyway).
    const e = this.ctx ? this.ctx.redactor.event(raw) : raw;
    if (e.event === 'cost' && this.ctx) {
      const { warn, reached } = this.ctx.budget.charge(e.usd);
      if (warn && !reached) this.budgetNote('warning', this.ctx.budget.warning());
      if (reached) this.budgetNote('reached', `Today's spending cap is reached (${this.ctx.budget.describe()}).`);
    }
    if (this.json) {
      // File contents stay out of the event stream (they are written to disk or shown in the editor).
      this.io.out(JSON.stringify(e.event === 'file' ? { event: 'file', path: e.path, status: e.status, ...(e.content !== undefined ? { bytes: Buffer.byteLength(e.content) } : {}) } : e));
      return;
    }
    switch (e.event) {
      case 'file':
        if (e.status === 'complete') this.io.err(`  + ${e.path}`);
        break;
      case 'finding':
        this.io.err(`  ${formatFinding(e)}`);
        break;
      case 'phase':
        if (e.status === 'started') this.io.err(`• ${e.phase}…`);
        else if (e.status === 'skipped') this.io.err(`• ${e.phase} skipped (${e.detail ?? ''})`);
        else if (e.status === 'failed') this.io.err(`✗ ${e.phase} failed`);
        break;
      case 'log':
        this.io.err(`  ${e.source === 'install' ? '[install]' : '[app]'} ${e.line}`);
        break;
      case 'ready':
        this.io.err(`✓ ready in ${e.durationMs ?? '?'} ms (${e.provider} sandbox ${e.sandboxId})`);
        this.io.out(e.url);
        break;
      case 'verify':
        if (e.status === 'started') this.io.err('• verify…');
        else if (e.state === 'verified') this.io.err(`✓ verified (${e.ms} ms)${e.title ? ` — "${e.title}"` : ''}`);
        else {
          if (e.problems.length) this.io.err(`✗ verification found ${e.problems.length} problem${e.problems.length === 1 ? '' : 's'} (${e.ms} ms):`);
          else this.io.err(`✓ HTTP checks passed (${e.ms} ms)`);
          for (const p of e.problems) this.io.err(`  - ${formatProblem(p)}`);
          if (e.note) this.io.err(`  ${e.note}`);
        }
        break;
      case 'cost':
        if (e.kind === 'generation') {
          this.io.err(`  ${e.model}: ${e.inputTokens ?? 0} input + ${e.outputTokens ?? 0} output tokens, ${formatUsd(e.usd)}`);
        }
        break;
    }
  };
}

function indent(s: string): string {
  return s.split('\n').map((l) => `    ${l}`).join('\n');
}

/** Resolves on SIGINT/SIGTERM; the returned AbortController is aborted then. */
function interruptible(): { controller: AbortController; stopped: Promise<void>; dispose(): void } {
  const controller = new AbortController();
  let resolveStopped!: () => void;
  const stopped = new Promise<void>((r) => (resolveStopped = r));
  const onSignal = () => {
    controller.abort();
    resolveStopped();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('SIGHUP', onSignal);
  return {
    controller,
    stopped,
    dispose() {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      process.off('SIGHUP', onSignal);
    },
  };
}

/** One line on what the local runner isolates (stderr), or a JSON event with --json. */
function reportIsolation(local: LocalProvider, opts: Options, io: Io): void {
  const iso = local.isolation();
  if (opts.json) {
    io.out(JSON.stringify({ event: 'isolation', provider: 'local', ...iso }));
    return;
  }
  io.err(`• local runner: ${isolationWords(iso, true)}`);
}

/**
 * Asks before code that is not ours runs unsandboxed. "Ours" is decided by this process (a built-in template it
 * just generated, `Ctx.trusted`), never by a folder's manifest: `deploy PATH` always asks.
 */
async function confirmUnsandboxed(opts: Options, io: Io, origin: 'model' | 'folder', reason: string | undefined): Promise<void> {
  if (opts.yes) return;
  const who = origin === 'model' ? 'was written by a model' : 'comes from a folder (not a built-in template generated now)';
  const warning = `This app ${who} and the local runner runs it unsandboxed on this machine (${reason ?? 'no sandbox'}).`;
  if (!process.stdin.isTTY) throw usage(`${warning} Pass --yes to run it anyway, or use --provider e2b.`);
  io.err(`Warning: ${warning}`);
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await rl.question('Run it locally? [y/N] ');
    if (!/^y(es)?$/i.test(answer.trim())) throw new CancelledError();
  } finally {
    rl.close();
  }
}

interface Ctx {
  cfg: CoreConfig;
  io: Io;
  local: LocalProvider;
  /** The app's secrets from --env-file (empty without it). */
  secrets: AppSecrets;
  redactor: Redactor;
  budget: Budget;
  /** How often a running E2B sandbox's seconds are charged (ms). */
  meterMs: number;
  /** What this process's template generator wrote (core/tools/trust.ts): only that runs unsandboxed without asking. */
  trusted: TrustedSpecs;
  /** Checks each deployed app (core/verify): this process's one browser (SPAWN_APP_BROWSER, else one found). */
  verifier: Verifier;
}

/** Refuses a model request once today's cap is reached (exit 2, one sentence): core/deploy/budget.ts checkPaidStart. */
function checkBudget(ctx: Ctx, what: 'generation' | 'refine'): void {
  checkPaidStart(ctx.budget, { generation: what });
}

/**
 * Past today's cap, refuses a command whose generation or sandbox would be paid before any paid call starts (the
 * pre-warm's sandbox is one: it is created before the model is asked). The rule is the core's, as for MCP.
 */
function checkCliPaidStart(choice: ProviderChoice, ctx: Ctx, generator?: GeneratorChoice): void {
  const provider = providerInfo(resolveProviderId(choice, ctx.cfg));
  checkPaidStart(ctx.budget, {
    generation: generator !== undefined && resolveGeneratorId(generator, ctx.cfg) !== 'templates',
    billedSandbox: provider.billed ? provider.label : undefined,
  });
}

function checkPrompt(prompt: string, opts: Options): AppType {
  if (!prompt.trim()) throw usage('The prompt is empty.');
  const tooLong = promptTooLong(prompt);
  if (tooLong) throw usage(tooLong);
  return opts.type !== undefined ? pick<AppType>(opts.type, APP_TYPES, 'type', DEFAULT_APP_TYPE) : guessAppType(prompt);
}

function generatorChoice(opts: Options): GeneratorChoice {
  return pick<GeneratorChoice>(opts.generator, ['auto', 'claude', 'templates'], 'generator', 'auto');
}

async function generateSpec(prompt: string, opts: Options, ctx: Ctx, render: Renderer, signal: AbortSignal): Promise<{ spec: AppSpec; generator: string }> {
  const appType = checkPrompt(prompt, opts);
  const choice = generatorChoice(opts);
  const generator = await createGenerator(choice, ctx.cfg);
  if (generator.id !== 'templates') checkBudget(ctx, 'generation');
  if (choice === 'auto' && resolveGeneratorId(choice, ctx.cfg) === 'templates' && !opts.json) {
    ctx.io.err(templateStandInNotice(appType, prompt, 'No Anthropic API key is set (ANTHROPIC_API_KEY)'));
  }
  const t0 = performance.now();
  render.emit({ event: 'phase', phase: 'generate', status: 'started', detail: `${generator.id}, ${appType}` });
  try {
    const result = await generator.generate({ prompt, appType, signal, onEvent: render.emit, secrets: ctx.secrets });
    render.emit({ event: 'phase', phase: 'generate', status: 'finished', durationMs: Math.round(performance.now() - t0) });
    // Ours: this process's own template generator wrote it just now (not a model, not a file): the core's one digest.
    if (generator.id === 'templates') ctx.trusted.markOurs(result.spec);
    return { spec: result.spec, generator: result.generator };
  } catch (err) {
    if (!isCancelled(err)) render.emit({ event: 'phase', phase: 'generate', status: 'failed', durationMs: Math.round(performance.now() - t0) });
    throw err;
  }
}

async function serve(deployment: Deployment, provider: SandboxProvider, opts: Options, ctx: Ctx, render: Renderer, stopped: Promise<void>): Promise<number> {
  if (opts.detach) {
    if (!opts.json) ctx.io.err(`Left running (destroy with: spawn-app destroy ${deployment.sandbox.id}).`);
    return 0;
  }
  if (!opts.json) ctx.io.err('Serving; press Ctrl-C to stop and destroy the sandbox.');
  // A remote sandbox's running seconds count against today's budget; at the cap it is paused, not killed.
  const metered = providerInfo(provider.id).billed;
  const meter = metered ? await meterFor(ctx.budget, deployment.sandbox, provider) : undefined;
  let capped!: () => void;
  const atCap = new Promise<void>((r) => (capped = r));
  const tick = () => {
    const { warn, reached } = meter!.tick();
    if (warn && !reached) render.budgetNote('warning', ctx.budget.warning());
    if (ctx.budget.capped && provider.pause) capped();
  };
  const timer = metered ? setInterval(tick, ctx.meterMs) : undefined;
  if (metered) tick();
  let ended: 'stopped' | 'exited' | 'cap';
  try {
    ended = await Promise.race([stopped.then(() => 'stopped' as const), deployment.process.exited.then(() => 'exited' as const), atCap.then(() => 'cap' as const)]);
  } finally {
    if (timer) clearInterval(timer);
  }
  if (ended === 'exited') {
    meter?.tick();
    return appEnded(deployment, provider, opts, ctx);
  }
  if (metered && ctx.budget.capped && provider.pause) {
    await provider.pause(deployment.sandbox.id);
    render.budgetNote('reached', `Today's spending cap is reached (${ctx.budget.describe()}): sandbox ${deployment.sandbox.id} is paused, not deleted (delete it with: spawn-app destroy ${deployment.sandbox.id}).`);
    return 0;
  }
  meter?.tick();
  if (!opts.json) ctx.io.err('Stopping…');
  await deployment.sandbox.destroy();
  return 0;
}

/**
 * The served app's process ended without a Ctrl-C: either its sandbox was destroyed from outside (spawn-app
 * destroy, an MCP client, the editor), said in one sentence (exit 5), or the app exited by itself, said too.
 */
async function appEnded(deployment: Deployment, provider: SandboxProvider, opts: Options, ctx: Ctx): Promise<number> {
  const id = deployment.sandbox.id;
  const { exitCode } = await deployment.process.exited;
  // undefined: not listed; null: the provider could not say.
  const find = () => provider.list().then((all) => all.find((s) => s.id === id), () => null);
  let found = await find();
  // A local destroy from another process kills the app's process group first and removes its record after that:
  // an app ended by a signal may be listed a moment longer, so look again (for a few seconds at most).
  for (const deadline = Date.now() + 5000; found && found.state !== 'paused' && exitCode === -1 && Date.now() < deadline; found = await find()) {
    await new Promise((r) => setTimeout(r, 50));
  }
  await deployment.sandbox.destroy().catch(() => undefined);
  const endAt = deployment.sandbox.info().endAt;
  if (found === undefined && endAt !== undefined && Date.now() >= endAt) throw new SpawnError('deploy.not_found', `Sandbox ${id} ended at its timeout, so the app stopped.`);
  if (found === undefined) throw new SpawnError('deploy.not_found', `Sandbox ${id} was destroyed by another process (spawn-app destroy, an MCP client or the editor), so the app stopped.`);
  if (!opts.json) {
    ctx.io.err(found?.state === 'paused'
      ? `Sandbox ${id} was paused (at its timeout, or by another process), so the app stopped; the sandbox is destroyed.`
      : `The app exited by itself${exitCode === null ? '' : ` (exit code ${exitCode})`}; sandbox ${id} is destroyed.`);
  }
  return 0;
}

async function checkDetach(opts: Options, ctx: Ctx): Promise<ProviderChoice> {
  const choice = pick<ProviderChoice>(opts.provider, ['auto', ...PROVIDER_IDS], 'provider', 'auto');
  if (opts.detach && !providerInfo(resolveProviderId(choice, ctx.cfg)).timeout) {
    throw usage('--detach needs a remote (E2B) sandbox: local sandboxes live only as long as spawn-app runs.');
  }
  return choice;
}

/** Deploys a spec and serves it until Ctrl-C (or exits after ready with --detach); shared by run and deploy. */
async function deployAndServe(spec: AppSpec, origin: 'model' | 'folder', name: string, choice: ProviderChoice, opts: Options, ctx: Ctx, render: Renderer, stop: ReturnType<typeof interruptible>, prewarm?: Prewarm): Promise<number> {
  const provider = prewarm?.provider ?? (await createProvider(choice, ctx.cfg, ctx.local));
  if (providerInfo(provider.id).onThisMachine) {
    reportIsolation(ctx.local, opts, ctx.io);
    // The one trust rule (core/tools/trust.ts), as the MCP server and the extension decide it. A spec with
    // validation errors never runs (deploy refuses it, exit 3): no need to ask about it first.
    if (!mayRunWithoutAsking(spec, provider, ctx.trusted, false).ok && !hasErrors(validateSpec(spec))) await confirmUnsandboxed(opts, ctx.io, origin, ctx.local.isolation().reason);
  }
  let into: Awaited<ReturnType<typeof takePrewarm>>;
  let ready = false;
  const deploying = deploy({
    spec,
    provider,
    appName: appNameFrom(spec.title ?? name),
    signal: stop.controller.signal,
    onEvent: (e) => {
      ready ||= e.event === 'ready';
      render.emit(e);
    },
    timeoutMs: ctx.cfg.sandboxTimeoutMs ?? DEFAULTS.sandboxTimeoutMs,
    metadata: { appType: spec.appType, createdBy: 'spawn-app', client: 'cli' },
    // The take rule and extend-after-take are the core's (core/deploy/prewarm.ts), as in the extension.
    into: (into = await takePrewarm(prewarm, spec.appType, provider.id)),
    secrets: ctx.secrets,
    verify: ctx.verifier,
  });
  // Stopped after `ready` (while the app was being verified) is a stop like one while it is served: exit 0.
  const deployment = await deploying.catch((err: unknown) => {
    if (ready && isCancelled(err)) return undefined;
    throw err;
  });
  if (!deployment) {
    if (!opts.json) ctx.io.err('Stopped.');
    return 0;
  }
  await extendAfterTake(into, (ms) => deployment.sandbox.extendTimeout(ms), ctx.cfg.sandboxTimeoutMs ?? DEFAULTS.sandboxTimeoutMs, (m) => {
    if (!opts.json) ctx.io.err(`Warning: ${m}`);
  });
  if (opts.screenshot !== undefined) writeScreenshot(deployment, opts.screenshot, ctx.io);
  const served = await serve(deployment, provider, opts, ctx, render, stop.stopped);
  return served === 0 && deployment.verification?.state === 'problems' ? EXIT_NOT_VERIFIED : served;
}

/** The exit code of an app that runs but failed its verification (docs/cli.md). */
const EXIT_NOT_VERIFIED = 6;

/** --screenshot FILE: the browser's picture of the app (1280×800 PNG), or one sentence why there is none. */
function writeScreenshot(deployment: Deployment, file: string, io: Io): void {
  const shot = deployment.verification?.screenshots?.wide;
  if (!shot) {
    io.err(`Warning: no screenshot written to ${file}: ${deployment.verification?.note ?? 'the app was not checked in a browser.'}`);
    return;
  }
  try {
    writeFileSync(file, shot);
  } catch (err) {
    io.err(`Warning: could not write the screenshot to ${file} (${(err as NodeJS.ErrnoException).code ?? messageOf(err)}).`);
  }
}

/**
 * `run` on E2B: the sandbox is created from the app type's template while the model writes (nothing is written
 * into it before the deploy). Undefined for the local runner, with --no-prewarm or SPAWN_APP_PREWARM=0.
 */
async function startPrewarm(appType: AppType, choice: ProviderChoice, opts: Options, ctx: Ctx): Promise<Prewarm | undefined> {
  if (!prewarmWanted(!opts['no-prewarm'] && ctx.cfg.prewarm !== false, resolveProviderId(choice, ctx.cfg))) return undefined;
  const provider = await createProvider(choice, ctx.cfg, ctx.local);
  const prewarm = Prewarm.start({
    provider,
    appType,
    idleMs: ctx.cfg.prewarmIdleMs,
    metadata: { client: 'cli' },
    onEvent: (e) => {
      if (e.kind === 'created') renderPrewarm(ctx, opts, { event: 'prewarm', status: 'ready', sandboxId: e.sandbox.id, durationMs: e.createMs });
      else if (e.kind === 'discarded') renderPrewarm(ctx, opts, { event: 'prewarm', status: 'discarded', reason: e.reason, sandboxId: e.sandboxId });
      else if (e.kind === 'failed') renderPrewarm(ctx, opts, { event: 'prewarm', status: 'failed', message: messageOf(e.error) });
    },
  });
  return prewarm;
}

function renderPrewarm(ctx: Ctx, opts: Options, e: { event: 'prewarm'; status: string; sandboxId?: string; reason?: string; durationMs?: number; message?: string }): void {
  if (opts.json) ctx.io.out(JSON.stringify(e));
  else if (e.status === 'ready') ctx.io.err(`• pre-warmed E2B sandbox ${e.sandboxId} in ${e.durationMs} ms (nothing runs in it until the deploy)`);
  else if (e.status === 'discarded') ctx.io.err(`• pre-warmed sandbox ${e.sandboxId ?? '(being created)'} killed (${e.reason})`);
  else ctx.io.err(`• pre-warm failed (${e.message}); the deploy creates its own sandbox`);
}

async function cmdRun(prompt: string | undefined, opts: Options, ctx: Ctx): Promise<number> {
  if (prompt === undefined) throw usage('run needs a prompt, e.g. spawn-app run "a calculator".');
  const render = new Renderer(ctx.io, opts.json, ctx);
  const choice = await checkDetach(opts, ctx);
  const stop = interruptible();
  let prewarm: Prewarm | undefined;
  try {
    const appType = checkPrompt(prompt, opts);
    checkCliPaidStart(choice, ctx, generatorChoice(opts));
    prewarm = await startPrewarm(appType, choice, opts, ctx);
    let generated: { spec: AppSpec; generator: string };
    try {
      generated = await generateSpec(prompt, opts, ctx, render, stop.controller.signal);
    } catch (err) {
      await prewarm?.discard(isCancelled(err) || stop.controller.signal.aborted ? 'cancelled' : 'generation-failed');
      throw err;
    }
    return await deployAndServe(generated.spec, 'model', prompt, choice, opts, ctx, render, stop, prewarm);
  } finally {
    // Not taken (validation blocked the deploy, an interrupt before it): it goes.
    await prewarm?.discard(stop.controller.signal.aborted ? 'cancelled' : 'not-used');
    stop.dispose();
  }
}

async function cmdGenerate(prompt: string | undefined, opts: Options, ctx: Ctx): Promise<number> {
  if (prompt === undefined) throw usage('generate needs a prompt.');
  if (!opts.out) throw usage('generate needs --out DIR.');
  const render = new Renderer(ctx.io, opts.json, ctx);
  const stop = interruptible();
  try {
    const { spec, generator } = await generateSpec(prompt, opts, ctx, render, stop.controller.signal);
    const findings = validateSpec(spec, { secrets: ctx.secrets });
    for (const f of findings) render.emit({ event: 'finding', ...f });
    if (hasErrors(findings)) throw new SpawnError('blocked', 'Nothing was written: the generated app failed validation.');
    saveApp(opts.out, spec, generator);
    if (!opts.json) ctx.io.err(`Wrote ${spec.files.length} files to ${opts.out}`);
    return 0;
  } finally {
    stop.dispose();
  }
}

function cmdValidate(p: string | undefined, opts: Options, ctx: Ctx): number {
  if (!p) throw usage('validate needs a PATH.');
  const { spec } = loadApp(p);
  const findings = validateSpec(spec, { secrets: ctx.secrets });
  const render = new Renderer(ctx.io, opts.json, ctx);
  for (const f of findings) render.emit({ event: 'finding', ...f });
  const errors = findings.filter((f) => f.severity === 'error').length;
  if (!opts.json) ctx.io.err(`${errors} error(s), ${findings.length - errors} warning(s).`);
  return errors ? 3 : 0;
}

async function cmdDeploy(p: string | undefined, opts: Options, ctx: Ctx): Promise<number> {
  if (!p) throw usage('deploy needs a PATH.');
  const choice = await checkDetach(opts, ctx);
  // Whatever the folder's manifest says about who wrote it, code read from disk is not ours.
  const { spec } = loadApp(p);
  checkCliPaidStart(choice, ctx);
  const render = new Renderer(ctx.io, opts.json, ctx);
  const stop = interruptible();
  try {
    return await deployAndServe(spec, 'folder', p, choice, opts, ctx, render, stop);
  } finally {
    stop.dispose();
  }
}

async function cmdRefine(p: string | undefined, followUp: string | undefined, opts: Options, ctx: Ctx): Promise<number> {
  if (!p || followUp === undefined) throw usage('refine needs a PATH and a follow-up, e.g. spawn-app refine ./app "make it blue".');
  if (!followUp.trim()) throw usage('The follow-up is empty.');
  const tooLong = promptTooLong(followUp, 'follow-up');
  if (tooLong) throw usage(tooLong);
  if (!existsSync(path.join(p, MANIFEST_NAME))) throw usage(`${p} is not a Spawn App folder (no ${MANIFEST_NAME}).`);
  const { spec } = loadApp(p);
  const render = new Renderer(ctx.io, opts.json, ctx);
  const stop = interruptible();
  try {
    // Refining needs a model: the Claude generator (and its SDK) is loaded only here.
    const { ClaudeGenerator } = await import('./core/generate/claude');
    const claude = new ClaudeGenerator(ctx.cfg);
    checkBudget(ctx, 'refine');
    const t0 = performance.now();
    render.emit({ event: 'phase', phase: 'generate', status: 'started', detail: 'refine' });
    const { patch } = await claude.refine({ spec, followUp, signal: stop.controller.signal, onEvent: render.emit, secrets: ctx.secrets });
    render.emit({ event: 'phase', phase: 'generate', status: 'finished', durationMs: Math.round(performance.now() - t0) });
    const { spec: next, findings } = applyPatch(spec, patch);
    for (const f of findings) render.emit({ event: 'finding', ...f });
    const diff = updateApp(p, spec, next, 'claude');
    const changes: [string, 'added' | 'changed' | 'deleted'][] = [
      ...diff.added.map((x) => [x, 'added'] as [string, 'added']),
      ...diff.changed.map((x) => [x, 'changed'] as [string, 'changed']),
      ...diff.deleted.map((x) => [x, 'deleted'] as [string, 'deleted']),
    ];
    for (const [file, change] of changes) {
      if (opts.json) ctx.io.out(JSON.stringify({ event: 'changed', path: file, change }));
      else ctx.io.out(`${change === 'added' ? 'A' : change === 'changed' ? 'M' : 'D'} ${file}`);
    }
    if (!opts.json) ctx.io.err(patch.summary ? `${patch.summary} (${changes.length} file${changes.length === 1 ? '' : 's'})` : `${changes.length} file(s) changed.`);
    return 0;
  } finally {
    stop.dispose();
  }
}

function allProviders(ctx: Ctx): Promise<SandboxProvider[]> {
  return providersOf(ctx.cfg, ctx.local);
}

async function cmdDestroy(id: string | undefined, opts: Options, ctx: Ctx): Promise<number> {
  if (!id && !opts.all) throw usage('destroy needs a sandbox ID or --all.');
  if (id && opts.all) throw usage('Give either a sandbox ID or --all, not both.');
  return destroySandboxes(id, opts.all, await allProviders(ctx), ctx.io);
}

async function cmdMcp(opts: Options, ctx: Ctx): Promise<number> {
  if (opts.json) throw usage('mcp speaks JSON-RPC on stdout already; leave out --json.');
  const provider = pick<ProviderChoice>(opts.provider, ['auto', 'local', 'e2b'], 'provider', 'auto');
  const { serveMcp } = await import('./mcp/server');
  return serveMcp({
    cfg: ctx.cfg,
    local: ctx.local,
    appsDir: path.resolve(opts.dir ?? 'spawn-apps'),
    provider,
    allowLocalUnsandboxed: opts['allow-local-unsandboxed'],
    allowDestroyAny: opts['allow-destroy-any'],
    keep: opts.keep,
    // The same secrets and cap as every other command (--env-file, --budget, SPAWN_APP_BUDGET_USD).
    budget: ctx.budget,
    secrets: ctx.secrets,
    meterMs: ctx.meterMs,
    version: VERSION,
    log: ctx.io.err,
  });
}

export async function main(argv: string[], rawIo: Io = defaultIo, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  // File names, findings and an app's output are untrusted: no control character of theirs reaches the terminal.
  const io = terminalSafeIo(rawIo);
  let json = argv.includes('--json');
  let local: LocalProvider | undefined;
  let verifier: Verifier | undefined;
  const redactor = new Redactor();
  try {
    const { cmd, positionals, opts } = parse(argv);
    json = opts.json;
    local = new LocalProvider({ env, network: !opts['no-network'], ...(opts['allow-lan'] ? { allowLan: true } : {}) });
    if (opts.version) {
      io.out(VERSION);
      return 0;
    }
    if (opts.help || !cmd || cmd === 'help') {
      (cmd || opts.help ? io.out : io.err)(USAGE);
      return cmd || opts.help ? 0 : 2;
    }
    if (opts.type !== undefined && !isAppType(opts.type)) throw usage(`--type must be one of ${APP_TYPES.join(', ')}.`);
    const secrets = opts['env-file'] !== undefined ? readEnvFile(opts['env-file']) : {};
    redactor.add(Object.values(secrets));
    const cfg = configFromEnv(env);
    const ctx: Ctx = {
      cfg,
      io,
      local,
      secrets,
      redactor,
      budget: budgetFromEnv(opts.budget, env),
      meterMs: Math.max(20, Number(env.SPAWN_APP_METER_MS) || 5000),
      trusted: new TrustedSpecs(),
      verifier: (verifier = new Verifier({ browserPath: cfg.browserPath, env })),
    };
    if (opts['on-timeout'] !== undefined) ctx.cfg.onTimeout = pick(opts['on-timeout'], ON_TIMEOUT_CHOICES, 'on-timeout', 'pause');
    const maxPositionals = cmd === 'refine' ? 2 : cmd === 'mcp' ? 0 : 1;
    const extra = positionals.length > maxPositionals ? positionals.slice(maxPositionals) : [];
    if (extra.length) throw usage(`Unexpected argument${extra.length > 1 ? 's' : ''}: ${extra.join(' ')}. Quote the prompt.`);
    switch (cmd) {
      case 'run':
        return await cmdRun(positionals[0], opts, ctx);
      case 'generate':
        return await cmdGenerate(positionals[0], opts, ctx);
      case 'validate':
        return cmdValidate(positionals[0], opts, ctx);
      case 'deploy':
        return await cmdDeploy(positionals[0], opts, ctx);
      case 'refine':
        return await cmdRefine(positionals[0], positionals[1], opts, ctx);
      case 'list':
        return await cmdList(opts, await allProviders(ctx), ctx.io, ctx.local);
      case 'destroy':
        return await cmdDestroy(positionals[0], opts, ctx);
      case 'pause':
        return await cmdPause(positionals[0], await allProviders(ctx), ctx.io.err);
      case 'resume':
        return await cmdResume(positionals[0], await allProviders(ctx), ctx.cfg, ctx.io.err);
      case 'mcp':
        return await cmdMcp(opts, ctx);
      case 'cache':
        if (positionals.length) throw usage(`cache takes no argument (got "${positionals[0]}").`);
        return cmdCache(opts, io, local);
      default:
        throw usage(`Unknown command "${cmd}".`);
    }
  } catch (err) {
    const code = exitCodeFor(isCancelled(err) ? err : asSpawnError(err));
    if (code === 130) {
      if (json) io.out(JSON.stringify({ event: 'error', code: 'cancelled', message: 'Interrupted.' }));
      else io.err('Interrupted.');
    } else {
      redactor.error(err);
      const e = asSpawnError(err);
      if (json) io.out(JSON.stringify({ event: 'error', code: e.code, message: cliMessage(e), ...(e.detail ? { detail: e.detail } : {}) }));
      else io.err(`Error: ${cliMessage(e)}${e.detail ? `\n${indent(e.detail)}` : ''}`);
      if (process.env.SPAWN_APP_DEBUG && err instanceof Error) io.err(err.stack ?? '');
    }
    return code === 1 ? 1 : code;
  } finally {
    await verifier?.close();
    await local?.destroyAll();
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
