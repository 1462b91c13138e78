/** `spawn-app`: the headless front over the same core the extension uses. */
import { createInterface } from 'node:readline/promises';
import { parseArgs } from 'node:util';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { loadApp, saveApp, updateApp } from './core/appDir';
import { applyPatch } from './core/iterate';
import type { CoreConfig } from './core/config';
import { configFromEnv, DEFAULTS } from './core/config';
import type { Deployment } from './core/deploy';
import { deploy } from './core/deploy';
import { cliMessage } from './cliHints';
import { CancelledError, exitCodeFor, isCancelled, messageOf, SpawnError } from './core/errors';
import type { SpawnEvent } from './core/events';
import type { GeneratorChoice } from './core/generate';
import { createGenerator, resolveGeneratorId } from './core/generate';
import { formatUsd, sandboxCost } from './core/pricing';
import type { AppSpec, AppType } from './core/spec';
import { appNameFrom, APP_TYPES, isAppType } from './core/spec';
import { guessAppType } from './core/appType';
import { allProviders as providersOf } from './core/sandboxes';
import { templateStandInNotice } from './core/generate/templates';
import { LocalProvider } from './core/sandbox/local';
import type { ProviderChoice } from './core/sandbox';
import { createProvider, resolveProviderId } from './core/sandbox';
import { PROVIDER_IDS } from './core/sandbox/providers';
import type { SandboxInfo, SandboxProvider } from './core/sandbox/types';
import { ON_TIMEOUT_CHOICES } from './core/sandbox/types';
import { cmdPause, cmdResume } from './cliLifecycle';
import { formatFinding, hasErrors, MANIFEST_NAME, validateSpec } from './core/validate';

const VERSION = '0.1.0';

const USAGE = `spawn-app ${VERSION} — turn a sentence into a running app

Usage:
  spawn-app run "<prompt>" [--type webapp|react|api|script] [--generator auto|claude|templates]
                           [--provider auto|local|e2b] [--json] [--yes] [--detach] [--no-network]
                           [--on-timeout pause|kill]
  spawn-app generate "<prompt>" [--type …] [--generator …] --out DIR [--json]
  spawn-app validate PATH [--json]          PATH: a folder with spawn-app.json, or a spec .json file
  spawn-app deploy PATH [--provider …] [--json] [--yes] [--detach] [--no-network]
  spawn-app refine PATH "<follow-up>" [--json]   change an app folder with Claude; prints the changed paths
  spawn-app list [--json]                   every sandbox with its state (running, paused)
  spawn-app pause ID | resume ID            an E2B sandbox: paused costs nothing; resume runs it for the timeout
  spawn-app destroy ID|--all
  spawn-app mcp [--dir DIR] [--provider …] [--keep] [--allow-local-unsandboxed]
                                            an MCP server on stdio for agents (Claude Code, Cursor, VS Code)

Keys come from the environment: ANTHROPIC_API_KEY (or CLAUDE_API_KEY), E2B_API_KEY.
An E2B sandbox is paused at its timeout (SPAWN_APP_SANDBOX_TIMEOUT_MS, default 15 min) and a request to its URL
resumes it; --on-timeout kill (or SPAWN_APP_ON_TIMEOUT=kill) kills it instead.
With none, "auto" uses the built-in templates and the local runner, which sandboxes apps with bubblewrap
where it works (SPAWN_APP_SANDBOX=off turns that off); --no-network cuts a local app off the network.
Exit codes: 0 ok, 2 usage, 3 blocked by validation, 4 generation failed, 5 deploy failed, 130 interrupted.`;

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
  keep: boolean;
  dir?: string;
  'allow-local-unsandboxed': boolean;
  'on-timeout'?: string;
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
        keep: { type: 'boolean', default: false },
        dir: { type: 'string' },
        'allow-local-unsandboxed': { type: 'boolean', default: false },
        'on-timeout': { type: 'string' },
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
  constructor(private readonly io: Io, private readonly json: boolean) {}

  emit = (e: SpawnEvent): void => {
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
  io.err(iso.sandboxed
    ? `• local runner: sandboxed (bubblewrap: empty home, writes only to its folder, reachable only from this machine${iso.network ? '' : ', no network'})`
    : `• local runner: not sandboxed: ${iso.reason ?? 'unknown reason'}`);
}

async function confirmUnsandboxed(opts: Options, io: Io, reason: string | undefined): Promise<void> {
  if (opts.yes) return;
  const warning = `This app was written by a model and the local runner runs it unsandboxed on this machine (${reason ?? 'no sandbox'}).`;
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
}

async function generateSpec(prompt: string, opts: Options, ctx: Ctx, render: Renderer, signal: AbortSignal): Promise<{ spec: AppSpec; generator: string }> {
  if (!prompt.trim()) throw usage('The prompt is empty.');
  if (prompt.length > 4000) throw usage('The prompt is longer than 4000 characters.');
  const appType = opts.type !== undefined ? pick<AppType>(opts.type, APP_TYPES, 'type', 'webapp') : guessAppType(prompt);
  const choice = pick<GeneratorChoice>(opts.generator, ['auto', 'claude', 'templates'], 'generator', 'auto');
  const generator = await createGenerator(choice, ctx.cfg);
  if (choice === 'auto' && resolveGeneratorId(choice, ctx.cfg) === 'templates' && !opts.json) {
    ctx.io.err(templateStandInNotice(appType, prompt, 'No Anthropic API key is set (ANTHROPIC_API_KEY)'));
  }
  const t0 = performance.now();
  render.emit({ event: 'phase', phase: 'generate', status: 'started', detail: `${generator.id}, ${appType}` });
  try {
    const result = await generator.generate({ prompt, appType, signal, onEvent: render.emit });
    render.emit({ event: 'phase', phase: 'generate', status: 'finished', durationMs: Math.round(performance.now() - t0) });
    return { spec: result.spec, generator: result.generator };
  } catch (err) {
    if (!isCancelled(err)) render.emit({ event: 'phase', phase: 'generate', status: 'failed', durationMs: Math.round(performance.now() - t0) });
    throw err;
  }
}

async function serve(deployment: Deployment, provider: SandboxProvider, opts: Options, ctx: Ctx, stopped: Promise<void>): Promise<number> {
  if (opts.detach) {
    if (!opts.json) ctx.io.err(`Left running (destroy with: spawn-app destroy ${deployment.sandbox.id}).`);
    return 0;
  }
  if (!opts.json) ctx.io.err('Serving; press Ctrl-C to stop and destroy the sandbox.');
  await Promise.race([stopped, deployment.process.exited]);
  if (!opts.json) ctx.io.err('Stopping…');
  await deployment.sandbox.destroy();
  void provider;
  return 0;
}

async function checkDetach(opts: Options, ctx: Ctx): Promise<ProviderChoice> {
  const choice = pick<ProviderChoice>(opts.provider, ['auto', ...PROVIDER_IDS], 'provider', 'auto');
  if (opts.detach && resolveProviderId(choice, ctx.cfg) === 'local') {
    throw usage('--detach needs a remote (E2B) sandbox: local sandboxes live only as long as spawn-app runs.');
  }
  return choice;
}

/** Deploys a spec and serves it until Ctrl-C (or exits after ready with --detach); shared by run and deploy. */
async function deployAndServe(spec: AppSpec, generator: string | undefined, name: string, choice: ProviderChoice, opts: Options, ctx: Ctx, render: Renderer, stop: ReturnType<typeof interruptible>): Promise<number> {
  const provider = await createProvider(choice, ctx.cfg, ctx.local);
  if (provider.id === 'local') {
    reportIsolation(ctx.local, opts, ctx.io);
    const iso = ctx.local.isolation();
    if (!iso.sandboxed && generator !== 'templates') await confirmUnsandboxed(opts, ctx.io, iso.reason);
  }
  const deployment = await deploy({
    spec,
    provider,
    appName: appNameFrom(spec.title ?? name),
    signal: stop.controller.signal,
    onEvent: render.emit,
    timeoutMs: ctx.cfg.sandboxTimeoutMs ?? DEFAULTS.sandboxTimeoutMs,
    metadata: { appType: spec.appType, createdBy: 'spawn-app', client: 'cli' },
  });
  return serve(deployment, provider, opts, ctx, stop.stopped);
}

async function cmdRun(prompt: string | undefined, opts: Options, ctx: Ctx): Promise<number> {
  if (prompt === undefined) throw usage('run needs a prompt, e.g. spawn-app run "a calculator".');
  const render = new Renderer(ctx.io, opts.json);
  const choice = await checkDetach(opts, ctx);
  const stop = interruptible();
  try {
    const { spec, generator } = await generateSpec(prompt, opts, ctx, render, stop.controller.signal);
    return await deployAndServe(spec, generator, prompt, choice, opts, ctx, render, stop);
  } finally {
    stop.dispose();
  }
}

async function cmdGenerate(prompt: string | undefined, opts: Options, ctx: Ctx): Promise<number> {
  if (prompt === undefined) throw usage('generate needs a prompt.');
  if (!opts.out) throw usage('generate needs --out DIR.');
  const render = new Renderer(ctx.io, opts.json);
  const stop = interruptible();
  try {
    const { spec, generator } = await generateSpec(prompt, opts, ctx, render, stop.controller.signal);
    const findings = validateSpec(spec);
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
  const findings = validateSpec(spec);
  const render = new Renderer(ctx.io, opts.json);
  for (const f of findings) render.emit({ event: 'finding', ...f });
  const errors = findings.filter((f) => f.severity === 'error').length;
  if (!opts.json) ctx.io.err(`${errors} error(s), ${findings.length - errors} warning(s).`);
  return errors ? 3 : 0;
}

async function cmdDeploy(p: string | undefined, opts: Options, ctx: Ctx): Promise<number> {
  if (!p) throw usage('deploy needs a PATH.');
  const choice = await checkDetach(opts, ctx);
  const { spec, generator } = loadApp(p);
  const render = new Renderer(ctx.io, opts.json);
  const stop = interruptible();
  try {
    return await deployAndServe(spec, generator, p, choice, opts, ctx, render, stop);
  } finally {
    stop.dispose();
  }
}

async function cmdRefine(p: string | undefined, followUp: string | undefined, opts: Options, ctx: Ctx): Promise<number> {
  if (!p || followUp === undefined) throw usage('refine needs a PATH and a follow-up, e.g. spawn-app refine ./app "make it blue".');
  if (!followUp.trim()) throw usage('The follow-up is empty.');
  if (!existsSync(path.join(p, MANIFEST_NAME))) throw usage(`${p} is not a Spawn App folder (no ${MANIFEST_NAME}).`);
  const { spec } = loadApp(p);
  const render = new Renderer(ctx.io, opts.json);
  const stop = interruptible();
  try {
    // Refining needs a model: the Claude generator (and its SDK) is loaded only here.
    const { ClaudeGenerator } = await import('./core/generate/claude');
    const claude = new ClaudeGenerator(ctx.cfg);
    const t0 = performance.now();
    render.emit({ event: 'phase', phase: 'generate', status: 'started', detail: 'refine' });
    const { patch } = await claude.refine({ spec, followUp, signal: stop.controller.signal, onEvent: render.emit });
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

function age(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

async function cmdList(opts: Options, ctx: Ctx): Promise<number> {
  const all: SandboxInfo[] = [];
  for (const p of await allProviders(ctx)) all.push(...(await p.list()));
  const now = Date.now();
  if (opts.json) {
    for (const s of all) {
      const cost = s.cpuCount && s.memoryMB ? sandboxCost((now - s.startedAt) / 1000, s.cpuCount, s.memoryMB) : 0;
      ctx.io.out(JSON.stringify({ event: 'sandbox', ...s, ageMs: now - s.startedAt, timeLeftMs: s.endAt ? s.endAt - now : null, costUsd: cost }));
    }
    return 0;
  }
  if (all.length === 0) {
    ctx.io.err('No sandboxes.');
    return 0;
  }
  for (const s of all) {
    const left = s.state === 'paused' ? 'paused (a request to its URL resumes it)' : s.endAt ? `${age(s.endAt - now)} left${s.onTimeout === 'pause' ? ', then paused' : ''}` : 'while its owner runs';
    const cost = s.cpuCount && s.memoryMB ? formatUsd(sandboxCost((now - s.startedAt) / 1000, s.cpuCount, s.memoryMB)) : '$0';
    const iso = s.provider !== 'local' ? '' : s.sandboxed ? ', sandboxed' : `, not sandboxed${ctx.local.isolation().reason ? `: ${ctx.local.isolation().reason}` : ''}`;
    ctx.io.out(`${s.id}  ${s.provider}  ${s.state ? `${s.state}  ` : ''}${s.appName}  ${s.url ?? ''}  age ${age(now - s.startedAt)}, ${left}, ${cost}${iso}${s.orphan ? '  (orphan: its owner is gone)' : ''}`);
  }
  return 0;
}

async function cmdDestroy(id: string | undefined, opts: Options, ctx: Ctx): Promise<number> {
  if (!id && !opts.all) throw usage('destroy needs a sandbox ID or --all.');
  if (id && opts.all) throw usage('Give either a sandbox ID or --all, not both.');
  const providers = await allProviders(ctx);
  if (opts.all) {
    let n = 0;
    for (const p of providers) {
      for (const s of await p.list()) {
        if (await p.destroy(s.id)) n++;
      }
    }
    ctx.io.err(`Destroyed ${n} sandbox${n === 1 ? '' : 'es'}.`);
    return 0;
  }
  const target = providers.find((p) => id!.startsWith(`${p.id}-`)) ?? providers[providers.length - 1]!;
  if (await target.destroy(id!)) {
    ctx.io.err(`Destroyed ${id}.`);
    return 0;
  }
  throw new SpawnError('deploy.not_found', `No sandbox ${id} was found (it may have ended already).`);
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
    keep: opts.keep,
    version: VERSION,
    log: ctx.io.err,
  });
}

export async function main(argv: string[], io: Io = defaultIo, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let json = argv.includes('--json');
  let local: LocalProvider | undefined;
  try {
    const { cmd, positionals, opts } = parse(argv);
    json = opts.json;
    local = new LocalProvider({ env, network: !opts['no-network'] });
    if (opts.version) {
      io.out(VERSION);
      return 0;
    }
    if (opts.help || !cmd || cmd === 'help') {
      (cmd || opts.help ? io.out : io.err)(USAGE);
      return cmd || opts.help ? 0 : 2;
    }
    if (opts.type !== undefined && !isAppType(opts.type)) throw usage(`--type must be one of ${APP_TYPES.join(', ')}.`);
    const ctx: Ctx = { cfg: configFromEnv(env), io, local };
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
        return await cmdList(opts, ctx);
      case 'destroy':
        return await cmdDestroy(positionals[0], opts, ctx);
      case 'pause':
        return await cmdPause(positionals[0], await allProviders(ctx), ctx.io.err);
      case 'resume':
        return await cmdResume(positionals[0], await allProviders(ctx), ctx.cfg, ctx.io.err);
      case 'mcp':
        return await cmdMcp(opts, ctx);
      default:
        throw usage(`Unknown command "${cmd}".`);
    }
  } catch (err) {
    const code = exitCodeFor(err);
    if (code === 130) {
      if (json) io.out(JSON.stringify({ event: 'error', code: 'cancelled', message: 'Interrupted.' }));
      else io.err('Interrupted.');
    } else {
      const e = err instanceof SpawnError ? err : new SpawnError('io', `Unexpected error: ${messageOf(err)}`);
      if (json) io.out(JSON.stringify({ event: 'error', code: e.code, message: cliMessage(e), ...(e.detail ? { detail: e.detail } : {}) }));
      else io.err(`Error: ${cliMessage(e)}${e.detail ? `\n${indent(e.detail)}` : ''}`);
      if (process.env.SPAWN_APP_DEBUG && err instanceof Error) io.err(err.stack ?? '');
    }
    return code === 1 ? 1 : code;
  } finally {
    await local?.destroyAll();
  }
}

/** Entry point of the `spawn-app` binary. */
export function runCli(): void {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`Error: ${messageOf(err)}\n`);
      process.exit(1);
    },
  );
}

if (require.main === module) runCli();
