/** One E2B sandbox as a `Sandbox`: files, commands, the app's URL and environment, its lifetime (through its provider). */
import path from 'node:path';
import type { CommandHandle, Sandbox as SdkSandbox } from 'e2b';
import { CommandExitError } from 'e2b';
import { CancelledError, isCancelled, SpawnError } from '../../base/errors';
import type { AppFile } from '../../app/spec';
import { DEFAULT_PORT } from '../../app/spec';
import { checkPath } from '../../validate';
import { DATA_DIR_ENV, DATA_VOLUME_METADATA, dataKeyOf } from '../dataDir';
import { probeUrl } from '../probe';
import type { BackgroundProcess, OnTimeout, RunOptions, RunResult, Sandbox, SandboxInfo, Serving } from '../types';
import type { E2BStep } from './errors';
import { isTimeoutError } from './errors';

/** Where the app's files go inside the sandbox (E2B's default user is `user`, home `/home/user`). */
export const E2B_APP_ROOT = '/home/user/app';
/** The app's data folder ($DATA_DIR, dataDir.ts): outside the app folder, so a redeploy never touches it; it lives as long as the sandbox. */
export const E2B_DATA_DIR = '/home/user/data';
/** Where the data volume (dataDir.ts `dataVolumeName`) is mounted: the apps' data folders on it, one per app data key. */
export const E2B_VOLUME_MOUNT = '/mnt/spawn-app-data';

/** A sandbox's data folder: on its data volume (its metadata says which), `<mount>/<app data key>`; else E2B_DATA_DIR. */
export function e2bDataDir(metadata: Record<string, string> | undefined, sandboxId: string): string {
  return metadata?.[DATA_VOLUME_METADATA] ? `${E2B_VOLUME_MOUNT}/${dataKeyOf(metadata, sandboxId)}` : E2B_DATA_DIR;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** What a sandbox asks of the provider that made it (the E2BProvider): its URL scheme, its errors, the control-plane calls. */
export interface E2BSandboxOwner {
  readonly scheme: 'http' | 'https';
  toError(err: unknown, step: E2BStep, sandboxId?: string, timeoutMs?: number): SpawnError;
  destroy(id: string, opts?: { data?: boolean }): Promise<boolean>;
  extendTimeout(id: string, ms: number): Promise<void>;
}

export interface SandboxState {
  appName: string;
  appType?: SandboxInfo['appType'];
  metadata: Record<string, string>;
  startedAt: number;
  endAt: number;
  state?: SandboxInfo['state'];
  onTimeout?: OnTimeout;
}

export class E2BSandbox implements Sandbox {
  readonly provider = 'e2b' as const;
  private destroyed = false;
  private readonly handles = new Set<CommandHandle>();
  serving?: Serving;

  constructor(
    private readonly owner: E2BSandboxOwner,
    readonly sdk: SdkSandbox,
    readonly state: SandboxState,
  ) {}

  /** Marks the template's server as running here (created from a per-stack template). */
  markServing(template: { baseline: Serving['spec']; npm: Record<string, string>; pip?: Record<string, string> }): void {
    let done!: (v: { exitCode: number | null }) => void;
    const exited = new Promise<{ exitCode: number | null }>((r) => (done = r));
    this.serving = {
      spec: template.baseline,
      npm: template.npm,
      pip: template.pip,
      process: {
        // envd started it at build time; its pid is not known without asking (one more request), and not needed.
        pid: 0,
        exited,
        kill: async () => {
          const procs = await this.sdk.commands.list().catch(() => []);
          for (const p of procs) await this.sdk.commands.kill(p.pid).catch(() => false);
          done({ exitCode: -1 });
        },
      },
    };
  }

  get id(): string {
    return this.sdk.sandboxId;
  }

  async writeFiles(files: readonly AppFile[], signal?: AbortSignal): Promise<void> {
    this.assertAlive();
    if (signal?.aborted) throw new CancelledError();
    // Defence in depth: the pipeline validated already; nothing outside the app folder is ever written.
    const entries = files.map((f) => {
      const checked = checkPath(f.path);
      if (!checked.ok) throw new SpawnError('blocked', checked.message);
      return { path: path.posix.join(E2B_APP_ROOT, checked.path), data: f.content };
    });
    if (entries.length === 0) return;
    try {
      // One multipart request for all files (the SDK batches an array into one POST /files).
      await this.sdk.files.write(entries, { signal });
    } catch (err) {
      if (signal?.aborted || isCancelled(err)) throw new CancelledError();
      throw this.owner.toError(err, 'write', this.id);
    }
  }

  private cwd(sub?: string): string {
    if (!sub) return E2B_APP_ROOT;
    const checked = checkPath(sub);
    return checked.ok ? path.posix.join(E2B_APP_ROOT, checked.path) : E2B_APP_ROOT;
  }

  async run(cmd: string, opts: RunOptions = {}): Promise<RunResult> {
    this.assertAlive();
    if (opts.signal?.aborted) throw new CancelledError();
    let stdout = '';
    let stderr = '';
    let handle: CommandHandle;
    try {
      // Started as a handle so that a cancel can kill it: envd keeps a command running when its stream is cut.
      handle = await this.sdk.commands.run(cmd, {
        background: true,
        cwd: this.cwd(opts.cwd),
        envs: opts.env,
        timeoutMs: opts.timeoutMs ?? 0,
        onStdout: (d) => {
          stdout += d;
          opts.onOutput?.('stdout', d);
        },
        onStderr: (d) => {
          stderr += d;
          opts.onOutput?.('stderr', d);
        },
      });
    } catch (err) {
      throw this.owner.toError(err, 'run', this.id);
    }
    this.handles.add(handle);
    const outcome = handle.wait().then(
      (r) => ({ exitCode: r.exitCode }),
      (err: unknown) => {
        if (err instanceof CommandExitError) return { exitCode: err.exitCode };
        // envd kills a command at its deadline (timeoutMs); report it like a killed process.
        if (opts.timeoutMs && isTimeoutError(err)) {
          const note = `(stopped after ${Math.round(opts.timeoutMs / 1000)} s)\n`;
          stderr += note;
          opts.onOutput?.('stderr', note);
          return { exitCode: -1 };
        }
        return { error: err };
      },
    );
    let onAbort: (() => void) | undefined;
    const aborted = new Promise<'aborted'>((resolve) => {
      onAbort = () => resolve('aborted');
      if (opts.signal?.aborted) onAbort();
      else opts.signal?.addEventListener('abort', onAbort, { once: true });
    });
    try {
      const r = await Promise.race([outcome, aborted]);
      if (r === 'aborted') {
        await handle.kill().catch(() => false);
        throw new CancelledError();
      }
      if ('error' in r) throw this.owner.toError(r.error, 'run', this.id);
      return { exitCode: r.exitCode, stdout, stderr };
    } finally {
      if (onAbort) opts.signal?.removeEventListener('abort', onAbort);
      this.handles.delete(handle);
      await handle.disconnect().catch(() => undefined);
    }
  }

  async start(cmd: string, opts: RunOptions = {}): Promise<BackgroundProcess> {
    this.assertAlive();
    let handle: CommandHandle;
    try {
      handle = await this.sdk.commands.run(withDataDir(cmd), {
        background: true,
        // Without timeoutMs: 0 the SDK's 60 s default becomes the command's deadline and envd kills the app.
        timeoutMs: 0,
        cwd: this.cwd(opts.cwd),
        envs: this.appEnv(opts.env),
        onStdout: (d) => opts.onOutput?.('stdout', d),
        onStderr: (d) => opts.onOutput?.('stderr', d),
      });
    } catch (err) {
      throw this.owner.toError(err, 'start', this.id);
    }
    this.handles.add(handle);
    const exited = handle.wait().then(
      (r) => ({ exitCode: r.exitCode as number | null }),
      // A non-zero exit, a kill (-1), or the stream dropping because the sandbox went away (null).
      (err: unknown) => ({ exitCode: err instanceof CommandExitError ? err.exitCode : null }),
    );
    void exited.then(() => this.handles.delete(handle));
    return {
      pid: handle.pid,
      exited,
      kill: async () => {
        await handle.kill().catch(() => false);
        await Promise.race([exited, sleep(3000)]);
        await handle.disconnect().catch(() => undefined);
      },
    };
  }

  url(port: number): string {
    return `${this.owner.scheme}://${this.sdk.getHost(port)}`;
  }

  /**
   * An app's environment: listen on every interface of the VM (E2B's edge reaches it there), and know the host the
   * browser uses (a dev server such as Vite checks the Host header and points its HMR websocket at it).
   */
  appEnv(extra?: Record<string, string>): Record<string, string> {
    const port = Number(extra?.PORT) || DEFAULT_PORT;
    return {
      PORT: String(DEFAULT_PORT),
      HOST: '0.0.0.0',
      SPAWN_APP_PUBLIC_HOST: this.sdk.getHost(port),
      SPAWN_APP_PUBLIC_PROTOCOL: this.owner.scheme,
      [DATA_DIR_ENV]: e2bDataDir(this.state.metadata, this.id),
      ...extra,
    };
  }

  probe(port: number, signal?: AbortSignal): Promise<boolean> {
    return probeUrl(`${this.url(port)}/`, signal);
  }

  info(): SandboxInfo {
    return {
      id: this.id,
      provider: 'e2b',
      appName: this.state.appName,
      appType: this.state.appType,
      startedAt: this.state.startedAt,
      endAt: this.state.endAt,
      url: this.url(DEFAULT_PORT),
      metadata: { ...this.state.metadata },
      state: this.state.state ?? 'running',
      onTimeout: this.state.onTimeout,
    };
  }

  async extendTimeout(ms: number): Promise<void> {
    this.assertAlive();
    await this.owner.extendTimeout(this.id, ms);
  }

  async destroy(opts: { data?: boolean } = {}): Promise<void> {
    if (this.destroyed) return;
    this.destroyed = true;
    for (const h of this.handles) void h.disconnect().catch(() => undefined);
    this.handles.clear();
    try {
      await this.owner.destroy(this.id, opts);
    } catch (err) {
      this.destroyed = false; // a later destroy() tries again
      throw err;
    }
  }

  private assertAlive(): void {
    if (this.destroyed) throw new SpawnError('deploy.not_found', `Sandbox ${this.id} was destroyed.`);
  }
}

/**
 * The app's command, run once its data folder exists: made in the same request (no request of its own), after which
 * the shell becomes the app's own `bash -c` (exec), so the process that runs it is the one envd started, as before.
 */
export function withDataDir(cmd: string): string {
  return `mkdir -p -- "$${DATA_DIR_ENV}" && exec /bin/bash -c '${cmd.replace(/'/g, `'\\''`)}'`;
}
