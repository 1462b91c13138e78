/** One local sandbox: its folder, its processes (inside the containment profile where bubblewrap works), its install, its terminal. */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import type net from 'node:net';
import path from 'node:path';
import { CancelledError, SpawnError } from '../../base/errors';
import { removeTree, writeTree } from '../../base/noFollow';
import { DATA_DIR_ENV, localDataDir } from '../dataDir';
import type { AppFile, AppSpec } from '../../app/spec';
import { npmSpec } from '../../stacks/packageSpec';
import { checkPath } from '../../validate';
import type { Isolation } from './bwrap';
import { appEnv } from './bwrap';
import type { CachePlan, DepCache } from './depCache';
import { LINK_SCRIPT, linkEntry, npmInstall, pipInto, pipOverlay } from './depCache';
import type { Closer } from './forward';
import { forwardPortToSocket, outboundProxy } from './forward';
import { holdPort, letGo, portTaken, whoListens } from './ports';
import type { SpawnedShell } from './processes';
import { descendants, isSameProcess, killGroup, killGroupSync, processStartTime, spawnGroup } from './processes';
import { probeUrl } from '../probe';
import { ptyCommand, startShell } from './localShell';
import type { Limits, SandboxCgroup } from './limits';
import { limitInOutput, limitSentence, makeCgroup } from './limits';
import type { Step } from './profile';
import { sandboxProfile, STEPS } from './profile';
import { pipConfigText, registryHosts } from './registries';
import type { BackgroundProcess, CachedInstall, RunOptions, RunResult, Sandbox, SandboxInfo, Shell, ShellOptions } from '../types';
import type { LocalRecord, ProcessRecord } from './records';
import { recordInfo, saveRecord } from './records';

/** What a sandbox asks of the provider that made it (the LocalProvider). */
export interface LocalSandboxOwner {
  readonly root: string;
  readonly parentEnv: NodeJS.ProcessEnv;
  readonly depCache: DepCache;
  readonly limits: Limits;
  readonly proxyAllow: { host: string; port: number }[];
  isolation(): Isolation;
  allowLan(): boolean;
  forget(id: string): void;
}

/** The in-sandbox port of the outbound proxy bridge (inside the app's own network namespace). */
const INNER_PROXY_PORT = 3128;
/** How long an unsandboxed start waits for its port to be let go (by the last run's processes) before it says it is taken. */
const PORT_FREE_WAIT_MS = 5000;

export class LocalSandbox implements Sandbox {
  readonly provider = 'local' as const;
  private readonly running = new Map<number, { kill(): Promise<void> }>();
  private destroyed = false;
  /** Something ran in the app folder (an install or the app): from then on only sandboxed code touches it. */
  private ranCode = false;
  /** Host-side forwarder and proxy of a sandboxed run, kept across restarts until destroy. */
  private bridges: Closer[] = [];
  private bridging?: Promise<void>;
  private shells = 0;
  /** The host's proxy sockets, one per kind of way out (profile.ts STEPS), started at first use. */
  private readonly proxies = new Map<'registries' | 'network', Promise<string>>();
  /** The sandbox's cgroup (null: none can be made here), made at its first sandboxed step. */
  private cgroup?: SandboxCgroup | null;
  /**
   * Its port, held while nothing of the sandbox serves there (ports.ts): from create until the forwarder takes the
   * socket over; unsandboxed, also while its app is stopped. Undefined once handed over or let go.
   */
  private held?: net.Server;
  /** A hold being taken again (unsandboxed, after the app stopped). */
  private holding: Promise<void> = Promise.resolve();
  /** Starts of the app so far: a stopped run holds the port again only when no later run started meanwhile. */
  private runs = 0;

  constructor(
    private readonly owner: LocalSandboxOwner,
    private readonly record: LocalRecord,
    readonly dir: string,
    private readonly host: string,
    held?: net.Server,
  ) {
    this.held = held;
  }

  get id(): string {
    return this.record.id;
  }

  get appDir(): string {
    return path.join(this.dir, 'app');
  }

  /** The app's data folder ($DATA_DIR): in the private root beside the sandboxes, kept when this sandbox goes (dataDir.ts). */
  get dataDir(): string {
    return localDataDir(this.owner.root, this.record.dataKey ?? this.id);
  }

  /** Its data is its own (no app key): it goes with the sandbox. */
  get ownsData(): boolean {
    return (this.record.dataKey ?? this.id) === this.id;
  }

  private get homeDir(): string {
    return path.join(this.dir, 'home');
  }

  /**
   * The app's own Python venv (when it has extras): a host-only folder of the sandbox, written only by its install
   * step and read-only to the app's code. In the app's home, the running app could plant a `.pth` file into it while
   * a redeploy's install step made it anew, and so run its code in that step (with the install proxy).
   */
  private get ownVenv(): string {
    return path.join(this.dir, 'venv');
  }

  /** The app's own venv, read-only, for the steps that run the app's code (none when it has none, or `writable` has it). */
  private venvBind(writable: readonly string[] = []): { path: string; writable: boolean }[] {
    return this.record.venv === this.ownVenv && existsSync(this.ownVenv) && !writable.includes(this.ownVenv) ? [{ path: this.ownVenv, writable: false }] : [];
  }

  private get sockDir(): string {
    return path.join(this.dir, 'sock');
  }

  /** Host-only folder (never shown to the app) of the proxy sockets and the install steps' pip config. */
  private get netDir(): string {
    return path.join(this.dir, 'net');
  }

  get sandboxed(): boolean {
    return this.record.sandboxed === true;
  }

  get cacheEntries(): readonly string[] {
    return this.record.cacheEntries ?? [];
  }

  /**
   * Writes files into the app folder from the host. Once the app has run, the folder is its own to change: it may
   * have swapped any file or folder for a link to a file of the user's, or a FIFO. So the writes go through the
   * no-follow writer (noFollow.ts): never through a link, nothing at all when any path is refused (one sentence).
   */
  async writeFiles(files: readonly AppFile[], signal?: AbortSignal): Promise<void> {
    this.assertAlive();
    if (signal?.aborted) throw new CancelledError();
    const planned = files.map((f) => {
      // Defence in depth: the pipeline validated already, but nothing outside the app folder is ever written.
      const checked = checkPath(f.path);
      if (!checked.ok) throw new SpawnError('blocked', checked.message);
      return { rel: checked.path, content: f.content };
    });
    writeTree({ root: this.appDir, shown: `the app folder of sandbox ${this.id}` }, planned);
  }

  /**
   * Starts `cmd` in the app folder as one step of the containment profile (profile.ts) when sandboxed, else as a
   * plain process group; either way with the env allowlist. Output is watched for a hit limit (one sentence then).
   */
  private async spawn(cmd: string, opts: RunOptions, step: Step, writable: string[] = []): Promise<SpawnedShell> {
    // The dependency cache build fills an entry every later app of the stack uses: it gets a fresh folder of its own
    // as its folder and home, never the app's (whose code may have run and left, say, a poisoned npm cache in ~/.npm).
    const own = step === 'build' ? this.buildHome() : undefined;
    const appDir = own ?? this.appDir;
    const homeDir = own ?? this.homeDir;
    const cwd = own ?? this.cwd(opts);
    const parent = this.owner.parentEnv;
    const limits = this.owner.limits;
    const watch = this.limitWatch(opts.onOutput);
    const onOutput = watch.onOutput;
    // The app's Python venv (depCache.ts) comes first on PATH when it runs (the install steps use the system's pip).
    const venv = STEPS[step].proxy === 'registries' ? undefined : this.venvEnv();
    // The app's data folder: in the steps that run the app's own code (run, command, terminal), never in an install.
    const data = STEPS[step].data ? this.dataDir : undefined;
    const extraEnv = { ...venv?.env, ...opts.env, ...(data ? { [DATA_DIR_ENV]: data } : {}) };
    if (!this.sandboxed) {
      const path = [venv?.bin, parent.PATH ?? '/usr/bin:/bin'].filter(Boolean).join(':');
      const env = appEnv({ parent, home: homeDir, port: this.record.port, path, extra: extraEnv, registries: STEPS[step].proxy === 'registries' });
      return spawnGroup('/bin/bash', ['-c', cmd], cwd, env, onOutput, cmd);
    }
    const proxySocket = await this.proxyFor(step);
    const registries = STEPS[step].proxy === 'registries';
    const prof = sandboxProfile({
      step,
      root: this.owner.root,
      appDir,
      homeDir,
      cwd,
      parentEnv: parent,
      port: this.record.port,
      proxyPort: this.record.port === INNER_PROXY_PORT ? INNER_PROXY_PORT + 1 : INNER_PROXY_PORT,
      proxySocket,
      sockDir: this.sockDir,
      pipConfig: registries ? this.pipConfig() : undefined,
      hide: [this.owner.depCache.root],
      binds: [...(this.record.cacheEntries ?? []).map((p) => ({ path: p, writable: false })), ...(step === 'build' ? [] : this.venvBind(writable)), ...writable.map((p) => ({ path: p, writable: true })), ...(data ? [{ path: data, writable: true }] : [])],
      limits,
      cgroup: this.sandboxCgroup(),
      pathFirst: venv?.bin,
      extraEnv,
      command: ['/bin/bash', '--norc', '--noprofile', '-c', cmd],
    });
    const sh = spawnGroup(prof.file, prof.args, cwd, prof.env, onOutput, cmd);
    // 153: killed by SIGXFSZ (128 + 25), a file over the size limit; a cgroup counts the processes and memory it refused.
    void sh.exited.then(({ exitCode }) => watch.say(exitCode === 153 ? 'file' : this.cgroup?.hit()));
    return sh;
  }

  /** The app's Python venv, when it has one: its `bin` for PATH and VIRTUAL_ENV. */
  private venvEnv(): { bin: string; env: Record<string, string> } | undefined {
    const v = this.record.venv;
    return v ? { bin: path.join(v, 'bin'), env: { VIRTUAL_ENV: v } } : undefined;
  }

  /** Passes output on, adding one sentence (once) when it, or the step's end, shows the app hit a limit. */
  private limitWatch(onOutput: RunOptions['onOutput']): { onOutput: NonNullable<RunOptions['onOutput']>; say: (hit: 'procs' | 'file' | 'memory' | undefined) => void } {
    let said = false;
    const say = (hit: 'procs' | 'file' | 'memory' | undefined) => {
      if (!hit || said) return;
      said = true;
      onOutput?.('stderr', `\n${limitSentence(hit, this.owner.limits)}\n`);
    };
    return {
      onOutput: (stream, text) => {
        onOutput?.(stream, text);
        if (!said) say(limitInOutput(text));
      },
      say,
    };
  }

  /** The sandbox's cgroup, made once (undefined where this user cannot make one: rlimits bound what they can). */
  private sandboxCgroup(): SandboxCgroup | undefined {
    if (this.cgroup === undefined) {
      // Leftovers of sandboxes of this root that are gone (a killed owner) are swept on the way.
      this.cgroup = makeCgroup(`spawn-app-${this.id}`, this.owner.limits, (id) => !existsSync(path.join(this.owner.root, id))) ?? null;
    }
    if (this.cgroup && !this.cgroup.ensure()) this.cgroup = null;
    return this.cgroup ?? undefined;
  }

  /** A fresh, empty folder (host-only place, removed with the sandbox) that a cache build uses as its folder and home. */
  private buildHome(): string {
    const dir = path.join(this.netDir, 'build-home');
    mkdirSync(this.netDir, { recursive: true, mode: 0o700 });
    removeTree(dir);
    mkdirSync(dir, { mode: 0o700 });
    return dir;
  }

  /** The pip config the install steps read (the user's index settings), written once into the host-only folder. */
  private pipConfig(): string {
    const file = path.join(this.netDir, 'pip.conf');
    if (!existsSync(file)) {
      mkdirSync(this.netDir, { recursive: true, mode: 0o700 });
      writeFileSync(file, pipConfigText(this.owner.parentEnv), { mode: 0o600 });
    }
    return file;
  }

  /** The host's proxy socket for a step: the install proxy (registries allowed), the app's (network on), or none. */
  private proxyFor(step: Step): Promise<string | undefined> {
    const kind = STEPS[step].proxy;
    if (kind === 'network' && !this.owner.isolation().network) return Promise.resolve(undefined);
    let started = this.proxies.get(kind);
    if (!started) {
      const sock = path.join(this.netDir, kind === 'registries' ? 'install.sock' : 'app.sock');
      // Unix socket paths are limited to 107 bytes on Linux.
      if (Buffer.byteLength(sock) > 100) {
        throw new SpawnError('deploy.start_failed', `The local sandboxes folder ${this.owner.root} is too deeply nested for the sandbox's sockets; set SPAWN_APP_LOCAL_ROOT to a shorter path.`);
      }
      mkdirSync(this.netDir, { recursive: true, mode: 0o700 });
      // Installs: public addresses and the exact registries; the app: public addresses, the LAN when allowed, its exact pairs.
      const opts = kind === 'registries' ? { allow: registryHosts(this.owner.parentEnv) } : { allowLan: this.owner.allowLan(), allow: this.owner.proxyAllow };
      started = outboundProxy(sock, opts).then((closer) => {
        this.bridges.push(closer);
        return sock;
      });
      this.proxies.set(kind, started);
    }
    return started;
  }

  /** The host side of a sandboxed run: 127.0.0.1:<port> → the app's socket. Once. */
  private bridge(): Promise<void> {
    this.bridging ??= (async () => {
      // Unix socket paths are limited to 107 bytes on Linux.
      if (Buffer.byteLength(path.join(this.sockDir, 'app')) > 100) {
        throw new SpawnError('deploy.start_failed', `The local sandboxes folder ${this.owner.root} is too deeply nested for the sandbox's sockets; set SPAWN_APP_LOCAL_ROOT to a shorter path.`);
      }
      mkdirSync(this.sockDir, { recursive: true, mode: 0o700 });
      // The socket held since create becomes the forwarder's: the port is never free in between.
      const held = this.held?.listening ? this.held : undefined;
      this.held = undefined;
      const socket = held ?? (await holdPort(this.record.port).catch((err: NodeJS.ErrnoException) => {
        throw err.code === 'EADDRINUSE' ? portTaken(this.record.port, err) : err;
      }));
      this.bridges.push(forwardPortToSocket(socket, path.join(this.sockDir, 'app')));
    })();
    return this.bridging;
  }

  /**
   * Unsandboxed, the app binds the port itself: the hold is let go right before it starts. When the hold could not be
   * taken again after its last run (another program had the port), the port is tried once more: free, or said so.
   */
  private async letGoForApp(): Promise<void> {
    await this.holding;
    const held = this.held ?? (await this.holdWhenFree());
    this.held = undefined;
    await letGo(held);
  }

  /**
   * Holds the port once it is free, waiting up to PORT_FREE_WAIT_MS: the last run's processes may still be on their
   * way out (seen in full test runs under load: a restart found the port taken right after the kill). Past the wait,
   * another program has it, and the start says so.
   */
  private async holdWhenFree(): Promise<net.Server> {
    const deadline = Date.now() + PORT_FREE_WAIT_MS;
    for (;;) {
      const held = await holdPort(this.record.port).catch((err: unknown) => (err instanceof Error ? err : new Error(String(err))));
      if (!(held instanceof Error)) return held;
      if (this.destroyed || Date.now() >= deadline) throw portTaken(this.record.port, held);
      await new Promise((r) => setTimeout(r, 50)); // no event says a port was let go: looked at again
    }
  }

  /** Unsandboxed, once run `run` of the app stopped (and no later one started): its port is held again until the next start. */
  private holdAgain(run: number): Promise<void> {
    this.holding = this.holding.then(async () => {
      if (this.sandboxed || this.destroyed || this.held || run !== this.runs) return;
      // Best effort: a process of the app that outlived it may still listen there (the next start then says so).
      const held = await holdPort(this.record.port).catch(() => undefined);
      if (held && (this.destroyed || run !== this.runs)) await letGo(held);
      else this.held = held;
    });
    return this.holding;
  }

  async run(cmd: string, opts: RunOptions = {}): Promise<RunResult> {
    return this.exec(cmd, opts, opts.purpose === 'install' ? 'install' : 'command');
  }

  /** Runs `cmd` to its end as one step (`writable`: more folders the step may write, the cache build's). */
  private async exec(cmd: string, opts: RunOptions, step: Step, writable: string[] = []): Promise<RunResult> {
    this.assertAlive();
    if (opts.signal?.aborted) throw new CancelledError();
    let stdout = '';
    let stderr = '';
    this.ranCode = true;
    const sh = await this.spawn(cmd, {
      ...opts,
      onOutput: (stream, text) => {
        if (stream === 'stdout') stdout += text;
        else stderr += text;
        opts.onOutput?.(stream, text);
      },
    }, step, writable);
    await this.unlessDestroyed(sh.pid);
    const kill = () => killGroup(sh.pid, 200);
    this.running.set(sh.pid, { kill });
    // After a cancel, the step ends when its process does: not when its output pipes close (a process the kill missed,
    // e.g. one bwrap was still starting, could hold them open).
    let cancelled!: () => void;
    const killedAndGone = new Promise<{ exitCode: number | null }>((resolve) => (cancelled = () => void kill().then(() => (sh.child.exitCode !== null || sh.child.signalCode !== null ? resolve({ exitCode: null }) : sh.child.once('exit', () => resolve({ exitCode: null }))))));
    const onAbort = () => cancelled();
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    if (opts.signal?.aborted) cancelled(); // aborted while the step was being set up, before the listener was there
    const timer = opts.timeoutMs ? setTimeout(() => void kill(), opts.timeoutMs) : undefined;
    try {
      const { exitCode } = await Promise.race([sh.exited, killedAndGone]);
      if (opts.signal?.aborted) throw new CancelledError();
      return { exitCode: exitCode ?? -1, stdout, stderr };
    } finally {
      if (timer) clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      this.running.delete(sh.pid);
    }
  }

  cachedInstall(spec: AppSpec): CachedInstall | undefined {
    const cache = this.owner.depCache;
    const plan = cache.plan(spec, this.sandboxed);
    if (!plan) return undefined;
    try {
      cache.ensureRoot();
    } catch (err) {
      if (err instanceof SpawnError) throw err; // unsafe: refused with its sentence
      return undefined; // no cache folder can be made here (a read-only home): install per app, as before
    }
    const ready = cache.ready(plan);
    return {
      needsInstall: !ready || plan.extras.length > 0,
      detail: `cached: ${plan.key}${plan.extras.length ? `, ${plan.extras.length} extra` : ''}`,
      run: (opts) => this.installFromCache(plan, opts),
    };
  }

  /**
   * Builds the entry when it is missing or broken (inside the install sandbox, which alone may write it), then, in
   * the app's sandbox with the entry bound read-only, links it into node_modules and installs the extras staged.
   */
  private async installFromCache(plan: CachePlan, opts: RunOptions): Promise<RunResult> {
    if (plan.ecosystem === 'pip') return this.installVenvFromCache(plan, opts);
    const cache = this.owner.depCache;
    const npm = npmInstall(this.sandboxed);
    if (!cache.ready(plan)) {
      opts.onOutput?.('stdout', `Installing the ${plan.stack} dependencies into the cache (once per user): ${plan.dir}\n`);
      await cache.build(plan, this.sandboxed, async (tmp) => {
        const locked = Object.entries(cache.lockedSet(plan)).map(([n, v]) => shellQuote(`${n}@${v}`)).join(' ');
        const res = await this.exec(`cd ${shellQuote(tmp)} && echo '{"private":true}' > package.json && ${npm} ${locked}`, { ...opts, cwd: undefined, timeoutMs: 10 * 60_000 }, 'build', [tmp]);
        if (opts.signal?.aborted) throw new CancelledError();
        if (res.exitCode !== 0) throw new SpawnError('deploy.install_failed', `Installing the ${plan.stack} dependency cache failed (exit code ${res.exitCode}).`, (res.stderr || res.stdout).trim().split('\n').slice(-15).join('\n'));
      });
    }
    this.record.cacheEntries = [plan.dir];
    saveRecord(this.dir, this.record);
    if (plan.extras.length === 0 && !this.ranCode) {
      // Nothing has run in the app folder yet (it holds only the files just written): link from here, at once.
      linkEntry(this.appDir, path.join(plan.dir, 'node_modules'));
      return { exitCode: 0, stdout: '', stderr: '' };
    }
    const node = `N=${shellQuote(process.execPath)}; [ -x "$N" ] || N=node; ELECTRON_RUN_AS_NODE=1 "$N" -e ${shellQuote(LINK_SCRIPT)}`;
    const src = shellQuote(path.join(plan.dir, 'node_modules'));
    const own = shellQuote(JSON.stringify(plan.extras.map((d) => npmSpec(d).name)));
    const cmd = plan.extras.length === 0
      ? `${node} ${src} '' ${own}`
      : `rm -rf .spawn-install && mkdir .spawn-install && cd .spawn-install && echo '{"private":true}' > package.json && ${npm} ${plan.extras.map(shellQuote).join(' ')} && cd .. && ${node} ${src} .spawn-install/node_modules ${own} && rm -rf .spawn-install`;
    return this.exec(cmd, opts, 'install');
  }

  /**
   * A Python app: builds the entry's venv when it is missing or broken (inside the install sandbox, which alone may
   * write it); the app then runs with the entry's venv, or, with extras, with a venv of its own (ownVenv, read-only to
   * it) over the entry's, into which its install step puts only the extras.
   */
  private async installVenvFromCache(plan: CachePlan, opts: RunOptions): Promise<RunResult> {
    const cache = this.owner.depCache;
    if (!cache.ready(plan)) {
      opts.onOutput?.('stdout', `Installing the ${plan.stack} dependencies into the cache (once per user): ${plan.dir}\n`);
      await cache.build(plan, this.sandboxed, async (tmp) => {
        const pins = Object.entries(cache.lockedSet(plan)).map(([n, v]) => shellQuote(`${n}==${v}`)).join(' ');
        const cmd = `cd ${shellQuote(tmp)} && python3 -I -m venv --without-pip venv && ${pipInto('venv', this.sandboxed, pins)}`;
        const res = await this.exec(cmd, { ...opts, cwd: undefined, timeoutMs: 10 * 60_000 }, 'build', [tmp]);
        if (opts.signal?.aborted) throw new CancelledError();
        if (res.exitCode !== 0) throw new SpawnError('deploy.install_failed', `Installing the ${plan.stack} dependency cache failed (exit code ${res.exitCode}).`, (res.stderr || res.stdout).trim().split('\n').slice(-15).join('\n'));
      });
    }
    const entryVenv = path.join(plan.dir, 'venv');
    this.record.cacheEntries = [plan.dir];
    this.record.venv = plan.extras.length ? this.ownVenv : entryVenv;
    saveRecord(this.dir, this.record);
    if (plan.extras.length === 0) return { exitCode: 0, stdout: '', stderr: '' };
    mkdirSync(this.ownVenv, { recursive: true, mode: 0o700 });
    const venv = shellQuote(this.ownVenv);
    const cmd = `${pipOverlay(shellQuote(entryVenv), venv)} && cd "$HOME" && ${pipInto(venv, this.sandboxed, plan.extras.map(shellQuote).join(' '))}`;
    return this.exec(cmd, opts, 'install', [this.ownVenv]);
  }

  async start(cmd: string, opts: RunOptions = {}): Promise<BackgroundProcess> {
    this.assertAlive();
    const run = ++this.runs;
    if (this.sandboxed) await this.bridge();
    else await this.letGoForApp();
    this.ranCode = true;
    const sh = await this.spawn(cmd, opts, 'run');
    await this.unlessDestroyed(sh.pid);
    const rec: ProcessRecord = { pid: sh.pid, startTime: processStartTime(sh.pid), cmd };
    this.record.processes.push(rec);
    saveRecord(this.dir, this.record);
    const kill = async () => {
      await killGroup(sh.pid);
      this.record.processes = this.record.processes.filter((p) => p.pid !== sh.pid);
      if (!this.destroyed) saveRecord(this.dir, this.record);
      await this.holdAgain(run);
    };
    this.running.set(sh.pid, { kill });
    void sh.exited.then(() => {
      this.running.delete(sh.pid);
      void this.holdAgain(run);
    });
    return { pid: sh.pid, exited: sh.exited, kill };
  }

  /**
   * An interactive shell in the app folder (localShell.ts): the terminal step of the containment profile when
   * sandboxed (the app's file system view, limits and network rule, its own network namespace with the app's proxy
   * when the network is on), else a plain process group with the same environment allowlist. Either way bash starts
   * without rc files (the app can write its home's .bashrc). Killed with the sandbox.
   */
  async openShell(opts: ShellOptions): Promise<Shell> {
    this.assertAlive();
    const parent = this.owner.parentEnv;
    const [file, ...rest] = ptyCommand(opts.cols, opts.rows);
    const extra = { TERM: 'xterm-256color', [DATA_DIR_ENV]: this.dataDir };
    let shell: Shell;
    if (!this.sandboxed) {
      const env = appEnv({ parent, home: this.homeDir, port: this.record.port, path: parent.PATH ?? '/usr/bin:/bin', extra });
      shell = startShell(file!, rest, this.appDir, env, opts);
    } else {
      const prof = sandboxProfile({
        step: 'terminal',
        root: this.owner.root,
        appDir: this.appDir,
        homeDir: this.homeDir,
        cwd: this.appDir,
        parentEnv: parent,
        port: this.record.port,
        proxyPort: this.record.port === INNER_PROXY_PORT ? INNER_PROXY_PORT + 1 : INNER_PROXY_PORT,
        proxySocket: await this.proxyFor('terminal'),
        sockDir: this.sockDir,
        hide: [this.owner.depCache.root],
        binds: [...(this.record.cacheEntries ?? []).map((p) => ({ path: p, writable: false })), ...this.venvBind(), { path: this.dataDir, writable: true }],
        limits: this.owner.limits,
        cgroup: this.sandboxCgroup(),
        pathFirst: this.venvEnv()?.bin,
        extraEnv: { ...this.venvEnv()?.env, ...extra },
        command: [file!, ...rest],
      });
      shell = startShell(prof.file, prof.args, this.appDir, prof.env, opts);
    }
    const key = -++this.shells; // beside the pids, so that destroy() kills the shells too
    this.running.set(key, { kill: () => shell.kill() });
    void shell.exited.then(() => this.running.delete(key));
    return shell;
  }

  private cwd(opts?: RunOptions): string {
    if (!opts?.cwd) return this.appDir;
    const checked = checkPath(opts.cwd);
    return checked.ok ? path.join(this.appDir, checked.path) : this.appDir;
  }

  url(_port: number): string {
    return `http://${this.host}:${this.record.port}`;
  }

  /**
   * Sandboxed, what answers is the forwarder on the port the sandbox held since its create. Unsandboxed, the app binds
   * the port itself, and another program may have taken it in the moment before: an answer counts only when the
   * socket that listens there is the app's (ports.ts), and another program's is said so, never taken for the app.
   */
  async probe(port: number, signal?: AbortSignal): Promise<boolean> {
    if (!(await probeUrl(this.url(port) + '/', signal))) return false;
    if (this.sandboxed) return true;
    const pids = this.record.processes.filter((p) => isSameProcess(p.pid, p.startTime)).flatMap((p) => [p.pid, ...descendants(p.pid).map((d) => d.pid)]);
    const who = whoListens(this.record.port, pids);
    if (who === 'other') throw portTaken(this.record.port);
    return who !== 'nobody';
  }

  info(): SandboxInfo {
    return recordInfo(this.record, false, this.host);
  }

  async extendTimeout(): Promise<void> {
    // Local sandboxes live as long as the process that started them.
  }

  /** Kills every process synchronously (for process exit handlers); its cgroup goes when it can (else a later sweep). */
  killAllSync(): void {
    for (const p of this.record.processes) killGroupSync(p.pid);
    this.cgroup?.remove();
  }

  /** Destroys the sandbox; its app's data folder stays for the app's next sandbox unless `data` (or it was this sandbox's own). */
  async destroy(opts: { data?: boolean } = {}): Promise<void> {
    await this.destroySandbox();
    if (opts.data || this.ownsData) removeTree(this.dataDir); // never through a link the app left (noFollow.ts)
  }

  private async destroySandbox(): Promise<void> {
    if (this.destroyed) return;
    this.destroyed = true;
    await Promise.all([...this.running.values()].map((r) => r.kill()));
    for (const p of this.record.processes) if (isSameProcess(p.pid, p.startTime)) await killGroup(p.pid);
    await this.bridging?.catch(() => undefined);
    await Promise.all(this.proxies.values()).catch(() => undefined);
    await Promise.all(this.bridges.map((b) => b.close()));
    await this.holding;
    if (this.held) await letGo(this.held);
    this.held = undefined;
    // The kernel frees a cgroup once its last process is reaped: a short wait after the kill.
    for (let i = 0; i < 100 && this.cgroup && !this.cgroup.remove(); i++) await new Promise((r) => setTimeout(r, 20));
    removeTree(this.dir); // never through a link the app left (noFollow.ts)
    this.owner.forget(this.id);
  }

  /** A process spawned while the sandbox was being destroyed (its set-up awaits) is killed, never left running. */
  private async unlessDestroyed(pid: number): Promise<void> {
    if (!this.destroyed) return;
    await killGroup(pid, 200);
    this.assertAlive();
  }

  private assertAlive(): void {
    if (this.destroyed) throw new SpawnError('deploy.not_found', `Sandbox ${this.id} was destroyed.`);
  }
}

export function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}
