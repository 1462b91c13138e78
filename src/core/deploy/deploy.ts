/**
 * The deploy pipeline: create → write all files → install (when needed) → start → health check → ready → verify.
 * It emits typed events for both fronts, polls fast, fails fast, and destroys what it created on any failure
 * or cancellation.
 */
import { CancelledError, isCancelled, SpawnError, throwIfAborted } from '../base/errors';
import type { RedeployPlan } from './redeployPlan';
import { needsInstall, planRedeploy } from './redeployPlan';
import type { EventSink, Logger, Phase } from '../base/events';
import { LineSplitter, nullLogger, TailBuffer } from '../base/events';
import type { AppSpec } from '../app/spec';
import { appNameFrom } from '../app/spec';
import { dependenciesOf, ecosystemOf } from '../stacks';
import { packagesSatisfy } from '../sandbox/preinstalled';
import type { AppSecrets } from '../base/secrets';
import { Redactor } from '../base/secrets';
import type { BackgroundProcess, CachedInstall, Sandbox, SandboxProvider } from '../sandbox/types';
import { checkPath, hasErrors, validateSpec } from '../validate';
import type { Verifier, VerifyResult } from '../verify';
import { sharedVerifier } from '../verify';

export interface DeployOptions {
  spec: AppSpec;
  provider: SandboxProvider;
  appName?: string;
  signal?: AbortSignal;
  onEvent?: EventSink;
  logger?: Logger;
  /** Sandbox lifetime (remote providers). */
  timeoutMs?: number;
  /** How long the app may take to answer after it started; default 30 s (the seed's value). */
  readyTimeoutMs?: number;
  /** Time between readiness probes; at most 100 ms. */
  pollIntervalMs?: number;
  metadata?: Record<string, string>;
  /**
   * A sandbox made beforehand (a pre-warmed one, core/deploy/prewarm.ts): the deploy goes into it instead of creating one
   * (deployInto: only the write and the health check when its template's server runs). It is destroyed on failure.
   */
  into?: Sandbox;
  /**
   * The app's secrets: passed to its start command's environment and redacted from every event and error this
   * pipeline reports (validation also looks for the values in the files).
   */
  secrets?: AppSecrets;
  /**
   * The verification step after the health check (core/verify): the front's verifier (with the user's browser
   * path), none for the process's shared one, `false` for no verification (callers that must not, tests).
   */
  verify?: Verifier | false;
}

export interface Deployment {
  sandbox: Sandbox;
  process: BackgroundProcess;
  url: string;
  spec: AppSpec;
  /** The last lines the app printed (kept up to date while it runs). */
  output: TailBuffer;
  /** What the verification step found (undefined when it was off). */
  verification?: VerifyResult;
}

const DEFAULT_READY_TIMEOUT_MS = 30_000;

/**
 * The shell command that installs an app's dependencies, or undefined when nothing needs installing. It installs
 * what the deploy dialog shows — the declared dependencies — and nothing the app's own files add: npm runs in a
 * fresh staging folder (no project `package.json`, `.npmrc`, lock file or workspace of the app), with an empty
 * user config; pip reads no config file. Install scripts run only where the provider sandboxes them.
 */
export function installCommand(spec: AppSpec, provider?: Pick<SandboxProvider, 'preinstalled' | 'isolation'>): string | undefined {
  const ecosystem = ecosystemOf(spec);
  const has = (d: string) => provider?.preinstalled?.(d, ecosystem, spec.appType) ?? false;
  const declared = dependenciesOf(spec); // a react app: its package.json's packages too (the dialog lists them)
  if (declared.every(has)) return undefined;
  const sandboxed = provider?.isolation?.().sandboxed ?? true;
  if (ecosystem === 'pip') {
    const quoted = declared.filter((d) => !has(d)).map(shellQuote).join(' ');
    // From a staging folder, isolated (-I: no current folder on sys.path, no user site, no PYTHON* variables), so no
    // file of the app's (a pip/__main__.py) runs. No config file of the app's home: the one the provider gives
    // (the local sandbox's copy of the user's index settings, SPAWN_APP_PIP_CONFIG) or none.
    // Unsandboxed, only wheels: a source package's setup.py would run with the user's permissions.
    const pip = `PIP_CONFIG_FILE="\${SPAWN_APP_PIP_CONFIG:-/dev/null}" python3 -I -m pip install --quiet --disable-pip-version-check${sandboxed ? '' : ' --only-binary=:all:'} ${quoted}`;
    return `rm -rf .spawn-install && mkdir .spawn-install && cd .spawn-install && ${pip}; s=$?; cd .. && rm -rf .spawn-install; exit $s`;
  }
  const npm = `npm install --no-audit --no-fund --no-progress --no-update-notifier --loglevel=error --userconfig=/dev/null --workspaces=false --package-lock=false${sandboxed ? '' : ' --ignore-scripts'}`;
  const needed = declared.filter((d) => !has(d));
  if (needed.length < declared.length) {
    // The sandbox's image (a Spawn App E2B template) has the rest in the app folder's node_modules: add only what
    // is missing, in place (a react app's package.json is its declared list; the app's .npmrc is still ignored).
    return `${npm} ${needed.map(shellQuote).join(' ')}`;
  }
  // The staged node_modules replaces the app's whole: it holds every declared dependency (preinstalled ones too),
  // and neither the app's package.json nor its .npmrc adds anything to it.
  const all = declared.map(shellQuote).join(' ');
  return `rm -rf .spawn-install && mkdir .spawn-install && cd .spawn-install && echo '{"private":true}' > package.json && ${npm} ${all} && cd .. && rm -rf node_modules && mv .spawn-install/node_modules node_modules && rm -rf .spawn-install`;
}

/** Normalised files, ready to write (validation already refused anything unsafe). */
export function filesToWrite(spec: AppSpec): { path: string; content: string }[] {
  return spec.files.map((f) => {
    const c = checkPath(f.path);
    if (!c.ok) throw new SpawnError('blocked', c.message);
    return { path: c.path, content: f.content };
  });
}

class PhaseTimer {
  constructor(private readonly onEvent: EventSink) {}
  async run<T>(phase: Phase, fn: () => Promise<T>): Promise<T> {
    const t0 = performance.now();
    this.onEvent({ event: 'phase', phase, status: 'started' });
    try {
      const v = await fn();
      this.onEvent({ event: 'phase', phase, status: 'finished', durationMs: Math.round(performance.now() - t0) });
      return v;
    } catch (err) {
      this.onEvent({ event: 'phase', phase, status: 'failed', durationMs: Math.round(performance.now() - t0) });
      throw err;
    }
  }
}

/** An event sink that redacts the secrets' values, and the redactor for errors. */
function redacting(opts: Pick<DeployOptions, 'onEvent' | 'secrets'>): { onEvent: EventSink; redactor: Redactor } {
  const sink = opts.onEvent ?? (() => undefined);
  const redactor = new Redactor(Object.values(opts.secrets ?? {}));
  return { onEvent: redactor.empty ? sink : (e) => sink(redactor.event(e)), redactor };
}

export async function deploy(opts: DeployOptions): Promise<Deployment> {
  const { onEvent, redactor } = redacting(opts);
  try {
    return await deployRedacted({ ...opts, onEvent });
  } catch (err) {
    throw redactor.error(err);
  }
}

async function deployRedacted(opts: DeployOptions & { onEvent: EventSink }): Promise<Deployment> {
  const onEvent = opts.onEvent;
  const logger = opts.logger ?? nullLogger;
  const { spec, provider, signal } = opts;
  const phases = new PhaseTimer(onEvent);
  const t0 = performance.now();
  const check = () => {
    if (signal?.aborted) throw new CancelledError();
  };

  await phases.run('validate', async () => {
    const findings = validateSpec(spec, { secrets: opts.secrets });
    for (const f of findings) onEvent({ event: 'finding', ...f });
    if (hasErrors(findings)) {
      const n = findings.filter((f) => f.severity === 'error').length;
      throw new SpawnError('blocked', `Deploy blocked: validation found ${n} error${n === 1 ? '' : 's'}.`);
    }
  });
  check();

  const appName = opts.appName ?? appNameFrom(spec.title ?? spec.appType);
  // The browser starts while the sandbox is made, so the check after the health check finds it running.
  if (opts.verify !== false) void (opts.verify ?? sharedVerifier()).warmUp();
  let sandbox: Sandbox | undefined;
  try {
    if (opts.into) {
      sandbox = opts.into;
      onEvent({ event: 'phase', phase: 'create', status: 'skipped', detail: 'pre-warmed' });
    } else {
      sandbox = await phases.run('create', () =>
        provider.create({ appName, appType: spec.appType, timeoutMs: opts.timeoutMs, metadata: opts.metadata, signal }),
      );
    }
    const info = sandbox.info();
    onEvent({ event: 'created', sandboxId: sandbox.id, provider: sandbox.provider, startedAt: info.startedAt, endAt: info.endAt, cpuCount: info.cpuCount, memoryMB: info.memoryMB });
    logger.info(`[deploy] ${opts.into ? 'into pre-warmed' : 'created'} ${provider.id} sandbox ${sandbox.id} for ${appName}`);
    check();
    const deployment = sandbox.serving
      ? await deployInto(sandbox, spec, { ...opts, onEvent, logger }, phases)
      : await startIn(sandbox, spec, { ...opts, onEvent, logger }, phases);
    onEvent({ event: 'ready', url: deployment.url, sandboxId: sandbox.id, provider: provider.id, durationMs: Math.round(performance.now() - t0) });
    logger.info(`[deploy] ${appName} ready at ${deployment.url} in ${Math.round(performance.now() - t0)} ms`);
    return await verified(deployment, opts);
  } catch (err) {
    if (sandbox) {
      logger.info(`[deploy] ${isCancelled(err) ? 'cancelled' : 'failed'}; destroying sandbox ${sandbox.id}`);
      await sandbox.destroy().catch((e: unknown) => logger.warn(`[deploy] could not destroy ${sandbox?.id}: ${String(e)}`));
    }
    throw signal?.aborted && !(err instanceof SpawnError && err.code !== 'cancelled') ? new CancelledError() : err;
  }
}

type StepOptions = Pick<DeployOptions, 'signal' | 'onEvent' | 'logger' | 'readyTimeoutMs' | 'pollIntervalMs' | 'secrets' | 'verify'>;

/**
 * The verification step (after `ready`): the app is loaded in a browser, or checked over HTTP only (core/verify).
 * Problems never fail the deploy (the app runs; the fronts show them); a cancel does, like any step's.
 */
async function verified(deployment: Deployment, opts: StepOptions): Promise<Deployment> {
  if (opts.verify === false) return deployment;
  const onEvent = opts.onEvent ?? (() => undefined);
  const logger = opts.logger ?? nullLogger;
  const { url, spec } = deployment;
  onEvent({ event: 'verify', status: 'started', url });
  let result: VerifyResult;
  try {
    result = await (opts.verify ?? sharedVerifier()).verify({ url, spec, signal: opts.signal });
  } catch (err) {
    if (isCancelled(err) || opts.signal?.aborted) throw err;
    logger.warn(`[verify] the check failed: ${String(err)}`);
    result = { state: 'problems', problems: [{ kind: 'load', message: `The check could not run: ${(err as Error).message.split('\n')[0]}.` }], ms: 0 };
  }
  // An app's console output may hold a secret's value: the sentences are redacted like every event.
  const redactor = new Redactor(Object.values(opts.secrets ?? {}));
  const redact = (t: string | undefined) => (t === undefined ? undefined : redactor.redact(t));
  result = { ...result, title: redact(result.title), note: redact(result.note), problems: result.problems.map((p) => ({ ...p, message: redactor.redact(p.message) })) };
  const { state, problems, title, ms, note } = result;
  onEvent({ event: 'verify', status: 'finished', url, state, problems, ms, ...(title !== undefined ? { title } : {}), ...(note !== undefined ? { note } : {}) });
  logger.info(`[verify] ${url}: ${state} in ${ms} ms${problems.length ? `; ${problems.map((p) => p.message).join(' ')}` : ''}`);
  return { ...deployment, verification: { ...result, at: Date.now() } };
}

/** Writes, installs, starts and waits for the app in an existing sandbox (used by deploy). */
export async function startIn(
  sandbox: Sandbox,
  spec: AppSpec,
  opts: StepOptions & Pick<DeployOptions, 'provider'> & { installed?: AppSpec },
  phases = new PhaseTimer(opts.onEvent ?? (() => undefined)),
): Promise<Deployment> {
  const onEvent = opts.onEvent ?? (() => undefined);
  await phases.run('write', () => sandbox.writeFiles(filesToWrite(spec), opts.signal));
  throwIfAborted(opts.signal);
  // `installed`: the app ran here before (a restart in place); the install runs again only when needsInstall says so.
  const skipInstall = opts.installed !== undefined && !needsInstall(opts.installed, spec);
  const cached = skipInstall ? undefined : sandbox.cachedInstall?.(spec);
  const install = skipInstall ? undefined : cached ?? installCommand(spec, opts.provider);
  if (cached && !cached.needsInstall) {
    await runInstall(sandbox, cached, opts); // links the stack's cached dependencies; nothing installs
    onEvent({ event: 'phase', phase: 'install', status: 'skipped', detail: cached.detail });
  } else if (!install) {
    onEvent({ event: 'phase', phase: 'install', status: 'skipped', detail: skipInstall ? 'installed before' : spec.dependencies.length ? 'preinstalled' : 'no dependencies' });
  } else {
    await runInstall(sandbox, install, opts, phases);
  }
  throwIfAborted(opts.signal);
  return startAndWait(sandbox, spec, opts, phases);
}

/**
 * Deploys into a sandbox whose server already runs (a per-stack template; later a pre-warmed sandbox): writes only
 * the files that differ from what is there, installs only packages the sandbox lacks, and restarts the server only
 * when its start command or server code differs; otherwise only the health check remains. Falls back to startIn
 * when nothing runs there.
 */
export async function deployInto(
  sandbox: Sandbox,
  spec: AppSpec,
  opts: StepOptions & Pick<DeployOptions, 'provider'>,
  phases = new PhaseTimer(opts.onEvent ?? (() => undefined)),
): Promise<Deployment> {
  const serving = sandbox.serving;
  if (!serving) return startIn(sandbox, spec, opts, phases);
  const onEvent = opts.onEvent ?? (() => undefined);
  sandbox.serving = undefined; // from here on it runs this app
  const plan = planRedeploy(serving.spec, spec);
  await phases.run('write', () => applyFiles(sandbox, plan, opts.signal));
  throwIfAborted(opts.signal);
  const install = installCommand(spec, { preinstalled: (d, eco) => eco === 'npm' && packagesSatisfy(serving.npm, d) });
  if (install) await runInstall(sandbox, install, opts, phases);
  else onEvent({ event: 'phase', phase: 'install', status: 'skipped', detail: 'preinstalled' });
  throwIfAborted(opts.signal);
  // The template's server started without the app's secrets: with secrets, it restarts with them.
  if (plan.restart || install || Object.keys(opts.secrets ?? {}).length > 0) {
    await serving.process.kill();
    return startAndWait(sandbox, spec, opts, phases);
  }
  onEvent({ event: 'phase', phase: 'start', status: 'skipped', detail: 'already running' });
  const output = new TailBuffer(40);
  await phases.run('health', () => waitReady(sandbox, spec.port, serving.process, output, opts));
  return { sandbox, process: serving.process, url: sandbox.url(spec.port), spec, output };
}

/** Writes a plan's files (one request) and deletes its removed paths. */
async function applyFiles(sandbox: Sandbox, plan: RedeployPlan, signal?: AbortSignal): Promise<void> {
  if (plan.write.length) await sandbox.writeFiles(plan.write, signal);
  if (plan.remove.length) {
    const res = await sandbox.run(`rm -f -- ${plan.remove.map(shellQuote).join(' ')}`, { signal });
    if (res.exitCode !== 0) throw new SpawnError('deploy.write_failed', `Could not delete ${plan.remove.join(', ')}.`, res.stderr);
  }
}

/** Runs an install command (or the local runner's install from its dependency cache) in the install phase (none: no phase). */
async function runInstall(sandbox: Sandbox, install: string | CachedInstall, opts: StepOptions, phases?: PhaseTimer): Promise<void> {
  const onEvent = opts.onEvent ?? (() => undefined);
  const step = async () => {
    const tail = new TailBuffer(30);
    const lines = {
      stdout: new LineSplitter((line) => { tail.push(line); onEvent({ event: 'log', source: 'install', stream: 'stdout', line }); }),
      stderr: new LineSplitter((line) => { tail.push(line); onEvent({ event: 'log', source: 'install', stream: 'stderr', line }); }),
    };
    const runOpts = { signal: opts.signal, onOutput: (s: 'stdout' | 'stderr', t: string) => lines[s].push(t), timeoutMs: 5 * 60_000, purpose: 'install' as const };
    const res = typeof install === 'string' ? await sandbox.run(install, runOpts) : await install.run(runOpts);
    lines.stdout.flush();
    lines.stderr.flush();
    throwIfAborted(opts.signal);
    if (res.exitCode !== 0) {
      throw new SpawnError('deploy.install_failed', `Installing dependencies failed (exit code ${res.exitCode}).`, tail.text(15));
    }
  };
  await (phases ? phases.run('install', step) : step());
}

/** Starts the app in the background and waits until it answers (or fails fast when it exits). */
async function startAndWait(sandbox: Sandbox, spec: AppSpec, opts: StepOptions, phases: PhaseTimer): Promise<Deployment> {
  const onEvent = opts.onEvent ?? (() => undefined);
  const output = new TailBuffer(40);
  // The tail feeds error details and fix requests to a model: it keeps only redacted lines.
  const redactor = new Redactor(Object.values(opts.secrets ?? {}));
  const appLines = {
    stdout: new LineSplitter((line) => { output.push(redactor.redact(line)); onEvent({ event: 'log', source: 'app', stream: 'stdout', line }); }),
    stderr: new LineSplitter((line) => { output.push(redactor.redact(line)); onEvent({ event: 'log', source: 'app', stream: 'stderr', line }); }),
  };
  // $PORT tells the app which port to listen on (a provider may map it, as the local one does).
  const proc = await phases.run('start', () => sandbox.start(spec.startCommand, { env: { ...opts.secrets, PORT: String(spec.port) }, onOutput: (s, t) => appLines[s].push(t) }));
  const url = sandbox.url(spec.port);
  try {
    await phases.run('health', () => waitReady(sandbox, spec.port, proc, output, opts));
  } catch (err) {
    appLines.stdout.flush();
    appLines.stderr.flush();
    await proc.kill().catch(() => undefined);
    throw err;
  }
  return { sandbox, process: proc, url, spec, output };
}

export interface RedeployResult {
  deployment: Deployment;
  plan: RedeployPlan;
}

/**
 * Updates a running deployment in place: writes only the changed files, deletes removed ones, reinstalls only
 * when dependencies changed, and restarts only when the start command or server code changed. On failure the
 * sandbox is kept (the user fixes and redeploys); the error says what failed.
 */
export async function redeploy(current: Deployment, next: AppSpec, opts: StepOptions & Partial<Pick<DeployOptions, 'provider'>> = {}): Promise<RedeployResult> {
  const { onEvent, redactor } = redacting(opts);
  try {
    return await redeployRedacted(current, next, { ...opts, onEvent });
  } catch (err) {
    throw redactor.error(err);
  }
}

async function redeployRedacted(current: Deployment, next: AppSpec, opts: StepOptions & Partial<Pick<DeployOptions, 'provider'>> & { onEvent: EventSink }): Promise<RedeployResult> {
  const onEvent = opts.onEvent;
  const phases = new PhaseTimer(onEvent);
  const { sandbox } = current;
  await phases.run('validate', async () => {
    const findings = validateSpec(next, { secrets: opts.secrets });
    for (const f of findings) onEvent({ event: 'finding', ...f });
    if (hasErrors(findings)) throw new SpawnError('blocked', 'Redeploy blocked: validation found errors.');
  });
  const plan = planRedeploy(current.spec, next);
  await phases.run('write', () => applyFiles(sandbox, plan, opts.signal));
  throwIfAborted(opts.signal);
  const install = plan.install ? sandbox.cachedInstall?.(next) ?? installCommand(next, opts.provider) : undefined;
  if (install) await runInstall(sandbox, install, opts, phases);
  if (!plan.restart) {
    onEvent({ event: 'phase', phase: 'start', status: 'skipped', detail: 'static files only' });
    return { deployment: await verified({ ...current, spec: next, verification: undefined }, opts), plan };
  }
  await current.process.kill();
  const deployment = await startAndWait(sandbox, next, opts, phases);
  onEvent({ event: 'ready', url: deployment.url, sandboxId: sandbox.id, provider: sandbox.provider });
  return { deployment: await verified(deployment, opts), plan };
}

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** Polls the app until it answers, failing at once when its process exits first. */
async function waitReady(
  sandbox: Sandbox,
  port: number,
  proc: BackgroundProcess,
  output: TailBuffer,
  opts: Pick<DeployOptions, 'signal' | 'readyTimeoutMs' | 'pollIntervalMs'>,
): Promise<void> {
  const interval = Math.min(opts.pollIntervalMs ?? 50, 100);
  const deadline = Date.now() + (opts.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS);
  let exited: { exitCode: number | null } | undefined;
  void proc.exited.then((e) => (exited = e));
  for (;;) {
    if (opts.signal?.aborted) throw new CancelledError();
    if (exited) {
      // Let the last output lines arrive before reporting them.
      await new Promise((r) => setTimeout(r, 30));
      throw new SpawnError(
        'deploy.start_failed',
        `The app exited before it answered on port ${port} (exit code ${exited.exitCode ?? 'unknown'}).`,
        output.text(20) || '(no output)',
      );
    }
    if (await sandbox.probe(port, opts.signal)) return;
    if (Date.now() > deadline) {
      throw new SpawnError('deploy.health_timeout', `The app never answered on port ${port} within ${Math.round((opts.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS) / 1000)} s.`, output.text(20) || '(no output)');
    }
    await Promise.race([new Promise((r) => setTimeout(r, interval)), proc.exited]);
  }
}

/**
 * A stopped app (its process exited or failed) is restarted in place when its sandbox still exists (deployKind):
 * validated with its secrets, its files written, installed only when needsInstall says so (what ran there before is
 * installed), started. Every front restarts a stopped app this way; only a gone sandbox means a new one.
 */
export async function restartInPlace(previous: { sandbox: Sandbox; spec?: AppSpec; process?: BackgroundProcess }, spec: AppSpec, opts: StepOptions & Pick<DeployOptions, 'provider'>): Promise<Deployment> {
  const { onEvent, redactor } = redacting(opts);
  try {
    const findings = validateSpec(spec, { secrets: opts.secrets });
    for (const f of findings) onEvent({ event: 'finding', ...f });
    if (hasErrors(findings)) throw new SpawnError('blocked', 'Restart blocked: validation found errors.');
    await previous.process?.kill();
    return await verified(await startIn(previous.sandbox, spec, { ...opts, onEvent, installed: previous.spec }), { ...opts, onEvent });
  } catch (err) {
    throw redactor.error(err);
  }
}
