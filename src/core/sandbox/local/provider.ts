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
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { CancelledError, SpawnError } from '../../base/errors';
import { inFolder, readTree, removeTree, writeTree } from '../../base/noFollow';
import type { ArchiveEntry } from '../../base/tarball';
import { DATA_ARCHIVE_MAX_ENTRIES } from '../../base/tarball';
import { dataKeyOf, localDataDir } from '../dataDir';
import { notPrivate } from '../../base/notPrivate';
import type { Isolation } from './bwrap';
import { detectSandbox, hiddenPlaces, sandboxPath, systemPlacesToHide, systemScanStore } from './bwrap';
import { DepCache, defaultCacheRoot } from './depCache';
import { holdNewPort, letGo, portOf } from './ports';
import { isSameProcess, killGroup, processStartTime } from './processes';
import type { Limits } from './limits';
import { removeCgroup, resolveLimits } from './limits';
import type { CreateOptions, Sandbox, SandboxData, SandboxInfo, SandboxProvider, Shell, ShellOptions } from '../types';
import { METADATA_TAG } from '../types';
import type { FoundRecord, LocalRecord } from './records';
import { defaultLocalRoot, readRecords, recordInfo, saveRecord } from './records';
import type { LocalSandboxOwner } from './sandbox';
import { LocalSandbox } from './sandbox';


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


export class LocalProvider implements SandboxProvider, LocalSandboxOwner {
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
    const cacheRoot = opts.cacheRoot ?? defaultCacheRoot(this.parentEnv);
    // A Python entry is keyed by the python3 its steps find: inside the sandbox, the PATH without the hidden places.
    this.depCache = new DepCache(cacheRoot, (sandboxed) => (sandboxed ? sandboxPath(this.parentEnv, hiddenPlaces(this.parentEnv, this.root, [cacheRoot])).path : this.parentEnv.PATH ?? '/usr/bin:/bin'));
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
    const dataKey = dataKeyOf(opts.metadata, id);
    this.ensureDataDir(dataKey);
    // The app's port, held from here until something of the sandbox serves on it (ports.ts).
    const held = await holdNewPort();
    const record: LocalRecord = {
      id,
      appName: opts.appName,
      appType: opts.appType,
      startedAt: Date.now(),
      port: portOf(held),
      owner: { pid: process.pid, startTime: processStartTime(process.pid), cmd: process.argv.slice(1).join(' ') },
      processes: [],
      metadata: { [METADATA_TAG.key]: METADATA_TAG.value, ...opts.metadata },
      sandboxed,
      dataKey,
    };
    try {
      saveRecord(dir, record);
    } catch (err) {
      await letGo(held);
      throw err;
    }
    const sb = new LocalSandbox(this, record, dir, this.host, held);
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
        out.push(recordInfo(record, false, this.host));
        continue;
      }
      const ownerAlive = isSameProcess(record.owner.pid, record.owner.startTime);
      const running = record.processes.filter((p) => isSameProcess(p.pid, p.startTime));
      if (!ownerAlive && running.length === 0) {
        removeTree(dir); // stale: nothing runs, nobody owns it (its app's data stays, unless it was its own)
        if ((record.dataKey ?? record.id) === record.id) removeTree(localDataDir(this.root, record.id));
        removeCgroup(`spawn-app-${record.id}`);
        continue;
      }
      out.push(recordInfo(record, !ownerAlive, this.host));
    }
    return out.sort((a, b) => a.startedAt - b.startedAt);
  }

  async destroy(id: string, opts: { data?: boolean } = {}): Promise<boolean> {
    const mine = this.live.get(id);
    if (mine) {
      await mine.destroy(opts);
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
    const key = found.record.dataKey ?? found.record.id;
    if (opts.data || key === found.record.id) removeTree(localDataDir(this.root, key));
    removeCgroup(`spawn-app-${found.record.id}`);
    return true;
  }

  /** Makes `<root>/.data/<key>` (0700) when missing; the root is this user's private folder, so nobody else can plant a link there. */
  private ensureDataDir(key: string): void {
    const dir = localDataDir(this.root, key);
    mkdirSync(path.dirname(dir), { recursive: true, mode: 0o700 });
    if (!existsSync(dir)) mkdirSync(dir, { mode: 0o700 });
    const why = notPrivate(dir, 'folder');
    if (why) throw new SpawnError('blocked', `The app's data folder ${dir} is not safe to use: ${why}.`);
  }

  /** The data folder of one of this user's local sandboxes (running here or in another process of theirs). */
  private dataDirOf(id: string): string {
    const live = this.live.get(id);
    if (live) return live.dataDir;
    const found = this.readRecords().ours.find((r) => r.record.id === id);
    if (!found) throw new SpawnError('deploy.not_found', `No local sandbox ${id} was found (it may have ended already).`);
    return localDataDir(this.root, found.record.dataKey ?? found.record.id);
  }

  /** The app data folder from the host: walked and written without following a link the app put there (noFollow.ts). */
  readonly data: SandboxData = {
    outlivesSandbox: true,
    size: async (id) => readTree(this.dataDirOf(id), { read: false, maxBytes: 0, maxEntries: DATA_ARCHIVE_MAX_ENTRIES, shown: `The data folder of ${id}` }).bytes,
    read: async (id, maxBytes) => {
      const tree = readTree(this.dataDirOf(id), { read: true, maxBytes, maxEntries: DATA_ARCHIVE_MAX_ENTRIES, shown: `The data folder of ${id}` });
      const entries: ArchiveEntry[] = tree.entries.map((e) => ({ rel: e.rel, type: e.type, mode: e.mode, ...(e.content ? { content: e.content } : {}) }));
      return { entries, skipped: tree.skipped.length };
    },
    replace: async (id, entries) => {
      const dir = this.dataDirOf(id);
      // What is in it goes (the folder itself stays: a running app's sandbox has it mounted), then the archive's entries.
      for (const name of readdirSync(dir)) removeTree(path.join(dir, name));
      const where = { root: dir, shown: `the data folder of ${id}` };
      for (const e of entries) if (e.type === 'dir') inFolder(where, e.rel, () => undefined);
      writeTree(where, entries.filter((e) => e.type === 'file').map((e) => ({ rel: e.rel, content: e.content ?? new Uint8Array(), mode: e.mode })));
    },
  };

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

  forget(id: string): void {
    this.live.delete(id);
    if (this.live.size === 0 && this.exitHandler) {
      process.off('exit', this.exitHandler);
      this.exitHandler = undefined;
    }
  }

  /** The records under the root that this user may act on (a root that is not private is refused first). */
  private readRecords(): { ours: FoundRecord[]; refused: Map<string, string> } {
    if (existsSync(this.root)) this.assertPrivateRoot();
    return readRecords(this.root);
  }

  /** On any exit of this process, no local app is left running. */
  private installExitHook(): void {
    if (this.exitHandler) return;
    this.exitHandler = () => {
      for (const sb of this.live.values()) {
        sb.killAllSync();
        try {
          removeTree(sb.dir); // its app's data stays for the app's next sandbox (unless it was its own)
          if (sb.ownsData) removeTree(sb.dataDir);
        } catch {
          // best effort at exit
        }
      }
    };
    process.once('exit', this.exitHandler);
  }
}
