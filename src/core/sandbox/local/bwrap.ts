/**
 * The local runner's sandbox: bubblewrap (`bwrap`) used directly. This file holds its parts: whether bwrap works
 * here (`detectSandbox`, testing exactly ISOLATION_ARGS), the namespaces and privileges every step gets, the
 * environment rule (`appEnv`), the places hidden from the read-only system view, and the in-sandbox forwarder.
 * profile.ts puts them together into one command line per step (build, install, run, command, terminal).
 *
 * Where bwrap is missing or cannot create namespaces, the runner falls back to plain processes; `detectSandbox`
 * says which, and why, once per provider.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, readdirSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { notPrivate } from '../../base/notPrivate';
import { keyringFilterFile, OPEN_FILTER, SECCOMP_FD } from './seccomp';
import { writeFileAtomic } from '../../base/atomicWrite';

/** What the local runner isolates on this machine. */
export interface Isolation {
  /** Installs and runs happen inside bubblewrap. */
  sandboxed: boolean;
  /** Why not, as one sentence (only when not sandboxed). */
  reason?: string;
  /** The app may open outbound connections at run time (through the sandbox's proxy when sandboxed). */
  network: boolean;
}

/** `SPAWN_APP_SANDBOX=off` (or `0`, `false`, `no`) forces the unsandboxed fallback. */
export function sandboxForcedOff(env: NodeJS.ProcessEnv = process.env): boolean {
  return /^(off|0|false|no)$/i.test(env.SPAWN_APP_SANDBOX ?? '');
}

export const INSTALL_HINT = 'install bubblewrap (e.g. sudo apt-get install bubblewrap, or dnf/pacman install bubblewrap)';

/** The app's uid and gid inside its user namespace: never 0, whoever runs the runner (root included). */
export const SANDBOX_UID = 1000;

/**
 * Namespaces and privileges of every sandboxed step, the same for all: its own user namespace (the app runs as
 * SANDBOX_UID, no capability, so a runner started as root gives it no root power: no mount, umount or nsenter), its
 * own PID, IPC, UTS and network namespaces, a new session (no TIOCSTI into the caller's terminal), and death with
 * its parent. `detectSandbox` tests exactly these.
 */
export const ISOLATION_ARGS: readonly string[] = [
  '--unshare-user', '--uid', String(SANDBOX_UID), '--gid', String(SANDBOX_UID),
  '--unshare-pid', '--unshare-ipc', '--unshare-uts', '--unshare-net',
  '--cap-drop', 'ALL', '--new-session', '--die-with-parent',
];

/**
 * No user namespace inside the sandbox (`unshare -U` there is kernel attack surface the app does not need): bwrap
 * 0.8 and later. An older bwrap, or a kernel where it cannot be done, still sandboxes without it (detectSandbox).
 */
export const NO_NESTED_USERNS: readonly string[] = ['--disable-userns'];
let nestedUsernsOff = true;

/** The namespace and privilege arguments of every step: ISOLATION_ARGS, plus NO_NESTED_USERNS where bwrap can. */
export function isolationArgs(): string[] {
  return nestedUsernsOff ? [...ISOLATION_ARGS, ...NO_NESTED_USERNS] : [...ISOLATION_ARGS];
}

/** Whether bwrap can sandbox here: runs a trivial command with every namespace and limit the runner uses. ~10 ms. */
export function detectSandbox(env: NodeJS.ProcessEnv = process.env): { sandboxed: boolean; reason?: string } {
  if (sandboxForcedOff(env)) return { sandboxed: false, reason: 'the sandbox is turned off (SPAWN_APP_SANDBOX=off)' };
  if (process.platform !== 'linux') return { sandboxed: false, reason: `bubblewrap is Linux-only and this is ${process.platform}` };
  const attempt = (extra: readonly string[]) => {
    const probe = ['bwrap', '--ro-bind', '/', '/', '--dev', '/dev', '--proc', '/proc', '--size', String(2 ** 20), '--tmpfs', '/tmp', ...ISOLATION_ARGS, ...extra, '--seccomp', SECCOMP_FD, '/bin/true'];
    return spawnSync('/bin/sh', ['-c', `${OPEN_FILTER}; exec "$@"`, 'sh', keyringFilterFile(), ...probe], {
      encoding: 'utf8',
      timeout: 5000,
      env: { PATH: env.PATH ?? '/usr/bin:/bin' },
    });
  };
  let r = attempt(NO_NESTED_USERNS);
  // Only a bwrap that does not know the option (before 0.8) goes without it; any other failure is the sandbox's.
  nestedUsernsOff = !(r.status !== 0 && /disable-userns/.test(r.stderr ?? ''));
  if (!nestedUsernsOff) r = attempt([]); // an older bwrap: the same sandbox, a user namespace inside still possible
  const missing = (r.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT' || (r.status === 127 && /bwrap/.test(r.stderr ?? ''));
  if (missing) return { sandboxed: false, reason: `bubblewrap (bwrap) is not installed; ${INSTALL_HINT}` };
  if (r.error || r.status !== 0) {
    const why = (r.stderr || r.error?.message || `exit code ${r.status}`).trim().split('\n')[0]!.replace(/^bwrap: /, '').replace(/\.$/, '');
    return { sandboxed: false, reason: `bwrap is installed but cannot create a sandbox here (${why}); unprivileged user namespaces may be disabled` };
  }
  return { sandboxed: true };
}

/** Variables every step gets, each only with a value of its shape (no URL, no escape sequence, no credential). */
const PASSED_ENV: Record<string, RegExp> = {
  TZ: /^:?[A-Za-z0-9_+./-]{1,64}$/,
  TERM: /^[A-Za-z0-9_.+-]{1,64}$/,
  COLORTERM: /^[A-Za-z0-9_.+-]{1,64}$/,
  NODE_ENV: /^[A-Za-z0-9_.-]{1,32}$/,
  LANG: /^[A-Za-z0-9_.@-]{1,64}$/,
  LANGUAGE: /^[A-Za-z0-9_.@:-]{1,128}$/,
};
const LOCALE_NAME = /^LC_[A-Z_]{1,32}$/;
const LOCALE_VALUE = /^[A-Za-z0-9_.@-]{1,64}$/;
/** Where the package managers look (install steps only): passed with any `user:password@` removed. */
/** The parent's proxy: only for an unsandboxed install (a sandboxed step goes through the sandbox's own proxy). */
const PROXY_ENV = /^(https?_proxy|HTTPS?_PROXY|no_proxy|NO_PROXY|all_proxy|ALL_PROXY)$/;
const REGISTRY_ENV = /^(npm_config_registry|NPM_CONFIG_REGISTRY|PIP_INDEX_URL|PIP_EXTRA_INDEX_URL|PIP_FIND_LINKS|PIP_TRUSTED_HOST|PIP_CERT|PIP_DEFAULT_TIMEOUT|PIP_NO_INDEX)$/;

/**
 * `value` without the credentials of the URLs it holds (space-separated lists too): `https://user:token@host/x`
 * becomes `https://host/x`. Undefined when a part looks like a URL with credentials that cannot be parsed (the
 * variable is then dropped).
 */
export function withoutCredentials(value: string): string | undefined {
  const parts = value.split(/(\s+)/);
  for (let i = 0; i < parts.length; i++) {
    const tok = parts[i]!;
    if (!tok.includes('@')) continue;
    if (!/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(tok)) {
      if (/:[^/]*@|\/\/[^/]*@/.test(tok)) return undefined; // credential-shaped but not a URL we can clean
      continue;
    }
    let u: URL;
    try {
      u = new URL(tok);
    } catch {
      return undefined;
    }
    if (!u.username && !u.password) {
      if (/^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#]*@/.test(tok)) return undefined; // an empty user before @: not ours to guess
      continue;
    }
    parts[i] = tok.replace(/^([A-Za-z][A-Za-z0-9+.-]*:\/\/)[^/?#]*@/, '$1');
  }
  return parts.join('');
}

/** True when `s` holds a control character (an escape sequence, a newline). */
export function hasControl(s: string): boolean {
  return [...s].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f);
}

export interface EnvPlan {
  parent: NodeJS.ProcessEnv;
  home: string;
  port: number;
  /** PATH inside (the sandbox drops entries it hides). */
  path: string;
  /** The pipeline's own variables for this command (e.g. PORT). */
  extra?: Record<string, string>;
  /** An install step: the registry variables pass (credentials removed), and no `no_proxy` (registries on loopback go through the proxy). */
  registries?: boolean;
  /** Inside a network namespace: the proxy the step reaches the network through, or none at all (undefined: unsandboxed). */
  proxy?: string | null;
}

/**
 * The environment an app sees: an allowlist, never the parent's keys, tokens or editor variables, each value of the
 * shape its name promises. The parent's proxy variables never pass: a sandboxed step gets its own proxy; registry
 * variables reach only install steps.
 */
export function appEnv(p: EnvPlan): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(p.parent)) {
    if (v === undefined) continue;
    const shape = PASSED_ENV[k] ?? (LOCALE_NAME.test(k) ? LOCALE_VALUE : undefined);
    if (shape) {
      if (shape.test(v)) out[k] = v;
    } else if (p.registries && (REGISTRY_ENV.test(k) || (p.proxy === undefined && PROXY_ENV.test(k)))) {
      const clean = withoutCredentials(v);
      if (clean !== undefined && !hasControl(clean)) out[k] = clean;
    }
  }
  if (p.proxy) {
    for (const k of ['http_proxy', 'https_proxy', 'HTTP_PROXY', 'HTTPS_PROXY']) out[k] = p.proxy;
    if (!p.registries) out.no_proxy = out.NO_PROXY = 'localhost,127.0.0.1,::1';
  }
  Object.assign(out, {
    PATH: p.path,
    HOME: p.home,
    HOST: '127.0.0.1',
    // A throwaway home: pip installs there (--user), past Debian's "externally managed" guard, never system-wide.
    PIP_USER: '1',
    PIP_BREAK_SYSTEM_PACKAGES: '1',
    PYTHONUNBUFFERED: '1',
  });
  Object.assign(out, p.extra ?? {});
  out.PORT = String(p.port);
  return out;
}

function real(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return path.resolve(p);
  }
}

function under(p: string, dir: string): boolean {
  return p === dir || p.startsWith(dir.endsWith('/') ? dir : dir + '/');
}

/** Places hidden behind an empty folder: homes, runtime and socket folders (/run, /var/run), temp folders. */
export function hiddenPlaces(env: NodeJS.ProcessEnv, root: string, more: readonly string[] = []): string[] {
  const abs = (list: (string | undefined)[]) => list.filter((p): p is string => !!p && path.isAbsolute(p)).map(real).filter((p) => p !== '/' && existsSync(p));
  const places = abs([os.homedir(), env.HOME, '/home', '/root', '/run', '/var/run', '/var/lock', '/tmp', '/var/tmp', env.TMPDIR, env.XDG_RUNTIME_DIR, root]);
  // More places (the dependency cache) only where not hidden already: hiding them again would show their parents.
  places.push(...abs([...more]).filter((m) => !places.some((h) => under(m, h))));
  // Outer folders first, so that a hidden folder inside another one is hidden again on top of it.
  return [...new Set(places)].sort((a, b) => a.length - b.length);
}

/** System folders the sandbox shows read-only, scanned for what must still be hidden in them. */
const SCANNED = ['/etc', '/var', '/srv', '/opt', '/boot', '/usr/local', '/mnt', '/media'];
/** Big folders of package metadata, world-readable by design: not worth their scan time. */
const NOT_SCANNED = new Set(['/var/lib/dpkg/info', '/var/lib/apt/lists', '/var/cache/apt/archives', '/var/lib/rpm', '/var/cache/dnf', '/var/lib/pacman/local', '/var/cache/pacman', '/usr/local/lib', '/usr/local/share', '/usr/local/include']);
/** Scans by what they were made for: root or not, and the places hidden anyway (the scan skips those, so a scan made
 * with other hidden places would leave out what they hold). */
const scans = new Map<string, { found: { files: string[]; dirs: string[] }; at: number; refreshing?: boolean }>();
const scanKey = (asRoot: boolean, hidden: readonly string[]) => JSON.stringify([asRoot, [...hidden].sort()]);
/** A scan older than this is done again in the background (a long-lived window sees daemons start and stop). */
const RESCAN_MS = 60_000;

/** Forgets the scan of the system view (tests: the next step scans again). */
export function forgetSystemScan(store?: string): void {
  scans.clear();
  if (store) rmSync(store, { force: true });
}

/** Where a provider keeps its scan of the system view (see readStoredScan). */
export function systemScanStore(root: string): string {
  return path.join(root, '.system-scan.json');
}

/**
 * What the read-only system view must still hide, found once per process: every Unix socket under the scanned
 * system folders (a database's, a daemon's: the app must not connect to them), and, when the runner is root, the
 * files and folders only root may read (the app's uid maps to root's on the host, so it would own them: /etc/shadow,
 * /etc/ssl/private, …). Bounded (depth and entries), so a huge /opt or /var costs little.
 */
export function systemPlacesToHide(asRoot: boolean, hidden: readonly string[], store?: string): { files: string[]; dirs: string[] } {
  const key = scanKey(asRoot, hidden);
  const cached = scans.get(key) ?? readStoredScan(store, key);
  if (cached) {
    scans.set(key, cached);
    if (Date.now() - cached.at > RESCAN_MS && !cached.refreshing) {
      cached.refreshing = true;
      setImmediate(() => {
        scans.delete(key);
        systemPlacesToHide(asRoot, hidden, store);
      }).unref();
    }
    return cached.found;
  }
  const files: string[] = [];
  const dirs: string[] = [];
  let budget = 40_000;
  const skip = new Set(hidden);
  const walk = (dir: string, depth: number, secrets: boolean) => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (--budget < 0) return;
      const p = dir === '/' ? `/${e.name}` : `${dir}/${e.name}`;
      if (e.isSocket()) {
        files.push(p);
        continue;
      }
      if (!e.isDirectory() && !(secrets && e.isFile())) continue;
      if (e.isDirectory() && (skip.has(p) || NOT_SCANNED.has(p))) continue;
      let st;
      try {
        st = lstatSync(p);
      } catch {
        continue;
      }
      const rootOnly = asRoot && (st.mode & 0o004) === 0 && ((st.uid === 0 && (st.mode & 0o400) !== 0) || (st.gid === 0 && (st.mode & 0o040) !== 0));
      if (rootOnly && st.isFile()) files.push(p);
      else if (st.isDirectory() && (rootOnly || (asRoot && st.uid === 0 && (st.mode & 0o001) === 0))) dirs.push(p);
      else if (st.isDirectory() && depth > 0) walk(p, depth - 1, secrets);
    }
  };
  // First the cheap, bounded places (before a big /opt or /var uses up the budget): the top level itself (a root-only
  // /swapfile, /lost+found or folder of someone's), without going down into its folders, and, as root, the kernel's
  // root-only reports (/proc/slabinfo, /proc/timer_list, /proc/vmallocinfo: what kernel exploits are aimed with),
  // which the sandbox's own /proc shows too. Then sockets and (as root) root-only files in every scanned folder.
  walk('/', 0, asRoot);
  if (asRoot) walk('/proc', 0, true);
  for (const r of SCANNED) if (!hidden.some((h) => under(r, h))) walk(r, 5, asRoot);
  const found = { files, dirs };
  scans.set(key, { found, at: Date.now() });
  writeStoredScan(store, key, found);
  return found;
}

/**
 * The scan takes ~100 ms as root: a later process of this user (the next `spawn-app run`) reuses a scan made less
 * than RESCAN_MS ago, kept in the private sandboxes folder (never shown to an app). A file that is not this user's
 * own regular, private file is ignored, so nobody else can make the sandbox show what it hides.
 */
function readStoredScan(store: string | undefined, key: string): { found: { files: string[]; dirs: string[] }; at: number; refreshing?: boolean } | undefined {
  if (!store) return undefined;
  try {
    if (notPrivate(store, 'file') !== undefined) return undefined;
    const st = lstatSync(store);
    if (st.uid !== process.getuid?.() || (st.mode & 0o077) !== 0 || st.size > 4 * 2 ** 20) return undefined;
    const j = JSON.parse(readFileSync(store, 'utf8')) as { key?: unknown; at?: unknown; files?: unknown; dirs?: unknown };
    const strings = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string' && x.startsWith('/'));
    if (j.key !== key || typeof j.at !== 'number' || Date.now() - j.at > RESCAN_MS || j.at > Date.now() || !strings(j.files) || !strings(j.dirs)) return undefined;
    return { found: { files: j.files, dirs: j.dirs }, at: j.at };
  } catch {
    return undefined;
  }
}

function writeStoredScan(store: string | undefined, key: string, found: { files: string[]; dirs: string[] }): void {
  if (!store) return;
  try {
    writeFileAtomic(store, JSON.stringify({ key, at: Date.now(), ...found }), { mode: 0o600 });
  } catch {
    // no sandboxes folder yet, or read-only: the next process scans again
  }
}

/** PATH inside the sandbox: the parent's entries that stay visible, plus the running Node's folder when hidden. */
export function sandboxPath(env: NodeJS.ProcessEnv, hidden: readonly string[]): { path: string; binds: string[] } {
  const entries = (env.PATH ?? '/usr/local/bin:/usr/bin:/bin').split(':').filter((e) => e && path.isAbsolute(e));
  const visible = entries.filter((e) => !hidden.some((h) => under(real(e), h)));
  const binds: string[] = [];
  const nodeBin = path.dirname(real(process.execPath));
  if (path.basename(process.execPath).startsWith('node') && hidden.some((h) => under(nodeBin, h))) {
    // nvm and friends keep Node (and npm beside it) under the home folder: show that installation, read-only.
    binds.push(path.basename(nodeBin) === 'bin' ? path.dirname(nodeBin) : nodeBin);
    visible.unshift(nodeBin);
  }
  if (visible.length === 0) visible.push('/usr/bin', '/bin');
  return { path: [...new Set(visible)].join(':'), binds };
}

/**
 * The forwarder that runs inside a step's network namespace (started with `node -e`): for the run step, the app's
 * port served on a Unix socket the host connects to (argv 1-2, empty for other steps); with a proxy, `127.0.0.1:<proxy
 * port>` inside bridged to the host's proxy socket (argv 3-4); for the terminal, `127.0.0.1:<app port>` inside
 * bridged to the running app's socket (argv 5). Kept tiny: it starts in parallel with the app.
 */
export const INNER_FORWARDER = `const n=require('net'),f=require('fs');const[s,p,ps,pp,rs]=process.argv.slice(1);
const pipe=(a,b)=>{a.on('error',()=>b.destroy());b.on('error',()=>a.destroy());a.pipe(b).pipe(a)};
if(s){try{f.unlinkSync(s)}catch{}
n.createServer(c=>pipe(c,n.connect({port:+p,host:'localhost'}))).listen(s)}
if(ps)n.createServer(c=>pipe(c,n.connect(ps))).listen(+pp,'127.0.0.1');
if(rs)n.createServer(c=>pipe(c,n.connect(rs))).listen(+p,'127.0.0.1');`;
