/**
 * The local provider: a private folder per sandbox, real child processes in their own process groups, a free
 * port mapped to the app's port through $PORT. Where bubblewrap works, every step that runs code of the app or of
 * its dependencies (cache build, install, run, command, terminal) is one step of the containment profile
 * (profile.ts): the app sees an empty home, writes only to its folder and is reachable only from this machine, and
 * everything it started dies with its sandbox or its owner. Elsewhere the processes run unsandboxed, with the same
 * environment allowlist. Each sandbox keeps a record (sandbox.json) beside its files so that another process
 * (`spawn-app list` / `destroy`) can find and stop it; records and the root must be the user's own and private.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { CancelledError, SpawnError } from '../errors';
import { removeTree, writeTree } from '../noFollow';
import type { AppFile, AppSpec, AppType } from '../spec';
import { npmSpec } from '../stacks/packageSpec';
import { checkPath } from '../validate';
import type { Isolation } from './bwrap';
import { appEnv, detectSandbox, hiddenPlaces, systemPlacesToHide, systemScanStore } from './bwrap';
import type { CachePlan } from './depCache';
import { DepCache, defaultCacheRoot, LINK_SCRIPT, linkEntry, npmInstall } from './depCache';
import type { Closer } from './forward';
import { forwardPortToSocket, outboundProxy } from './forward';
import type { SpawnedShell } from './processes';
import { isSameProcess, killGroup, killGroupSync, processStartTime, spawnGroup } from './processes';
import { probeUrl } from './probe';
import { ptyCommand, startShell } from './localShell';
import type { Limits, SandboxCgroup } from './limits';
import { limitInOutput, limitSentence, makeCgroup, removeCgroup, resolveLimits } from './limits';
import type { Step } from './profile';
import { sandboxProfile, STEPS } from './profile';
import { pipConfigText, registryHosts } from './registries';
import type { BackgroundProcess, CachedInstall, CreateOptions, RunOptions, RunResult, Sandbox, SandboxInfo, SandboxProvider, Shell, ShellOptions } from './types';
import { METADATA_TAG } from './types';
import { writeFileAtomic } from '../base/atomicWrite';

interface ProcessRecord {
  pid: number;
  startTime?: string;
  cmd: string;
}

interface LocalRecord {
  id: string;
  appName: string;
  appType: AppType;
  startedAt: number;
  port: number;
  owner: ProcessRecord;
  processes: ProcessRecord[];
  metadata: Record<string, string>;
  /** Ran inside bubblewrap. */
  sandboxed?: boolean;
  /** Dependency cache entries linked into the app (bound read-only into its sandbox; `cache --clear` keeps them). */
  cacheEntries?: string[];
}

export interface LocalProviderOptions {
  /** Folder holding one sub-folder per sandbox; default per user (see defaultLocalRoot). */
  root?: string;
  /** Host the app is reached on from outside; default 127.0.0.1. */
  host?: string;
  /** `off` runs unsandboxed even where bubblewrap works (also `SPAWN_APP_SANDBOX=off`). */
  sandbox?: 'auto' | 'off';
  /** Whether apps may open outbound connections at run time (read at each start); default true. */
  network?: boolean | (() => boolean);
  /**
   * Whether a sandboxed app's outbound proxy also reaches private ranges (the LAN: 10/8, 172.16/12, 192.168/16,
   * 100.64/10, fc00::/7); read when its proxy starts. Default: `SPAWN_APP_ALLOW_LAN=1` in `env`, else false. This
   * machine, link-local (cloud metadata) and reserved ranges stay out of reach either way.
   */
  allowLan?: boolean | (() => boolean);
  /** Exact `host:port` pairs a sandboxed app's proxy reaches whatever their address (a service of yours on this machine). */
  allow?: { host: string; port: number }[];
  /** The environment the allowlist picks from; default process.env. */
  env?: NodeJS.ProcessEnv;
  /** The per-user dependency cache folder; default defaultCacheRoot (SPAWN_APP_CACHE_DIR, XDG_CACHE_HOME). */
  cacheRoot?: string;
  /** The sandbox's resource limits (limits.ts); default DEFAULT_LIMITS, then SPAWN_APP_LIMIT_* of `env`. */
  limits?: Partial<Limits>;
}

function uid(): number | undefined {
  return process.getuid?.();
}

/**
 * The default root, private to this user: `$XDG_RUNTIME_DIR/spawn-app` (a per-user 0700 folder on systemd
 * machines), else `$TMPDIR/spawn-app-<uid>`. `SPAWN_APP_LOCAL_ROOT` overrides it.
 */
export function defaultLocalRoot(env: NodeJS.ProcessEnv = process.env): string {
  if (env.SPAWN_APP_LOCAL_ROOT) return env.SPAWN_APP_LOCAL_ROOT;
  const xdg = env.XDG_RUNTIME_DIR;
  if (xdg && path.isAbsolute(xdg) && notPrivate(xdg, 'folder') === undefined) return path.join(xdg, 'spawn-app');
  return path.join(os.tmpdir(), `spawn-app-${uid() ?? 'user'}`);
}

/** Why `p` is not this user's own private file or folder, or undefined when it is. */
export function notPrivate(p: string, kind: 'folder' | 'file'): string | undefined {
  let st;
  try {
    st = lstatSync(p);
  } catch {
    return 'it cannot be read';
  }
  if (st.isSymbolicLink()) return 'it is a symbolic link';
  if (kind === 'folder' ? !st.isDirectory() : !st.isFile()) return `it is not a ${kind}`;
  const me = uid();
  if (me !== undefined && st.uid !== me) return `it is owned by another user (uid ${st.uid})`;
  if (me !== undefined && (st.mode & 0o022) !== 0) return `it is writable by other users (mode ${(st.mode & 0o777).toString(8)})`;
  return undefined;
}

/** A free TCP port on loopback. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** The in-sandbox port of the outbound proxy bridge (inside the app's own network namespace). */
const INNER_PROXY_PORT = 3128;

class LocalSandbox implements Sandbox {
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

  constructor(
    private readonly owner: LocalProvider,
    private readonly record: LocalRecord,
    readonly dir: string,
    private readonly host: string,
  ) {}

  get id(): string {
    return this.record.id;
  }

  get appDir(): string {
    return path.join(this.dir, 'app');
  }

  private get homeDir(): string {
    return path.join(this.dir, 'home');
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
    if (!this.sandboxed) {
      const env = appEnv({ parent, home: homeDir, port: this.record.port, path: parent.PATH ?? '/usr/bin:/bin', extra: opts.env, registries: STEPS[step].proxy === 'registries' });
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
      binds: [...(this.record.cacheEntries ?? []).map((p) => ({ path: p, writable: false })), ...writable.map((p) => ({ path: p, writable: true }))],
      limits,
      cgroup: this.sandboxCgroup(),
      extraEnv: opts.env,
      command: ['/bin/bash', '--norc', '--noprofile', '-c', cmd],
    });
    const sh = spawnGroup(prof.file, prof.args, cwd, prof.env, onOutput, cmd);
    // 153: killed by SIGXFSZ (128 + 25), a file over the size limit; a cgroup counts the processes and memory it refused.
    void sh.exited.then(({ exitCode }) => watch.say(exitCode === 153 ? 'file' : this.cgroup?.hit()));
    return sh;
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
      this.bridges.push(await forwardPortToSocket(this.record.port, path.join(this.sockDir, 'app')));
    })();
    return this.bridging;
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
    const onAbort = () => void kill();
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    if (opts.signal?.aborted) void kill(); // aborted while the step was being set up, before the listener was there
    const timer = opts.timeoutMs ? setTimeout(() => void kill(), opts.timeoutMs) : undefined;
    try {
      const { exitCode } = await sh.exited;
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
    this.owner.saveRecord(this.dir, this.record);
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

  async start(cmd: string, opts: RunOptions = {}): Promise<BackgroundProcess> {
    this.assertAlive();
    if (this.sandboxed) await this.bridge();
    this.ranCode = true;
    const sh = await this.spawn(cmd, opts, 'run');
    await this.unlessDestroyed(sh.pid);
    const rec: ProcessRecord = { pid: sh.pid, startTime: processStartTime(sh.pid), cmd };
    this.record.processes.push(rec);
    this.owner.saveRecord(this.dir, this.record);
    const kill = async () => {
      await killGroup(sh.pid);
      this.record.processes = this.record.processes.filter((p) => p.pid !== sh.pid);
      if (!this.destroyed) this.owner.saveRecord(this.dir, this.record);
    };
    this.running.set(sh.pid, { kill });
    void sh.exited.then(() => this.running.delete(sh.pid));
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
    const extra = { TERM: 'xterm-256color' };
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
        binds: (this.record.cacheEntries ?? []).map((p) => ({ path: p, writable: false })),
        limits: this.owner.limits,
        cgroup: this.sandboxCgroup(),
        extraEnv: extra,
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

  probe(port: number, signal?: AbortSignal): Promise<boolean> {
    return probeUrl(this.url(port) + '/', signal);
  }

  info(): SandboxInfo {
    return this.owner.toInfo(this.record, false, this.host);
  }

  async extendTimeout(): Promise<void> {
    // Local sandboxes live as long as the process that started them.
  }

  /** Kills every process synchronously (for process exit handlers); its cgroup goes when it can (else a later sweep). */
  killAllSync(): void {
    for (const p of this.record.processes) killGroupSync(p.pid);
    this.cgroup?.remove();
  }

  async destroy(): Promise<void> {
    if (this.destroyed) return;
    this.destroyed = true;
    await Promise.all([...this.running.values()].map((r) => r.kill()));
    for (const p of this.record.processes) if (isSameProcess(p.pid, p.startTime)) await killGroup(p.pid);
    await this.bridging?.catch(() => undefined);
    await Promise.all(this.proxies.values()).catch(() => undefined);
    await Promise.all(this.bridges.map((b) => b.close()));
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

interface FoundRecord {
  dir: string;
  record: LocalRecord;
}

export class LocalProvider implements SandboxProvider {
  readonly id = 'local' as const;
  readonly root: string;
  readonly parentEnv: NodeJS.ProcessEnv;
  private readonly host: string;
  private readonly live = new Map<string, LocalSandbox>();
  private exitHandler: (() => void) | undefined;
  private detected?: { sandboxed: boolean; reason?: string };
  private scanQueued = false;
  readonly depCache: DepCache;
  readonly limits: Limits;

  constructor(private readonly opts: LocalProviderOptions = {}) {
    this.parentEnv = opts.env ?? process.env;
    this.limits = resolveLimits(this.parentEnv, opts.limits);
    this.root = opts.root ?? defaultLocalRoot(this.parentEnv);
    this.depCache = new DepCache(opts.cacheRoot ?? defaultCacheRoot(this.parentEnv));
    this.host = opts.host ?? '127.0.0.1';
  }

  /** Whether apps run sandboxed here (bubblewrap is checked once, at first use) and whether they reach the network. */
  isolation(): Isolation {
    this.detected ??= this.opts.sandbox === 'off' ? { sandboxed: false, reason: 'the sandbox is turned off for this runner' } : detectSandbox(this.parentEnv);
    if (this.detected.sandboxed && !this.scanQueued) {
      // The scan of the system view (bwrap.ts) runs once per process: do it while this process waits for something
      // (a generation, say) rather than in the first step's start; that step does it itself when it comes first.
      this.scanQueued = true;
      setImmediate(() => systemPlacesToHide(process.getuid?.() === 0, hiddenPlaces(this.parentEnv, this.root, [this.depCache.root]), systemScanStore(this.root))).unref();
    }
    const network = typeof this.opts.network === 'function' ? this.opts.network() : this.opts.network ?? true;
    return { ...this.detected, network };
  }

  get proxyAllow(): { host: string; port: number }[] {
    return this.opts.allow ?? [];
  }

  /** Whether a sandboxed app may reach private ranges (the LAN) through its proxy (see LocalProviderOptions.allowLan). */
  allowLan(): boolean {
    const o = this.opts.allowLan;
    if (o !== undefined) return typeof o === 'function' ? o() : o;
    return /^(1|true|yes|on)$/i.test(this.parentEnv.SPAWN_APP_ALLOW_LAN ?? '');
  }

  /** Creates the root (0700) when missing; refuses one that is not this user's own private folder. */
  private ensureRoot(): void {
    if (!existsSync(this.root)) mkdirSync(this.root, { recursive: true, mode: 0o700 });
    this.assertPrivateRoot();
  }

  private assertPrivateRoot(): void {
    const why = notPrivate(this.root, 'folder');
    if (why) {
      throw new SpawnError('blocked', `The local sandboxes folder ${this.root} is not safe to use: ${why}. Remove it, or set SPAWN_APP_LOCAL_ROOT to a private folder of yours.`);
    }
  }

  async create(opts: CreateOptions): Promise<Sandbox> {
    if (opts.signal?.aborted) throw new CancelledError();
    this.ensureRoot();
    const { sandboxed } = this.isolation();
    const id = `local-${randomBytes(5).toString('hex')}`;
    const dir = path.join(this.root, id);
    mkdirSync(dir, { mode: 0o700 });
    for (const sub of ['app', 'home']) mkdirSync(path.join(dir, sub), { mode: 0o700 });
    const record: LocalRecord = {
      id,
      appName: opts.appName,
      appType: opts.appType,
      startedAt: Date.now(),
      port: await freePort(),
      owner: { pid: process.pid, startTime: processStartTime(process.pid), cmd: process.argv.slice(1).join(' ') },
      processes: [],
      metadata: { [METADATA_TAG.key]: METADATA_TAG.value, ...opts.metadata },
      sandboxed,
    };
    this.saveRecord(dir, record);
    const sb = new LocalSandbox(this, record, dir, this.host);
    this.live.set(id, sb);
    this.installExitHook();
    return sb;
  }

  /** Sandboxes started by this process, without touching the disk. */
  liveSandboxes(): LocalSandbox[] {
    return [...this.live.values()];
  }

  get(id: string): Sandbox | undefined {
    return this.live.get(id);
  }

  async list(): Promise<SandboxInfo[]> {
    const out: SandboxInfo[] = [];
    for (const { dir, record } of this.readRecords().ours) {
      if (this.live.has(record.id)) {
        out.push(this.toInfo(record, false, this.host));
        continue;
      }
      const ownerAlive = isSameProcess(record.owner.pid, record.owner.startTime);
      const running = record.processes.filter((p) => isSameProcess(p.pid, p.startTime));
      if (!ownerAlive && running.length === 0) {
        removeTree(dir); // stale: nothing runs, nobody owns it
        removeCgroup(`spawn-app-${record.id}`);
        continue;
      }
      out.push(this.toInfo(record, !ownerAlive, this.host));
    }
    return out.sort((a, b) => a.startedAt - b.startedAt);
  }

  async destroy(id: string): Promise<boolean> {
    const mine = this.live.get(id);
    if (mine) {
      await mine.destroy();
      return true;
    }
    const { ours, refused } = this.readRecords();
    const found = ours.find((r) => r.record.id === id);
    if (!found) {
      const why = refused.get(id);
      if (why) throw new SpawnError('blocked', `Sandbox ${id} was left alone: its record is not safe to act on (${why}).`);
      return false;
    }
    for (const p of found.record.processes) if (isSameProcess(p.pid, p.startTime)) await killGroup(p.pid);
    removeTree(found.dir);
    removeCgroup(`spawn-app-${found.record.id}`);
    return true;
  }

  async openShell(id: string, opts: ShellOptions): Promise<Shell> {
    const sb = this.live.get(id);
    if (!sb) throw new SpawnError('deploy.not_found', `Sandbox ${id} is not run by this window (a local sandbox's terminal opens only where it runs).`);
    return sb.openShell(opts);
  }

  async extendTimeout(): Promise<void> {
    // Nothing to extend: a local sandbox lives as long as its owner.
  }

  /** Dependency cache entries that running apps (of this process or another of this user's) have linked. */
  cacheEntriesInUse(): Set<string> {
    const used = new Set<string>();
    for (const sb of this.live.values()) for (const e of sb.cacheEntries) used.add(e);
    for (const { record } of this.readRecords().ours) {
      const alive = isSameProcess(record.owner.pid, record.owner.startTime) || record.processes.some((p) => isSameProcess(p.pid, p.startTime));
      if (alive) for (const e of record.cacheEntries ?? []) used.add(e);
    }
    return used;
  }

  /** Stops every sandbox this process started. */
  async destroyAll(): Promise<void> {
    await Promise.all([...this.live.values()].map((s) => s.destroy()));
  }

  toInfo(record: LocalRecord, orphan: boolean, host: string): SandboxInfo {
    return {
      id: record.id,
      provider: 'local',
      appName: record.appName,
      appType: record.appType,
      startedAt: record.startedAt,
      url: `http://${host}:${record.port}`,
      metadata: record.metadata,
      orphan,
      sandboxed: record.sandboxed === true,
    };
  }

  saveRecord(dir: string, record: LocalRecord): void {
    if (!existsSync(dir)) return;
    writeFileAtomic(path.join(dir, 'sandbox.json'), JSON.stringify(record, null, 2), { mode: 0o600 });
  }

  forget(id: string): void {
    this.live.delete(id);
    if (this.live.size === 0 && this.exitHandler) {
      process.off('exit', this.exitHandler);
      this.exitHandler = undefined;
    }
  }

  /**
   * The records under the root that this user may act on. A record (or its folder) owned by another user,
   * writable by others, or a link is refused: never listed, stopped or removed. No root yet: nothing.
   */
  private readRecords(): { ours: FoundRecord[]; refused: Map<string, string> } {
    const ours: FoundRecord[] = [];
    const refused = new Map<string, string>();
    if (!existsSync(this.root)) return { ours, refused };
    this.assertPrivateRoot();
    let names: string[];
    try {
      names = readdirSync(this.root);
    } catch {
      return { ours, refused };
    }
    for (const name of names) {
      if (name.startsWith('.')) continue; // the runner's own files (the system scan), not sandboxes
      const dir = path.join(this.root, name);
      const file = path.join(dir, 'sandbox.json');
      const why = notPrivate(dir, 'folder') ?? (existsSync(file) ? notPrivate(file, 'file') : undefined);
      if (why) {
        refused.set(name, why);
        continue;
      }
      try {
        const record = JSON.parse(readFileSync(file, 'utf8')) as LocalRecord;
        if (record && record.id === name && Array.isArray(record.processes)) ours.push({ dir, record });
      } catch {
        // A folder being created, or not ours: skip it.
      }
    }
    return { ours, refused };
  }

  /** On any exit of this process, no local app is left running. */
  private installExitHook(): void {
    if (this.exitHandler) return;
    this.exitHandler = () => {
      for (const sb of this.live.values()) {
        sb.killAllSync();
        try {
          removeTree(sb.dir);
        } catch {
          // best effort at exit
        }
      }
    };
    process.once('exit', this.exitHandler);
  }
}

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}
