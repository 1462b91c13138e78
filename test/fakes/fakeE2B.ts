/**
 * A fake E2B on 127.0.0.1, speaking the wire protocol of the installed `e2b` SDK (2.51.0) closely enough that the
 * real SDK runs unchanged against it (see docs/wire.md and node_modules/e2b/dist/index.js):
 *
 * - the control plane (`X-API-KEY`, JSON, errors `{code, message}`): POST /v2/sandboxes, GET /v2/sandboxes
 *   (metadata filter, `limit`/`nextToken` paging with `x-next-token`), GET/DELETE /sandboxes/{id},
 *   POST /sandboxes/{id}/timeout, POST /sandboxes/{id}/pause, POST /v2/sandboxes/{id}/connect (resumes a paused one);
 *   the lifecycle (`autoPause`, `autoResume: {enabled}`): at its timeout a sandbox with autoPause is paused (its
 *   processes SIGSTOPped, listed with `state: "paused"`), and with autoResume a request to its URL resumes it;
 *   `state` filters the list (`state=running&state=paused`);
 * - envd for every sandbox on the same origin, told apart by the `E2b-Sandbox-Id` header: GET /health,
 *   GET/POST /files (a batch write is ONE multipart request), and the Connect protocol with JSON:
 *   process.Process/Start and /Connect (server streaming, enveloped frames; with `pty` a real PTY through util-linux
 *   `script`, output as `data.pty`), /List, /SendSignal, /SendInput (`input.pty` / `input.stdin`), /Update (PTY size),
 *   /CloseStdin, filesystem.Filesystem/Stat, /MakeDir, /ListDir, /Remove, /Move;
 * - each app's public host `<port>-<id>.localhost:<fakePort>` (Host header routing), proxied to the sandbox's real
 *   port, answering 502 like E2B's edge until something listens.
 *
 * A sandbox is a temp folder (its `/` maps to `<root>/<id>/`) with real processes in their own process groups
 * (the local provider's helpers). Ports are virtual through `$PORT` only: a command started with `PORT=3000`
 * gets a free host port instead, and `3000-<id>.localhost` reaches it.
 *
 * It counts requests per route, adds latency, and injects faults at each deploy step.
 * Standalone: `npx tsx test/fakes/fakeE2B.ts --port 49999` prints the env vars that point the SDK (and spawn-app) at it.
 */
import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import type { Duplex } from 'node:stream';
import path from 'node:path';
import { freePort } from '../helpers/http';
import { isAlive, killGroup, spawnShell } from '../../src/core/sandbox/local/processes';
import type { SpawnedShell } from '../../src/core/sandbox/local/processes';

export type FaultStep = 'create' | 'write' | 'install' | 'start' | 'health' | 'kill';

export interface FakeE2BOptions {
  /** Port to listen on; 0 (default) picks a free one. */
  port?: number;
  /** The API key the control plane accepts. */
  apiKey?: string;
  /** Templates that exist; others answer 404 like E2B. */
  templates?: string[];
  /** Latency added to every control-plane and envd request (not to app traffic); a create answers this late after the sandbox exists. */
  latencyMs?: number;
  /** The plan's cap on a sandbox's life (E2B: 1 h on Hobby, 24 h on Pro). */
  maxLengthHours?: number;
  /** Most items per page of GET /v2/sandboxes, whatever `limit` asks for. */
  maxPageSize?: number;
  envdVersion?: string;
  cpuCount?: number;
  memoryMB?: number;
  /** Folder that holds one sub-folder per sandbox; default a new temp folder. */
  root?: string;
  /** Extra environment for every sandbox process (tests pass a warm npm cache here). */
  processEnv?: Record<string, string>;
  /**
   * A template's image, for templates that are more than a name: a host folder copied (symlinks kept) into each new
   * sandbox's /home/user, as E2B starts a sandbox from its template's filesystem.
   */
  templateImages?: Record<string, string>;
  /**
   * Templates whose server starts at build time (E2B's `setStartCmd(cmd, waitForPort(port))`): the command runs in
   * each new sandbox from the template before create answers, and create waits for its port like the ready check.
   * It is one of the sandbox's processes (listed, killable), and `PORT` maps like any.
   */
  templateStarts?: Record<string, { cmd: string; cwd?: string; envs?: Record<string, string>; port?: number }>;
  /**
   * Model E2B's template snapshot: a sandbox from a template with a start command resumes with its server already
   * running. The fake boots one sandbox per such template in advance (a spare) and hands it out at create;
   * `sparesReady()` boots the missing spares and waits for them (a create with no spare boots one itself, like the
   * option off). Spares are booted only then, so that booting one never competes with a deploy being measured.
   */
  snapshotTemplates?: boolean;
  /** How long create takes to answer after the sandbox exists; default 150 ms (E2B's published start time). */
  createLatencyMs?: number;
  /**
   * More domains the app edge answers for besides `localhost:<port>` (e.g. `e2b.app`): a request to this server with
   * `Host: 3000-<id>.e2b.app` reaches that sandbox's app with that Host header, as E2B's edge forwards it.
   */
  publicDomains?: string[];
  /**
   * The team's volumes (E2B volumes: storage that outlives sandboxes), by name. A create's `volumeMounts` ({name, path})
   * mounts each into the new sandbox (here: its path is a link to the volume's host folder, `volumeDir(name)`); a name
   * the team has not got answers 400 (the wording is this fake's own: the real message is not recorded in WIRE.md).
   */
  volumes?: string[];
}

interface ProcEvent {
  kind: 'data' | 'end';
  stream?: 'stdout' | 'stderr' | 'pty';
  data?: Buffer;
  end?: { exitCode: number; exited: boolean; status: string; error?: string };
}

interface FakeProcess {
  pid: number;
  /** A PTY process: input goes to its terminal. */
  pty?: boolean;
  tag?: string;
  config: { cmd: string; args: string[]; envs: Record<string, string>; cwd?: string };
  shell: SpawnedShell;
  listeners: Set<(e: ProcEvent) => void>;
  end?: ProcEvent['end'];
}

interface FakeSandbox {
  id: string;
  templateID: string;
  clientID: string;
  metadata: Record<string, string>;
  envVars: Record<string, string>;
  startedAt: number;
  endAt: number;
  dir: string;
  envdAccessToken: string;
  processes: Map<number, FakeProcess>;
  /** sandbox port → host port */
  ports: Map<number, number>;
  timer?: NodeJS.Timeout;
  /** Health fault: the edge answers 502 for this sandbox whatever the app does. */
  unhealthy?: boolean;
  state: 'running' | 'paused';
  /** The create's lifecycle: pause at the timeout (else kill), resume on a request to its URL. */
  autoPause: boolean;
  autoResume: boolean;
  /** The create's timeout: what an auto-resume runs it for. */
  timeoutMs: number;
  /** The create's volume mounts, as the list answers them. */
  volumeMounts?: { name: string; path: string }[];
}

export interface FakeSandboxView {
  id: string;
  templateID: string;
  metadata: Record<string, string>;
  startedAt: number;
  endAt: number;
  dir: string;
  pids: number[];
  ports: Record<number, number>;
  state: 'running' | 'paused';
  autoPause: boolean;
  autoResume: boolean;
}

interface Fault {
  remaining: number;
  status?: number;
}

class HttpError extends Error {
  constructor(readonly status: number, message: string, readonly headers: Record<string, string> = {}) {
    super(message);
  }
}

/** Connect error codes and the HTTP status a unary error travels with. */
const CONNECT_STATUS: Record<string, number> = {
  canceled: 499, unknown: 500, invalid_argument: 400, deadline_exceeded: 504, not_found: 404, already_exists: 409,
  permission_denied: 403, resource_exhausted: 429, failed_precondition: 400, aborted: 409, out_of_range: 400,
  unimplemented: 501, internal: 500, unavailable: 503, data_loss: 500, unauthenticated: 401,
};

class ConnectError extends Error {
  constructor(readonly code: keyof typeof CONNECT_STATUS, message: string) {
    super(message);
  }
}

const INSTALL_RE = /\b(npm|pnpm|yarn)\b[^;&|]*\b(install|add|ci)\b|\bpip3?\b[^;&|]*\binstall\b/;
const APP_HOST_RE = /^(\d+)-([a-z0-9]+)\.(.+)$/i;
const USER_HOME = '/home/user';

/** Frames one Connect streaming message: 1 flag byte, 4-byte big-endian length, JSON. */
export function envelope(flags: number, json: unknown): Buffer {
  const data = Buffer.from(JSON.stringify(json));
  const head = Buffer.alloc(5);
  head.writeUInt8(flags, 0);
  head.writeUInt32BE(data.length, 1);
  return Buffer.concat([head, data]);
}

function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function sendJson(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const data = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, { ...(data ? { 'Content-Type': 'application/json' } : {}), 'Content-Length': Buffer.byteLength(data), ...headers });
  res.end(data);
}

/** Environment for a sandbox process: the host's tools on PATH, none of the test runner's npm/E2B settings. */
function baseEnv(home: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v === undefined) continue;
    if (/^(npm_|E2B_|SPAWN_APP_|NODE_OPTIONS$|INIT_CWD$|MOCHA)/i.test(k)) continue;
    out[k] = v;
  }
  out.HOME = home;
  out.USER = 'user';
  return out;
}

function signalName(sig: NodeJS.Signals | null): string {
  return sig === 'SIGKILL' ? 'killed' : sig === 'SIGTERM' ? 'terminated' : (sig ?? 'unknown').toLowerCase();
}

export class FakeE2B {
  readonly apiKey: string;
  readonly root: string;
  private readonly sandboxes = new Map<string, FakeSandbox>();
  private readonly countsByRoute = new Map<string, number>();
  private readonly faults = new Map<string, Fault>();
  private readonly routeLatency = new Map<string, number>();
  private latencyMs: number;
  private server?: http.Server;
  private portNumber = 0;
  private readonly ownsRoot: boolean;
  private readonly templates: Set<string>;
  private readonly processEnv: Record<string, string>;
  private readonly templateImages: Record<string, string>;
  private readonly templateStarts: NonNullable<FakeE2BOptions['templateStarts']>;
  private readonly createLatencyMs: number;
  private readonly publicDomains: Set<string>;
  private readonly snapshotTemplates: boolean;
  private readonly volumeNames = new Set<string>();
  private readonly spares = new Map<string, Promise<FakeSandbox | undefined>>();
  private readonly opts: Required<Pick<FakeE2BOptions, 'maxLengthHours' | 'maxPageSize' | 'envdVersion' | 'cpuCount' | 'memoryMB'>>;
  /** Every sandbox ever created (ids), for tests. */
  readonly created: string[] = [];
  /** The `state` filter of every GET /v2/sandboxes (empty = none sent). */
  readonly listStates: string[][] = [];
  /** Every process.Process/Start: the command, its cwd, envs and deadline (Connect-Timeout-Ms; 0 = none). */
  readonly starts: { sandboxId: string; cmd: string; cwd?: string; envs: Record<string, string>; deadlineMs: number }[] = [];
  /** Every pause: by its timeout (lifecycle) or by a request (POST /sandboxes/{id}/pause). */
  readonly pauses: { sandboxId: string; by: 'timeout' | 'request' }[] = [];
  /** Every resume: by connect (with the timeout it asked for, in s; undefined = none sent) or by traffic to its URL. */
  readonly resumes: { sandboxId: string; by: 'connect' | 'traffic'; timeoutS?: number }[] = [];
  /** Every PTY started (its size) and every resize (process.Process/Update). */
  readonly ptys: { sandboxId: string; pid: number; cols: number; rows: number; cwd?: string }[] = [];
  readonly resizes: { sandboxId: string; pid: number; cols: number; rows: number }[] = [];

  private constructor(opts: FakeE2BOptions) {
    this.apiKey = opts.apiKey ?? 'e2b_fake_0000000000000000000000000000000000000000';
    this.templates = new Set(opts.templates ?? ['base', 'code-interpreter-v1']);
    this.latencyMs = opts.latencyMs ?? 0;
    this.processEnv = opts.processEnv ?? {};
    this.templateImages = opts.templateImages ?? {};
    this.templateStarts = opts.templateStarts ?? {};
    this.createLatencyMs = opts.createLatencyMs ?? 150;
    this.publicDomains = new Set(opts.publicDomains ?? []);
    this.snapshotTemplates = opts.snapshotTemplates ?? false;
    for (const t of Object.keys(this.templateStarts)) this.templates.add(t);
    this.ownsRoot = !opts.root;
    this.root = opts.root ?? mkdtempSync(path.join(os.tmpdir(), 'spawn-app-fake-e2b-'));
    mkdirSync(this.root, { recursive: true });
    for (const v of opts.volumes ?? []) this.createVolume(v);
    this.opts = {
      maxLengthHours: opts.maxLengthHours ?? 1,
      maxPageSize: opts.maxPageSize ?? 100,
      envdVersion: opts.envdVersion ?? '0.5.7',
      cpuCount: opts.cpuCount ?? 2,
      memoryMB: opts.memoryMB ?? 512,
    };
  }

  static async start(opts: FakeE2BOptions = {}): Promise<FakeE2B> {
    const fake = new FakeE2B(opts);
    await fake.listen(opts.port ?? 0);
    if (fake.snapshotTemplates) await fake.sparesReady();
    return fake;
  }

  get port(): number {
    return this.portNumber;
  }

  get url(): string {
    return `http://127.0.0.1:${this.portNumber}`;
  }

  /** The domain the create answer carries: `getHost(3000)` = `3000-<id>.localhost:<port>`. */
  get domain(): string {
    return `localhost:${this.portNumber}`;
  }

  /** The settings a self-hosted user would set, pointing the SDK (and spawn-app) here. */
  env(): Record<string, string> {
    return { E2B_API_KEY: this.apiKey, E2B_API_URL: this.url, E2B_SANDBOX_URL: this.url, E2B_DOMAIN: this.domain };
  }

  /** The same, as SDK connection options. */
  connection(): { apiKey: string; apiUrl: string; sandboxUrl: string; domain: string } {
    return { apiKey: this.apiKey, apiUrl: this.url, sandboxUrl: this.url, domain: this.domain };
  }

  // ---- test controls -------------------------------------------------------------------------------------------

  /** Requests seen per route, e.g. `POST /v2/sandboxes`, `POST /files`, `POST /process.Process/Start`, `APP GET`. */
  counts(): Record<string, number> {
    return Object.fromEntries(this.countsByRoute);
  }

  /** Total requests to the control plane and envd (app traffic through the edge excluded). */
  apiRequests(): number {
    let n = 0;
    for (const [k, v] of this.countsByRoute) if (!k.startsWith('APP ')) n += v;
    return n;
  }

  /** Ids of the sandboxes paused through the API, in order. */
  paused(): string[] {
    return this.pauses.filter((p) => p.by === 'request').map((p) => p.sandboxId);
  }

  resetCounts(): void {
    this.countsByRoute.clear();
  }

  setLatency(ms: number, route?: string): void {
    if (route) this.routeLatency.set(route, ms);
    else this.latencyMs = ms;
  }

  /**
   * Makes a step fail `times` times (default once): `create` (500), `write` (POST /files 500), `install` (the next
   * install command exits 1 with npm-like errors), `start` (the next other command exits 1 at once), `health` (the
   * edge answers 502 for the next sandbox created, whatever its app does), `kill` (DELETE answers 500).
   */
  fail(step: FaultStep, times = 1): void {
    this.faults.set(step, { remaining: times });
  }

  /** The control plane answers 401 to every request (a revoked key). */
  failAuth(times = Number.POSITIVE_INFINITY): void {
    this.faults.set('auth', { remaining: times });
  }

  /** Create answers 429 (quota reached); with `retryAfterSeconds` the SDK retries it. */
  rateLimit(times = 1, retryAfterSeconds?: number): void {
    this.faults.set('ratelimit', { remaining: times, status: retryAfterSeconds });
  }

  clearFaults(): void {
    this.faults.clear();
  }

  private takeFault(step: string): Fault | undefined {
    const f = this.faults.get(step);
    if (!f || f.remaining <= 0) return undefined;
    f.remaining--;
    if (f.remaining <= 0) this.faults.delete(step);
    return f;
  }

  live(): FakeSandboxView[] {
    return [...this.sandboxes.values()].map((s) => ({
      id: s.id,
      templateID: s.templateID,
      metadata: { ...s.metadata },
      startedAt: s.startedAt,
      endAt: s.endAt,
      dir: s.dir,
      pids: [...s.processes.values()].filter((p) => !p.end).map((p) => p.pid),
      ports: Object.fromEntries(s.ports),
      state: s.state,
      autoPause: s.autoPause,
      autoResume: s.autoResume,
    }));
  }

  get liveCount(): number {
    return this.sandboxes.size;
  }

  /** Live processes across all sandboxes (checked against the OS, not only the fake's books). */
  runningProcesses(): number {
    let n = 0;
    for (const s of this.sandboxes.values()) for (const p of s.processes.values()) if (!p.end && isAlive(p.pid)) n++;
    return n;
  }

  /** Ends a sandbox the way a kill-at-timeout would (the client is not told), whatever its lifecycle. */
  async expire(id: string): Promise<void> {
    await this.killSandbox(id);
  }

  /** What its timeout does now: paused with the pause lifecycle (autoPause), else killed. */
  async timeUp(id: string): Promise<void> {
    const sb = this.sandboxes.get(id);
    if (sb?.autoPause) this.pauseSandbox(sb, 'timeout');
    else await this.killSandbox(id);
  }

  /** Boots a spare sandbox for each template with a start command that has none (snapshotTemplates); resolves when all are up. */
  async sparesReady(): Promise<void> {
    if (this.snapshotTemplates) for (const t of Object.keys(this.templateStarts)) if (!this.spares.has(t)) this.bootSpare(t);
    await Promise.all(this.spares.values());
  }

  async close(): Promise<void> {
    const spares = await Promise.all(this.spares.values());
    this.spares.clear();
    await Promise.all(spares.map((sb) => sb && this.discard(sb)));
    await Promise.all([...this.sandboxes.keys()].map((id) => this.killSandbox(id)));
    if (this.server) {
      this.server.closeAllConnections();
      await new Promise<void>((r) => this.server!.close(() => r()));
    }
    if (this.ownsRoot) rmSync(this.root, { recursive: true, force: true });
  }

  // ---- server --------------------------------------------------------------------------------------------------

  private async listen(port: number): Promise<void> {
    this.server = http.createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        if (!res.headersSent) sendJson(res, 500, { code: 500, message: `fake E2B: ${(err as Error).message}` });
        else res.destroy();
      });
    });
    // Websockets through the app edge (a dev server's HMR), like E2B's.
    this.server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => this.proxyUpgrade(req, socket, head));
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(port, '127.0.0.1', () => resolve());
    });
    this.portNumber = (this.server.address() as { port: number }).port;
  }

  private count(route: string): void {
    this.countsByRoute.set(route, (this.countsByRoute.get(route) ?? 0) + 1);
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const host = (req.headers.host ?? '').toLowerCase();
    const app = APP_HOST_RE.exec(host);
    if (app && (app[3] === this.domain || this.publicDomains.has(app[3]!))) {
      this.count(`APP ${req.method}`);
      this.proxyApp(Number(app[1]), app[2]!, req, res);
      return;
    }
    const url = new URL(req.url ?? '/', 'http://fake');
    const sandboxId = req.headers['e2b-sandbox-id'];
    if (typeof sandboxId === 'string') {
      const route = `${req.method} ${url.pathname}`;
      this.count(route);
      await this.delay(route);
      await this.handleEnvd(sandboxId, url, req, res);
      return;
    }
    const route = `${req.method} ${url.pathname.replace(/^\/(v2\/)?sandboxes\/[^/]+/, (_m, v2: string | undefined) => `/${v2 ?? ''}sandboxes/:id`)}`;
    this.count(route);
    // Create's latency comes after the sandbox exists: the slow (or lost) answer is the case that leaks.
    if (route !== 'POST /v2/sandboxes') await this.delay(route);
    try {
      await this.handleApi(route, url, req, res);
    } catch (err) {
      if (err instanceof HttpError) sendJson(res, err.status, { code: err.status, message: err.message }, err.headers);
      else throw err;
    }
  }

  private async delay(route: string): Promise<void> {
    const ms = this.routeLatency.get(route) ?? (route === 'POST /v2/sandboxes' ? Math.max(this.latencyMs, this.createLatencyMs) : this.latencyMs);
    if (ms > 0) await new Promise((r) => setTimeout(r, ms));
  }

  // ---- control plane -------------------------------------------------------------------------------------------

  private async handleApi(route: string, url: URL, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    if (req.headers['x-api-key'] !== this.apiKey || this.takeFault('auth')) {
      throw new HttpError(401, 'Invalid API key, please visit https://e2b.dev/docs/api-key for more information.');
    }
    const id = /^\/(?:v2\/)?sandboxes\/([^/]+)/.exec(url.pathname)?.[1];
    switch (route) {
      case 'POST /v2/sandboxes':
        return this.create(JSON.parse((await readBody(req)).toString() || '{}') as Record<string, unknown>, res);
      case 'GET /v2/sandboxes':
        return this.list(url, res);
      case 'GET /sandboxes/:id': {
        const sb = this.mustGet(id!);
        return sendJson(res, 200, { ...this.listed(sb), domain: this.domain });
      }
      case 'DELETE /sandboxes/:id': {
        if (this.takeFault('kill')) throw new HttpError(500, 'Failed to kill sandbox (injected)');
        this.mustGet(id!);
        await this.killSandbox(id!);
        res.writeHead(204).end();
        return;
      }
      case 'POST /sandboxes/:id/timeout': {
        const body = JSON.parse((await readBody(req)).toString() || '{}') as { timeout?: number };
        const sb = this.mustGet(id!);
        this.keepAlive(sb, (body.timeout ?? 0) * 1000);
        res.writeHead(204).end();
        return;
      }
      case 'POST /v2/sandboxes/:id/connect': {
        const body = JSON.parse((await readBody(req)).toString() || '{}') as { timeout?: number };
        const sb = this.mustGet(id!);
        if (sb.state === 'paused') {
          // E2B resumes a paused sandbox for the timeout sent, or 5 minutes without one.
          this.resumes.push({ sandboxId: sb.id, by: 'connect', timeoutS: body.timeout });
          this.resumeSandbox(sb, (body.timeout ?? 300) * 1000);
        } else if (body.timeout !== undefined) this.keepAlive(sb, body.timeout * 1000, false);
        return sendJson(res, 200, this.created201(sb));
      }
      case 'POST /sandboxes/:id/pause': {
        await readBody(req);
        const sb = this.mustGet(id!);
        if (sb.state === 'paused') throw new HttpError(409, `sandbox "${sb.id}" is already paused`);
        this.pauseSandbox(sb, 'request');
        res.writeHead(204).end();
        return;
      }
      default:
        throw new HttpError(404, `Not found: ${route}`);
    }
  }

  private mustGet(id: string): FakeSandbox {
    const sb = this.sandboxes.get(id);
    if (!sb) throw new HttpError(404, `sandbox "${id}" doesn't exist or you don't have access to it`);
    return sb;
  }

  /** The host folder standing in for a volume's contents (it outlives every sandbox that mounts it). */
  volumeDir(name: string): string {
    return path.join(this.root, '.volumes', name);
  }

  /** Makes a volume of the team's (idempotent); returns its host folder. */
  createVolume(name: string): string {
    mkdirSync(this.volumeDir(name), { recursive: true });
    this.volumeNames.add(name);
    return this.volumeDir(name);
  }

  /** A create's `volumeMounts`, checked: each a volume of the team's at an absolute path. */
  private volumeMountsOf(body: Record<string, unknown>): { name: string; path: string }[] {
    const mounts = Array.isArray(body.volumeMounts) ? (body.volumeMounts as { name?: unknown; path?: unknown }[]) : [];
    return mounts.map((m) => {
      const name = String(m.name ?? '');
      const at = String(m.path ?? '');
      if (!this.volumeNames.has(name)) throw new HttpError(400, `volume '${name}' not found`);
      if (!path.posix.isAbsolute(at) || path.posix.normalize(at) !== at || at === '/') throw new HttpError(400, `invalid volume mount path '${at}'`);
      return { name, path: at };
    });
  }

  /** Mounts the volumes into a sandbox: each path becomes a link to the volume's folder. */
  private mountVolumes(sb: FakeSandbox, mounts: { name: string; path: string }[]): void {
    for (const m of mounts) {
      const at = path.join(sb.dir, m.path);
      mkdirSync(path.dirname(at), { recursive: true });
      rmSync(at, { recursive: true, force: true });
      symlinkSync(this.volumeDir(m.name), at);
    }
    sb.volumeMounts = mounts;
  }

  private async create(body: Record<string, unknown>, res: http.ServerResponse): Promise<void> {
    const limited = this.takeFault('ratelimit');
    if (limited) {
      throw new HttpError(429, 'You have reached the maximum number of concurrent E2B sandboxes (20). If you need more, please contact us.',
        limited.status !== undefined ? { 'Retry-After': String(limited.status) } : {});
    }
    if (this.takeFault('create')) throw new HttpError(500, 'Failed to place sandbox (injected)');
    const templateID = String(body.templateID ?? 'base');
    if (!this.templates.has(templateID)) throw new HttpError(404, `template '${templateID}' not found`);
    const timeoutMs = typeof body.timeout === 'number' ? body.timeout * 1000 : 15_000;
    if (timeoutMs > this.opts.maxLengthHours * 3_600_000) {
      throw new HttpError(400, `Timeout cannot be greater than ${this.opts.maxLengthHours} hours`);
    }
    const envVars = (body.envVars as Record<string, string> | undefined) ?? {};
    const mounts = this.volumeMountsOf(body);
    const autoPause = body.autoPause === true;
    const autoResume = (body.autoResume as { enabled?: boolean } | undefined)?.enabled === true;
    if (autoResume && !autoPause) throw new HttpError(400, 'autoResume requires autoPause');
    const snapshot = this.snapshotTemplates && this.templateStarts[templateID] !== undefined;
    let sb = snapshot ? await this.spares.get(templateID) : undefined;
    if (snapshot) this.spares.delete(templateID);
    if (!sb) {
      try {
        sb = await this.boot(templateID, envVars);
      } catch (err) {
        throw new HttpError(500, `template ${templateID}: the start command did not become ready: ${(err as Error).message}`);
      }
    }
    const now = Date.now();
    Object.assign(sb, {
      metadata: (body.metadata as Record<string, string> | undefined) ?? {},
      envVars,
      startedAt: now,
      endAt: now + timeoutMs,
      unhealthy: this.takeFault('health') !== undefined,
      state: 'running',
      autoPause,
      autoResume,
      timeoutMs,
    });
    this.mountVolumes(sb, mounts);
    this.sandboxes.set(sb.id, sb);
    this.created.push(sb.id);
    this.arm(sb);
    await this.delay('POST /v2/sandboxes');
    if (!res.destroyed) sendJson(res, 201, this.created201(sb));
  }

  /** A new sandbox's filesystem from its template's image, with the template's server started (if it has one). */
  private async boot(templateID: string, envVars: Record<string, string> = {}): Promise<FakeSandbox> {
    const id = `i${randomBytes(10).toString('hex').slice(0, 19)}`;
    const dir = path.join(this.root, id);
    mkdirSync(path.join(dir, USER_HOME), { recursive: true });
    const image = this.templateImages[templateID];
    if (image) cpSync(image, path.join(dir, USER_HOME), { recursive: true, verbatimSymlinks: true });
    const sb: FakeSandbox = {
      id, templateID, clientID: '6532622b', metadata: {}, envVars, startedAt: Date.now(), endAt: Date.now(), dir,
      envdAccessToken: randomBytes(16).toString('hex'), processes: new Map(), ports: new Map(),
      state: 'running', autoPause: false, autoResume: false, timeoutMs: 15_000,
    };
    const start = this.templateStarts[templateID];
    if (start) {
      try {
        await this.startTemplateServer(sb, start);
      } catch (err) {
        await this.discard(sb);
        throw err;
      }
    }
    return sb;
  }

  private bootSpare(templateID: string): void {
    this.spares.set(templateID, this.boot(templateID).catch(() => undefined));
  }

  /** Ends a sandbox that was never handed out. */
  private async discard(sb: FakeSandbox): Promise<void> {
    await Promise.all([...sb.processes.values()].filter((p) => !p.end).map((p) => killGroup(p.pid, 0)));
    rmSync(sb.dir, { recursive: true, force: true });
  }

  /** Runs a template's start command in a new sandbox and waits until its port accepts connections. */
  private async startTemplateServer(sb: FakeSandbox, start: NonNullable<FakeE2BOptions['templateStarts']>[string]): Promise<void> {
    const port = start.port ?? 3000;
    const envs = { PORT: String(port), ...start.envs };
    const cwd = start.cwd ?? `${USER_HOME}/app`;
    const proc = await this.startProcess(sb, { process: { cmd: '/bin/bash', args: ['-l', '-c', start.cmd], envs, cwd } });
    this.starts.push({ sandboxId: sb.id, cmd: start.cmd, cwd, envs, deadlineMs: 0 });
    let output = '';
    proc.listeners.add((e) => {
      if (e.kind === 'data') output = (output + e.data!.toString()).slice(-2000);
    });
    const hostPort = await this.hostPort(sb, port);
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (proc.end) throw new Error(`it exited (${proc.end.status}): ${output.trim()}`);
      const open = await new Promise<boolean>((resolve) => {
        const c = net.connect(hostPort, '127.0.0.1', () => {
          c.destroy();
          resolve(true);
        });
        c.on('error', () => resolve(false));
      });
      if (open) return;
      if (Date.now() > deadline) throw new Error(`port ${port} never opened: ${output.trim()}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  private created201(sb: FakeSandbox): Record<string, unknown> {
    return {
      sandboxID: sb.id,
      templateID: sb.templateID,
      clientID: sb.clientID,
      envdVersion: this.opts.envdVersion,
      envdAccessToken: sb.envdAccessToken,
      domain: this.domain,
    };
  }

  private listed(sb: FakeSandbox): Record<string, unknown> {
    return {
      sandboxID: sb.id,
      templateID: sb.templateID,
      alias: sb.templateID,
      clientID: sb.clientID,
      startedAt: new Date(sb.startedAt).toISOString(),
      endAt: new Date(sb.endAt).toISOString(),
      cpuCount: this.opts.cpuCount,
      memoryMB: this.opts.memoryMB,
      diskSizeMB: 10_240,
      metadata: sb.metadata,
      state: sb.state,
      envdVersion: this.opts.envdVersion,
      lifecycle: { onTimeout: sb.autoPause ? 'pause' : 'kill', autoResume: sb.autoResume },
      ...(sb.volumeMounts?.length ? { volumeMounts: sb.volumeMounts } : {}),
    };
  }

  private list(url: URL, res: http.ServerResponse): void {
    // The SDK sends metadata as one query value holding `k=v&k2=v2` with keys and values URI-encoded once more.
    const filter: Record<string, string> = {};
    const raw = url.searchParams.get('metadata');
    if (raw) for (const [k, v] of new URLSearchParams(raw)) filter[decodeURIComponent(k)] = decodeURIComponent(v);
    // `state=running&state=paused` (the SDK's array form) or `state=running,paused`; none = both.
    const states = url.searchParams.getAll('state').flatMap((v) => v.split(',')).filter(Boolean);
    this.listStates.push(states);
    const all = [...this.sandboxes.values()]
      .filter((s) => Object.entries(filter).every(([k, v]) => s.metadata[k] === v))
      .filter((s) => states.length === 0 || states.includes(s.state))
      .sort((a, b) => a.startedAt - b.startedAt || a.id.localeCompare(b.id));
    const limit = Math.min(Number(url.searchParams.get('limit')) || 100, this.opts.maxPageSize);
    const start = Number(url.searchParams.get('nextToken') ? Buffer.from(url.searchParams.get('nextToken')!, 'base64url').toString() : 0) || 0;
    const page = all.slice(start, start + limit);
    const headers: Record<string, string> = {};
    if (start + limit < all.length) headers['x-next-token'] = Buffer.from(String(start + limit)).toString('base64url');
    sendJson(res, 200, page.map((s) => this.listed(s)), headers);
  }

  /** Like E2B's KeepAliveFor: the new end is `now + duration`, clamped to the plan's cap counted from the start. */
  private keepAlive(sb: FakeSandbox, durationMs: number, allowShorter = true): void {
    const now = Date.now();
    const cap = this.opts.maxLengthHours * 3_600_000;
    if (now - sb.startedAt > cap) throw new HttpError(400, 'Sandbox has reached maximum allowed uptime');
    const end = now + Math.min(durationMs, sb.startedAt + cap - now);
    if (!allowShorter && end < sb.endAt) return;
    sb.endAt = end;
    this.arm(sb);
  }

  private arm(sb: FakeSandbox): void {
    if (sb.timer) clearTimeout(sb.timer);
    sb.timer = setTimeout(() => void this.timeUp(sb.id), Math.max(0, sb.endAt - Date.now()));
    sb.timer.unref();
  }

  /** Pauses like E2B's snapshot: every process stops where it is (SIGSTOP), nothing runs until a resume. */
  private pauseSandbox(sb: FakeSandbox, by: 'timeout' | 'request'): void {
    if (sb.state === 'paused') return;
    if (sb.timer) clearTimeout(sb.timer);
    sb.timer = undefined;
    sb.state = 'paused';
    this.signalAll(sb, 'SIGSTOP');
    this.pauses.push({ sandboxId: sb.id, by });
  }

  /** Resumes a paused sandbox so that it runs `timeoutMs` from now (within the plan's cap). */
  private resumeSandbox(sb: FakeSandbox, timeoutMs: number): void {
    if (sb.state !== 'paused') return;
    sb.state = 'running';
    this.signalAll(sb, 'SIGCONT');
    sb.endAt = Date.now() + Math.min(timeoutMs, Math.max(0, sb.startedAt + this.opts.maxLengthHours * 3_600_000 - Date.now()));
    this.arm(sb);
  }

  private signalAll(sb: FakeSandbox, sig: NodeJS.Signals): void {
    for (const p of sb.processes.values()) {
      if (p.end) continue;
      try {
        process.kill(-p.pid, sig);
      } catch {
        // already gone
      }
    }
  }

  private async killSandbox(id: string): Promise<void> {
    const sb = this.sandboxes.get(id);
    if (!sb) return;
    this.sandboxes.delete(id);
    if (sb.timer) clearTimeout(sb.timer);
    if (sb.state === 'paused') this.signalAll(sb, 'SIGCONT'); // so that they can take their SIGTERM
    // The VM is gone: open streams are cut, not ended.
    for (const p of sb.processes.values()) {
      for (const l of [...p.listeners]) l({ kind: 'end', end: undefined });
      p.listeners.clear();
    }
    await Promise.all([...sb.processes.values()].filter((p) => !p.end).map((p) => killGroup(p.pid, 0)));
    rmSync(sb.dir, { recursive: true, force: true });
  }

  // ---- envd ----------------------------------------------------------------------------------------------------

  private async handleEnvd(id: string, url: URL, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const sb = this.sandboxes.get(id);
    if (!sb) {
      // E2B's edge for a sandbox that is gone.
      sendJson(res, 502, { sandboxId: id, message: 'The sandbox was not found', code: 502 });
      return;
    }
    if (sb.state === 'paused') {
      if (!sb.autoResume) {
        sendJson(res, 502, { sandboxId: id, message: 'The sandbox is paused', code: 502 });
        return;
      }
      this.resumes.push({ sandboxId: sb.id, by: 'traffic' });
      this.resumeSandbox(sb, sb.timeoutMs);
    }
    if (url.pathname === '/health' && req.method === 'GET') {
      res.writeHead(204).end();
      return;
    }
    if (req.headers['x-access-token'] !== sb.envdAccessToken) {
      sendJson(res, 401, { code: 401, message: 'unauthorized access, please provide a valid access token or method signing if supported' });
      return;
    }
    if (url.pathname === '/files') {
      if (req.method === 'POST') return this.writeFiles(sb, url, req, res);
      if (req.method === 'GET') return this.readFile(sb, url, res);
    }
    const rpc = /^\/(process\.Process|filesystem\.Filesystem)\/(\w+)$/.exec(url.pathname);
    if (rpc && req.method === 'POST') return this.handleRpc(sb, rpc[1]!, rpc[2]!, req, res);
    sendJson(res, 404, { code: 404, message: `not found: ${req.method} ${url.pathname}` });
  }

  /** Maps a sandbox path (absolute, or relative to /home/user) into the sandbox's folder; refuses escapes. */
  private hostPath(sb: FakeSandbox, p: string | undefined | null): string {
    const abs = path.posix.resolve(USER_HOME, p || '.');
    const target = path.join(sb.dir, abs);
    if (target !== sb.dir && !target.startsWith(sb.dir + path.sep)) throw new ConnectError('permission_denied', `path outside the sandbox: ${p}`);
    return target;
  }

  private sandboxPath(sb: FakeSandbox, host: string): string {
    return '/' + path.relative(sb.dir, host).split(path.sep).join('/');
  }

  private async writeFiles(sb: FakeSandbox, url: URL, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const body = await readBody(req);
    if (this.takeFault('write')) {
      sendJson(res, 500, { code: 500, message: 'error writing file: input/output error (injected)' });
      return;
    }
    const type = req.headers['content-type'] ?? '';
    const written: { name: string; type: string; path: string }[] = [];
    if (type.startsWith('multipart/form-data')) {
      const form = await new Response(new Uint8Array(body), { headers: { 'content-type': type } }).formData();
      for (const entry of form.getAll('file')) {
        if (typeof entry === 'string') continue;
        const target = this.hostPath(sb, (entry as File).name || url.searchParams.get('path'));
        mkdirSync(path.dirname(target), { recursive: true });
        writeFileSync(target, Buffer.from(await entry.arrayBuffer()));
        written.push({ name: path.basename(target), type: 'file', path: this.sandboxPath(sb, target) });
      }
    } else {
      const target = this.hostPath(sb, url.searchParams.get('path'));
      mkdirSync(path.dirname(target), { recursive: true });
      writeFileSync(target, body);
      written.push({ name: path.basename(target), type: 'file', path: this.sandboxPath(sb, target) });
    }
    sendJson(res, 200, written);
  }

  private readFile(sb: FakeSandbox, url: URL, res: http.ServerResponse): void {
    const target = this.hostPath(sb, url.searchParams.get('path'));
    if (!existsSync(target) || !statSync(target).isFile()) {
      sendJson(res, 404, { code: 404, message: `path '${url.searchParams.get('path')}' does not exist` });
      return;
    }
    const data = readFileSync(target);
    res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': data.length });
    res.end(data);
  }

  private async handleRpc(sb: FakeSandbox, service: string, method: string, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const contentType = String(req.headers['content-type'] ?? '');
    const body = await readBody(req);
    const streaming = service === 'process.Process' && (method === 'Start' || method === 'Connect');
    if (streaming) {
      if (!contentType.startsWith('application/connect+json')) {
        sendJson(res, 415, { code: 'invalid_argument', message: `unsupported content type ${contentType}` });
        return;
      }
      // One enveloped request message.
      const len = body.readUInt32BE(1);
      const msg = JSON.parse(body.subarray(5, 5 + len).toString() || '{}') as Record<string, unknown>;
      await this.stream(sb, method, msg, req, res);
      return;
    }
    if (!contentType.startsWith('application/json')) {
      sendJson(res, 415, { code: 'invalid_argument', message: `unsupported content type ${contentType}` });
      return;
    }
    try {
      const msg = JSON.parse(body.toString() || '{}') as Record<string, unknown>;
      const out = service === 'process.Process' ? await this.processRpc(sb, method, msg) : this.filesystemRpc(sb, method, msg);
      sendJson(res, 200, out);
    } catch (err) {
      if (err instanceof ConnectError) sendJson(res, CONNECT_STATUS[err.code] ?? 500, { code: err.code, message: err.message });
      else throw err;
    }
  }

  private async processRpc(sb: FakeSandbox, method: string, msg: Record<string, unknown>): Promise<unknown> {
    const selector = (msg.process ?? {}) as { pid?: number; tag?: string };
    const find = () => {
      const p = [...sb.processes.values()].find((x) => !x.end && (selector.pid !== undefined ? x.pid === selector.pid : x.tag === selector.tag));
      if (!p) throw new ConnectError('not_found', `process with pid ${selector.pid ?? selector.tag} not found`);
      return p;
    };
    switch (method) {
      case 'List':
        return { processes: [...sb.processes.values()].filter((p) => !p.end).map((p) => ({ config: p.config, pid: p.pid, ...(p.tag ? { tag: p.tag } : {}) })) };
      case 'SendSignal': {
        const p = find();
        const sig = msg.signal === 'SIGNAL_SIGTERM' || msg.signal === 15 ? 'SIGTERM' : 'SIGKILL';
        try {
          process.kill(-p.pid, sig);
        } catch {
          // already gone
        }
        return {};
      }
      case 'SendInput': {
        const p = find();
        const input = (msg.input ?? {}) as { pty?: string; stdin?: string };
        const data = input.pty ?? input.stdin;
        if (data !== undefined && p.shell.child.stdin && !p.shell.child.stdin.destroyed) p.shell.child.stdin.write(Buffer.from(data, 'base64'));
        return {};
      }
      case 'Update': {
        const p = find();
        const size = ((msg.pty ?? {}) as { size?: { cols?: number; rows?: number } }).size;
        if (!p.pty || !size) throw new ConnectError('invalid_argument', 'not a PTY process, or no size');
        this.resizes.push({ sandboxId: sb.id, pid: p.pid, cols: size.cols ?? 0, rows: size.rows ?? 0 });
        return {};
      }
      case 'CloseStdin':
        find();
        return {};
      default:
        throw new ConnectError('unimplemented', `process.Process/${method} is not implemented by the fake`);
    }
  }

  private filesystemRpc(sb: FakeSandbox, method: string, msg: Record<string, unknown>): unknown {
    const entry = (host: string) => {
      const st = statSync(host);
      return {
        name: path.basename(host),
        type: st.isDirectory() ? 'FILE_TYPE_DIRECTORY' : 'FILE_TYPE_FILE',
        path: this.sandboxPath(sb, host),
        size: String(st.size),
        mode: st.mode & 0o777,
        permissions: (st.isDirectory() ? 'd' : '-') + 'rwxr-xr-x',
        owner: 'user',
        group: 'user',
        modifiedTime: st.mtime.toISOString(),
      };
    };
    const target = this.hostPath(sb, msg.path as string | undefined);
    switch (method) {
      case 'Stat':
        if (!existsSync(target)) throw new ConnectError('not_found', `no such file or directory: ${msg.path as string}`);
        return { entry: entry(target) };
      case 'MakeDir':
        if (existsSync(target)) throw new ConnectError('already_exists', `directory already exists: ${msg.path as string}`);
        mkdirSync(target, { recursive: true });
        return { entry: entry(target) };
      case 'ListDir': {
        if (!existsSync(target)) throw new ConnectError('not_found', `no such directory: ${msg.path as string}`);
        const depth = Number(msg.depth ?? 1) || 1;
        const out: unknown[] = [];
        const walk = (dir: string, d: number) => {
          for (const name of readdirSync(dir).sort()) {
            const p = path.join(dir, name);
            out.push(entry(p));
            if (d < depth && statSync(p).isDirectory()) walk(p, d + 1);
          }
        };
        walk(target, 1);
        return { entries: out };
      }
      case 'Remove':
        rmSync(target, { recursive: true, force: true });
        return {};
      case 'Move': {
        const src = this.hostPath(sb, msg.source as string);
        const dst = this.hostPath(sb, msg.destination as string);
        if (!existsSync(src)) throw new ConnectError('not_found', `no such file or directory: ${msg.source as string}`);
        mkdirSync(path.dirname(dst), { recursive: true });
        renameSync(src, dst);
        return { entry: entry(dst) };
      }
      default:
        throw new ConnectError('unimplemented', `filesystem.Filesystem/${method} is not implemented by the fake`);
    }
  }

  /** process.Process/Start and /Connect: a server stream of `{event: {start|data|end|keepalive}}` frames. */
  private async stream(sb: FakeSandbox, method: string, msg: Record<string, unknown>, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    res.writeHead(200, { 'Content-Type': 'application/connect+json' });
    const send = (json: unknown) => {
      if (!res.writableEnded && !res.destroyed) res.write(envelope(0, json));
    };
    const endStream = (error?: ConnectError) => {
      if (!res.writableEnded && !res.destroyed) res.end(envelope(2, error ? { error: { code: error.code, message: error.message } } : {}));
    };

    let proc: FakeProcess;
    try {
      proc = method === 'Start' ? await this.startProcess(sb, msg) : this.findProcess(sb, msg);
    } catch (err) {
      endStream(err instanceof ConnectError ? err : new ConnectError('internal', (err as Error).message));
      return;
    }

    // Connect-Timeout-Ms is the command's deadline: envd kills the process when it passes (0 / absent: none).
    let deadlineHit = false;
    const deadline = Number(req.headers['connect-timeout-ms'] ?? 0);
    if (method === 'Start') {
      this.starts.push({ sandboxId: sb.id, cmd: proc.config.args.at(-1) ?? proc.config.cmd, cwd: proc.config.cwd, envs: proc.config.envs, deadlineMs: deadline });
    }
    const deadlineTimer = method === 'Start' && deadline > 0
      ? setTimeout(() => {
        deadlineHit = true;
        try {
          process.kill(-proc.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }, deadline)
      : undefined;
    // envd sends a keepalive event every Keepalive-Ping-Interval seconds.
    const pingSeconds = Number(req.headers['keepalive-ping-interval'] ?? 0);
    const ping = pingSeconds > 0 ? setInterval(() => send({ event: { keepalive: {} } }), pingSeconds * 1000) : undefined;

    const listener = (e: ProcEvent) => {
      if (e.kind === 'data') {
        send({ event: { data: { [e.stream!]: e.data!.toString('base64') } } });
      } else if (!e.end) {
        res.destroy(); // the sandbox was killed: the connection drops
      } else {
        send({ event: { end: e.end } });
        endStream(deadlineHit ? new ConnectError('deadline_exceeded', 'the operation timed out') : undefined);
      }
    };
    // Disconnecting does not kill the command (envd keeps it running; only the deadline does).
    res.on('close', () => {
      proc.listeners.delete(listener);
      if (ping) clearInterval(ping);
      if (deadlineTimer && proc.end) clearTimeout(deadlineTimer);
    });
    void proc.shell.exited.then(() => deadlineTimer && clearTimeout(deadlineTimer));
    send({ event: { start: { pid: proc.pid } } });
    if (proc.end) listener({ kind: 'end', end: proc.end });
    else proc.listeners.add(listener);
  }

  private findProcess(sb: FakeSandbox, msg: Record<string, unknown>): FakeProcess {
    const selector = (msg.process ?? {}) as { pid?: number; tag?: string };
    const p = [...sb.processes.values()].find((x) => (selector.pid !== undefined ? x.pid === selector.pid : x.tag === selector.tag));
    if (!p || p.end) throw new ConnectError('not_found', `process with pid ${selector.pid ?? selector.tag} not found`);
    return p;
  }

  private async startProcess(sb: FakeSandbox, msg: Record<string, unknown>): Promise<FakeProcess> {
    const spec = (msg.process ?? {}) as { cmd?: string; args?: string[]; envs?: Record<string, string>; cwd?: string };
    const args = spec.args ?? [];
    // The SDK always sends /bin/bash -l -c <cmd>; run <cmd> without a login shell (no host profile scripts).
    let cmd = spec.cmd === '/bin/bash' && args.at(-2) === '-c' ? args.at(-1)! : [spec.cmd ?? 'true', ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
    const cwd = this.hostPath(sb, spec.cwd ?? USER_HOME);
    if (!existsSync(cwd)) throw new ConnectError('invalid_argument', `cwd '${spec.cwd}' does not exist`);
    const isInstall = INSTALL_RE.test(cmd);
    if (isInstall && this.takeFault('install')) {
      cmd = `echo 'npm ERR! code E404' >&2; echo 'npm ERR! 404 Not Found - GET https://registry.npmjs.org/left-padd (injected)' >&2; exit 1`;
    } else if (!isInstall && this.takeFault('start')) {
      cmd = `echo 'Error: Cannot find module /home/user/app/server.js (injected)' >&2; exit 1`;
    }
    const env: Record<string, string> = { ...baseEnv(path.join(sb.dir, USER_HOME)), ...this.processEnv, ...sb.envVars, ...(spec.envs ?? {}) };
    if (env.PORT !== undefined) env.PORT = String(await this.hostPort(sb, Number(env.PORT)));
    // A path in the sandbox's home or on a mounted volume given in a variable (DATA_DIR) names the host folder standing
    // in for it, as cwd does.
    const mapped = [USER_HOME, ...(sb.volumeMounts ?? []).map((m) => m.path)];
    for (const [k, v] of Object.entries(spec.envs ?? {})) if (mapped.some((p) => v === p || v.startsWith(`${p}/`))) env[k] = this.hostPath(sb, v);

    const listeners = new Set<(e: ProcEvent) => void>();
    const size = ((msg.pty ?? undefined) as { size?: { cols?: number; rows?: number } } | undefined)?.size;
    const shell = size
      ? this.spawnPty(sb, spec, cwd, env, size, (data) => {
        for (const l of listeners) l({ kind: 'data', stream: 'pty', data });
      })
      : spawnShell(cmd, cwd, env, (stream, text) => {
        for (const l of listeners) l({ kind: 'data', stream, data: Buffer.from(text) });
      });
    const proc: FakeProcess = { pid: shell.pid, config: { cmd: spec.cmd ?? '', args, envs: spec.envs ?? {}, ...(spec.cwd ? { cwd: spec.cwd } : {}) }, shell, listeners, pty: !!size };
    if (typeof msg.tag === 'string') proc.tag = msg.tag;
    shell.child.once('close', (code, signal) => {
      proc.end = code !== null
        ? { exitCode: code, exited: true, status: `exit status ${code}`, ...(code !== 0 ? { error: `exit status ${code}` } : {}) }
        : { exitCode: -1, exited: false, status: `signal: ${signalName(signal)}`, error: `signal: ${signalName(signal)}` };
      for (const l of [...listeners]) l({ kind: 'end', end: proc.end });
    });
    sb.processes.set(proc.pid, proc);
    return proc;
  }

  /**
   * envd's PTY: the command on a real pseudo-terminal (util-linux `script`), in its own process group, stdin open for
   * SendInput. The SDK asks for `/bin/bash -i -l`; the fake leaves out `-l` (no host profile scripts). Its `$PWD` is
   * the host folder standing in for the cwd (`<root>/<id>/home/user/app`).
   */
  private spawnPty(sb: FakeSandbox, spec: { cmd?: string; args?: string[]; cwd?: string }, cwd: string, env: Record<string, string>, size: { cols?: number; rows?: number }, onData: (b: Buffer) => void): SpawnedShell {
    const args = (spec.args ?? []).filter((a) => a !== '-l');
    const cmd = [spec.cmd ?? '/bin/bash', ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
    const inner = `stty cols ${size.cols ?? 80} rows ${size.rows ?? 24}; exec ${cmd}`;
    const child = spawn('/usr/bin/script', ['-qfec', inner, '/dev/null'], { cwd, env, detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.stdin.on('error', () => undefined);
    const exited = new Promise<{ exitCode: number | null }>((resolve) => child.on('close', (code) => resolve({ exitCode: code })));
    if (child.pid === undefined) throw new ConnectError('internal', 'could not start the PTY');
    this.ptys.push({ sandboxId: sb.id, pid: child.pid, cols: size.cols ?? 0, rows: size.rows ?? 0, cwd: spec.cwd });
    return { pid: child.pid, child, exited };
  }

  /** The host port standing in for a sandbox port (allocated on first use). */
  private async hostPort(sb: FakeSandbox, port: number): Promise<number> {
    let p = sb.ports.get(port);
    if (p === undefined) {
      p = await freePort();
      sb.ports.set(port, p);
    }
    return p;
  }

  // ---- the app's public host -----------------------------------------------------------------------------------

  private proxyUpgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => undefined);
    const app = APP_HOST_RE.exec((req.headers.host ?? '').toLowerCase());
    const sb = app && (app[3] === this.domain || this.publicDomains.has(app[3]!)) ? this.sandboxes.get(app[2]!) : undefined;
    const target = app && sb ? sb.ports.get(Number(app[1])) : undefined;
    if (!sb || target === undefined || sb.unhealthy) {
      socket.end('HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    this.count('APP UPGRADE');
    const upstream = net.connect(target, '127.0.0.1', () => {
      const lines = [`${req.method} ${req.url} HTTP/1.1`];
      for (let i = 0; i < req.rawHeaders.length; i += 2) lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
      upstream.write(lines.join('\r\n') + '\r\n\r\n');
      if (head.length) upstream.write(head);
      upstream.pipe(socket);
      socket.pipe(upstream);
    });
    upstream.on('error', () => socket.destroy());
    socket.on('close', () => upstream.destroy());
  }

  private proxyApp(port: number, id: string, req: http.IncomingMessage, res: http.ServerResponse): void {
    const sb = this.sandboxes.get(id);
    if (!sb) {
      sendJson(res, 502, { error: 'Sandbox not found', sandboxId: id });
      return;
    }
    if (sb.state === 'paused') {
      if (!sb.autoResume) {
        req.resume();
        sendJson(res, 502, { sandboxId: id, message: 'The sandbox is paused', code: 502 });
        return;
      }
      // Auto-resume: the request that wakes it is answered by the resumed app (for the create's timeout again).
      this.resumes.push({ sandboxId: sb.id, by: 'traffic' });
      this.resumeSandbox(sb, sb.timeoutMs);
    }
    const target = sb.ports.get(port);
    const notOpen = () => sendJson(res, 502, { sandboxId: id, message: 'The sandbox is running but port is not open', port, code: 502 });
    if (target === undefined || sb.unhealthy) {
      req.resume();
      notOpen();
      return;
    }
    // E2B's edge forwards the Host header the browser sent (`3000-<id>.e2b.app`); a dev server checks it.
    const upstream = http.request(
      { host: '127.0.0.1', port: target, method: req.method, path: req.url, headers: req.headers, agent: false },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on('error', () => {
      if (!res.headersSent) notOpen();
      else res.destroy();
    });
    req.pipe(upstream);
  }
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const portArg = args.indexOf('--port');
  const latencyArg = args.indexOf('--latency');
  const port = portArg >= 0 ? Number(args[portArg + 1]) : await freePort();
  const fake = await FakeE2B.start({ port, latencyMs: latencyArg >= 0 ? Number(args[latencyArg + 1]) : 0 });
  process.stdout.write(`# fake E2B listening on ${fake.url} (sandboxes in ${fake.root})\n`);
  for (const [k, v] of Object.entries(fake.env())) process.stdout.write(`export ${k}=${v}\n`);
  const stop = () => {
    process.stdout.write(`# requests: ${JSON.stringify(fake.counts())}\n`);
    void fake.close().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

if (require.main === module) void main();
