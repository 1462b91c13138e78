/**
 * The local provider: a temp folder per sandbox, real child processes in their own process groups, a free
 * port mapped to the app's port through $PORT. Each sandbox keeps a record (sandbox.json) beside its files so
 * that another process (`spawn-app list` / `destroy`) can find and stop it, even after its owner was killed.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { CancelledError, SpawnError } from '../errors';
import type { AppFile, AppType } from '../spec';
import { checkPath } from '../validate';
import { isSameProcess, killGroup, killGroupSync, processStartTime, spawnShell } from './processes';
import { probeUrl } from './probe';
import type { BackgroundProcess, CreateOptions, RunOptions, RunResult, Sandbox, SandboxInfo, SandboxProvider } from './types';
import { METADATA_TAG } from './types';

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
}

export interface LocalProviderOptions {
  /** Folder holding one sub-folder per sandbox; default `$TMPDIR/spawn-app-local`. */
  root?: string;
  /** Host the app is reached on from outside; default 127.0.0.1. */
  host?: string;
}

export function defaultLocalRoot(): string {
  return process.env.SPAWN_APP_LOCAL_ROOT || path.join(os.tmpdir(), 'spawn-app-local');
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

class LocalSandbox implements Sandbox {
  readonly provider = 'local' as const;
  private readonly running = new Map<number, { kill(): Promise<void> }>();
  private destroyed = false;

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

  async writeFiles(files: readonly AppFile[], signal?: AbortSignal): Promise<void> {
    this.assertAlive();
    for (const f of files) {
      if (signal?.aborted) throw new CancelledError();
      // Defence in depth: the pipeline validated already, but nothing outside the app folder is ever written.
      const checked = checkPath(f.path);
      if (!checked.ok) throw new SpawnError('blocked', checked.message);
      const target = path.join(this.appDir, checked.path);
      if (!target.startsWith(this.appDir + path.sep)) throw new SpawnError('blocked', `Refused to write outside the app folder: ${f.path}`);
      await mkdir(path.dirname(target), { recursive: true });
      await writeFile(target, f.content);
    }
  }

  private env(opts?: RunOptions): NodeJS.ProcessEnv {
    // The app's port is always mapped to this sandbox's free port.
    return { ...process.env, ...opts?.env, PORT: String(this.record.port) };
  }

  async run(cmd: string, opts: RunOptions = {}): Promise<RunResult> {
    this.assertAlive();
    if (opts.signal?.aborted) throw new CancelledError();
    let stdout = '';
    let stderr = '';
    const sh = spawnShell(cmd, this.cwd(opts), this.env(opts), (stream, text) => {
      if (stream === 'stdout') stdout += text;
      else stderr += text;
      opts.onOutput?.(stream, text);
    });
    const kill = () => killGroup(sh.pid, 200);
    this.running.set(sh.pid, { kill });
    const onAbort = () => void kill();
    opts.signal?.addEventListener('abort', onAbort, { once: true });
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

  async start(cmd: string, opts: RunOptions = {}): Promise<BackgroundProcess> {
    this.assertAlive();
    const sh = spawnShell(cmd, this.cwd(opts), this.env(opts), opts.onOutput);
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

  /** Kills every process synchronously (for process exit handlers). */
  killAllSync(): void {
    for (const p of this.record.processes) killGroupSync(p.pid);
  }

  async destroy(): Promise<void> {
    if (this.destroyed) return;
    this.destroyed = true;
    await Promise.all([...this.running.values()].map((r) => r.kill()));
    for (const p of this.record.processes) if (isSameProcess(p.pid, p.startTime)) await killGroup(p.pid);
    rmSync(this.dir, { recursive: true, force: true });
    this.owner.forget(this.id);
  }

  private assertAlive(): void {
    if (this.destroyed) throw new SpawnError('deploy.not_found', `Sandbox ${this.id} was destroyed.`);
  }
}

export class LocalProvider implements SandboxProvider {
  readonly id = 'local' as const;
  readonly root: string;
  private readonly host: string;
  private readonly live = new Map<string, LocalSandbox>();
  private exitHandler: (() => void) | undefined;

  constructor(opts: LocalProviderOptions = {}) {
    this.root = opts.root ?? defaultLocalRoot();
    this.host = opts.host ?? '127.0.0.1';
  }

  async create(opts: CreateOptions): Promise<Sandbox> {
    if (opts.signal?.aborted) throw new CancelledError();
    const id = `local-${randomBytes(5).toString('hex')}`;
    const dir = path.join(this.root, id);
    mkdirSync(path.join(dir, 'app'), { recursive: true });
    const record: LocalRecord = {
      id,
      appName: opts.appName,
      appType: opts.appType,
      startedAt: Date.now(),
      port: await freePort(),
      owner: { pid: process.pid, startTime: processStartTime(process.pid), cmd: process.argv.slice(1).join(' ') },
      processes: [],
      metadata: { [METADATA_TAG.key]: METADATA_TAG.value, ...opts.metadata },
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
    for (const { dir, record } of this.readRecords()) {
      if (this.live.has(record.id)) {
        out.push(this.toInfo(record, false, this.host));
        continue;
      }
      const ownerAlive = isSameProcess(record.owner.pid, record.owner.startTime);
      const running = record.processes.filter((p) => isSameProcess(p.pid, p.startTime));
      if (!ownerAlive && running.length === 0) {
        rmSync(dir, { recursive: true, force: true }); // stale: nothing runs, nobody owns it
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
    const found = this.readRecords().find((r) => r.record.id === id);
    if (!found) return false;
    for (const p of found.record.processes) if (isSameProcess(p.pid, p.startTime)) await killGroup(p.pid);
    rmSync(found.dir, { recursive: true, force: true });
    return true;
  }

  async extendTimeout(): Promise<void> {
    // Nothing to extend: a local sandbox lives as long as its owner.
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
    };
  }

  saveRecord(dir: string, record: LocalRecord): void {
    if (!existsSync(dir)) return;
    const tmp = path.join(dir, `sandbox.json.${process.pid}.tmp`);
    writeFileSync(tmp, JSON.stringify(record, null, 2));
    renameSync(tmp, path.join(dir, 'sandbox.json'));
  }

  forget(id: string): void {
    this.live.delete(id);
    if (this.live.size === 0 && this.exitHandler) {
      process.off('exit', this.exitHandler);
      this.exitHandler = undefined;
    }
  }

  private readRecords(): { dir: string; record: LocalRecord }[] {
    let names: string[];
    try {
      names = readdirSync(this.root);
    } catch {
      return [];
    }
    const out: { dir: string; record: LocalRecord }[] = [];
    for (const name of names) {
      const dir = path.join(this.root, name);
      try {
        const record = JSON.parse(readFileSync(path.join(dir, 'sandbox.json'), 'utf8')) as LocalRecord;
        if (record && typeof record.id === 'string' && Array.isArray(record.processes)) out.push({ dir, record });
      } catch {
        // A folder being created, or not ours: skip it.
      }
    }
    return out;
  }

  /** On any exit of this process, no local app is left running. */
  private installExitHook(): void {
    if (this.exitHandler) return;
    this.exitHandler = () => {
      for (const sb of this.live.values()) {
        sb.killAllSync();
        try {
          rmSync(sb.dir, { recursive: true, force: true });
        } catch {
          // best effort at exit
        }
      }
    };
    process.once('exit', this.exitHandler);
  }
}
