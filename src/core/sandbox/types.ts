/** The sandbox provider interface: where an app runs (a local temp folder, or an E2B sandbox). */
import type { AppFile, AppSpec, AppType } from '../app/spec';

import type { ProviderId } from '../base/providerId';
import type { ArchiveEntry } from '../base/tarball';

export interface OutputHandler {
  (stream: 'stdout' | 'stderr', text: string): void;
}

export interface RunOptions {
  cwd?: string;
  env?: Record<string, string>;
  onOutput?: OutputHandler;
  signal?: AbortSignal;
  timeoutMs?: number;
  /** An install step: the local sandbox then lets it reach the package registries (and nothing else differs). */
  purpose?: 'install';
}

export interface RunResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface BackgroundProcess {
  readonly pid: number;
  /** Resolves when the process ends (for any reason). */
  readonly exited: Promise<{ exitCode: number | null }>;
  kill(): Promise<void>;
}

/** What the tree view and `spawn-app list` show. */
export interface SandboxInfo {
  id: string;
  provider: ProviderId;
  appName: string;
  appType?: AppType;
  /** ms since epoch */
  startedAt: number;
  /** ms since epoch when the provider will stop it; undefined when it lives as long as its owner. */
  endAt?: number;
  url?: string;
  metadata: Record<string, string>;
  cpuCount?: number;
  memoryMB?: number;
  /** Not started by this process (found in a record or by metadata). */
  orphan?: boolean;
  /** Local sandboxes: ran inside bubblewrap (false: unsandboxed fallback). Remote ones leave it out. */
  sandboxed?: boolean;
  /** Remote sandboxes that can pause (E2B): `paused` costs nothing and wakes on a request to its URL (auto-resume). */
  state?: SandboxState;
  /** What the provider does at the timeout (E2B: pause or kill); left out when it lives as long as its owner. */
  onTimeout?: OnTimeout;
}

export type SandboxState = 'running' | 'paused';
/** What an E2B sandbox does at its timeout: pause (auto-resumed by a request to its URL) or be killed. */
export type OnTimeout = 'pause' | 'kill';
export const ON_TIMEOUT_CHOICES: readonly OnTimeout[] = ['pause', 'kill'];

/** A shell in a sandbox's app folder on a terminal (a PTY): what a terminal front writes to and reads from. */
export interface ShellOptions {
  cols: number;
  rows: number;
  /** The terminal's output (UTF-8 text, escape sequences included). */
  onData: (text: string) => void;
}

export interface Shell {
  write(text: string): Promise<void>;
  resize(cols: number, rows: number): Promise<void>;
  /** Kills the shell (never the app). */
  kill(): Promise<void>;
  /** Resolves when the shell has ended (exit, kill, or the sandbox went away). */
  readonly exited: Promise<void>;
}

/**
 * What already runs in a sandbox made from a template whose server starts at build time (Spawn App's per-stack E2B
 * templates): the baseline app in its app folder, the packages installed there, and a handle on that server.
 * A deploy into it (deployInto) writes only what differs and restarts the server only when it must.
 */
export interface Serving {
  spec: AppSpec;
  npm: Record<string, string>;
  /** The Python packages of a Python stack's template. */
  pip?: Record<string, string>;
  process: BackgroundProcess;
}

/** An install from the local runner's per-user dependency cache (see depCache.ts). */
export interface CachedInstall {
  /** False when the entry is ready and the app has no extra dependency: only links are made, nothing installs. */
  needsInstall: boolean;
  /** One line for the install phase, e.g. `cached: react-1a2b3c4d5e6f`. */
  detail: string;
  /** Builds the entry when missing (once per user), links it into the app, installs the app's extras. */
  run(opts: RunOptions): Promise<RunResult>;
}

export interface Sandbox {
  readonly id: string;
  readonly provider: ProviderId;
  /** Set while the template's own server runs and no app was deployed into it yet. */
  serving?: Serving;
  /**
   * The local runner: how to install this app from its stack's dependency cache, or undefined when the cache does not
   * apply (no locked set for its stack, or none of it declared); the pipeline then installs as usual.
   */
  cachedInstall?(spec: AppSpec): CachedInstall | undefined;
  /** Writes all files in one call (one request for remote providers). */
  writeFiles(files: readonly AppFile[], signal?: AbortSignal): Promise<void>;
  /** Runs a command in the foreground and streams its output; resolves with the exit code (never throws on non-zero). */
  run(cmd: string, opts?: RunOptions): Promise<RunResult>;
  /** Starts a command in the background. */
  start(cmd: string, opts?: RunOptions): Promise<BackgroundProcess>;
  /** The URL at which the app's port is reached from outside. */
  url(port: number): string;
  /** One readiness probe through that URL: true when the app answered (any HTTP status below 500). */
  probe(port: number, signal?: AbortSignal): Promise<boolean>;
  info(): SandboxInfo;
  extendTimeout(ms: number): Promise<void>;
  /** `data: true`: its app data folder goes too (the local runner keeps it otherwise for the app's next sandbox). */
  destroy(opts?: { data?: boolean }): Promise<void>;
}

/** A sandbox's app data folder, seen from outside: never through a link the app put there. */
export interface SandboxData {
  /**
   * True when an app's data folder outlives its sandbox (the local runner; E2B with a data volume): kept for the app's
   * next sandbox, removed only by a destroy with `data: true`. Otherwise it goes with the sandbox.
   */
  readonly outlivesSandbox?: boolean;
  /** Bytes of its regular files (links, FIFOs and devices neither followed nor counted); undefined: not known now (paused). */
  size(id: string): Promise<number | undefined>;
  /** Its folders and regular files (links, FIFOs and devices are left out and counted in `skipped`). */
  read(id: string, maxBytes: number): Promise<{ entries: ArchiveEntry[]; skipped: number }>;
  /** Replaces what it holds with these entries (checked already: plain relative paths, files and folders only). */
  replace(id: string, entries: readonly ArchiveEntry[]): Promise<void>;
}

export interface CreateOptions {
  appName: string;
  appType: AppType;
  /** How long the sandbox may live before the provider stops it. */
  timeoutMs?: number;
  /** E2B: pause (default) or kill at the timeout. */
  onTimeout?: OnTimeout;
  metadata?: Record<string, string>;
  signal?: AbortSignal;
}

export interface SandboxProvider {
  readonly id: ProviderId;
  /** The local runner: whether it sandboxes, why not, and whether apps reach the network. Remote providers leave it out. */
  isolation?(): { sandboxed: boolean; reason?: string; network: boolean };
  /** Whether a dependency is already available in the sandbox image (deploy then skips the install). */
  preinstalled?(dep: string, ecosystem: 'npm' | 'pip', appType?: AppType): boolean;
  create(opts: CreateOptions): Promise<Sandbox>;
  /**
   * Takes over one of our sandboxes that this process did not create (found by `list` after a reload or a crash):
   * connects to it and stops what runs in it, so an app can be started there afresh instead of in a new sandbox.
   * Providers whose sandboxes cannot outlive their owner leave it out.
   */
  takeOver?(id: string, signal?: AbortSignal): Promise<Sandbox>;
  list(): Promise<SandboxInfo[]>;
  /** Pauses a sandbox (E2B); false when it was paused already. Providers that cannot pause leave it out. */
  pause?(id: string): Promise<boolean>;
  /** Resumes a paused sandbox (a no-op for a running one) so that it runs `timeoutMs` from now. */
  resume?(id: string, timeoutMs: number): Promise<void>;
  /** Opens an interactive shell in the app folder of one of this process's (or, remotely, our) sandboxes. */
  openShell?(id: string, opts: ShellOptions): Promise<Shell>;
  /** The app data folder ($DATA_DIR, dataDir.ts) of one of our sandboxes. */
  readonly data?: SandboxData;
  /**
   * Returns false when there was no such sandbox. `data: true` removes its app data folder too (the local runner, and
   * E2B with a data volume, keep it otherwise, for the app's next sandbox; one in a remote sandbox's own disk goes with it
   * either way).
   */
  destroy(id: string, opts?: { data?: boolean }): Promise<boolean>;
  extendTimeout(id: string, ms: number): Promise<void>;
}

/** Metadata that marks a sandbox as ours. */
export const METADATA_TAG = { key: 'createdBy', value: 'spawn-app' } as const;
