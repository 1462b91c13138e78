/**
 * The local runner's sandbox: bubblewrap (`bwrap`) used directly. Every install and run of a local sandbox is one
 * `bwrap` process with the system read-only, the user's home (and every other home, /tmp, /run/user and the
 * sandboxes root) hidden behind empty folders, only the app folder and a private $HOME writable, its own PID
 * namespace and `--die-with-parent`. The run step also gets its own network namespace: a forwarder inside it
 * serves the app on a Unix socket that the host forwards `127.0.0.1:<port>` to (see forward.ts).
 *
 * Where bwrap is missing or cannot create namespaces, the runner falls back to plain processes; `detectSandbox`
 * says which, and why, once per provider.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, realpathSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

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

/** Whether bwrap can sandbox here: runs a trivial command with every namespace the runner uses. ~10 ms. */
export function detectSandbox(env: NodeJS.ProcessEnv = process.env): { sandboxed: boolean; reason?: string } {
  if (sandboxForcedOff(env)) return { sandboxed: false, reason: 'the sandbox is turned off (SPAWN_APP_SANDBOX=off)' };
  if (process.platform !== 'linux') return { sandboxed: false, reason: `bubblewrap is Linux-only and this is ${process.platform}` };
  const r = spawnSync('bwrap', ['--ro-bind', '/', '/', '--dev', '/dev', '--proc', '/proc', '--tmpfs', '/tmp', '--unshare-pid', '--unshare-net', '--die-with-parent', '/bin/true'], {
    encoding: 'utf8',
    timeout: 5000,
    env: { PATH: env.PATH ?? '/usr/bin:/bin' },
  });
  if (r.error && (r.error as NodeJS.ErrnoException).code === 'ENOENT') return { sandboxed: false, reason: `bubblewrap (bwrap) is not installed; ${INSTALL_HINT}` };
  if (r.error || r.status !== 0) {
    const why = (r.stderr || r.error?.message || `exit code ${r.status}`).trim().split('\n')[0]!.replace(/^bwrap: /, '').replace(/\.$/, '');
    return { sandboxed: false, reason: `bwrap is installed but cannot create a sandbox here (${why}); unprivileged user namespaces may be disabled` };
  }
  return { sandboxed: true };
}

const PASSED_ENV = /^(LANG|LANGUAGE|LC_[A-Z_]+|TZ|TERM|COLORTERM|NODE_ENV|https?_proxy|HTTPS?_PROXY|no_proxy|NO_PROXY|all_proxy|ALL_PROXY|npm_config_registry|NPM_CONFIG_REGISTRY|PIP_INDEX_URL|PIP_EXTRA_INDEX_URL)$/;
const PROXY_ENV = /^(https?_proxy|HTTPS?_PROXY|no_proxy|NO_PROXY|all_proxy|ALL_PROXY)$/;

export interface EnvPlan {
  parent: NodeJS.ProcessEnv;
  home: string;
  port: number;
  /** PATH inside (the sandbox drops entries it hides). */
  path: string;
  /** The pipeline's own variables for this command (e.g. PORT). */
  extra?: Record<string, string>;
  /** Inside a network namespace: the proxy the app reaches the network through, or none at all. */
  proxy?: string | null;
}

/**
 * The environment an app sees: an allowlist, never the parent's keys, tokens or editor variables. Proxy variables
 * pass for installs; in the run step they point at the sandbox's own proxy (or are removed with the network off).
 */
export function appEnv(p: EnvPlan): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(p.parent)) if (v !== undefined && PASSED_ENV.test(k)) out[k] = v;
  if (p.proxy !== undefined) {
    for (const k of Object.keys(out)) if (PROXY_ENV.test(k)) delete out[k];
    if (p.proxy) {
      for (const k of ['http_proxy', 'https_proxy', 'HTTP_PROXY', 'HTTPS_PROXY']) out[k] = p.proxy;
      out.no_proxy = out.NO_PROXY = 'localhost,127.0.0.1,::1';
    }
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

export interface BwrapPlan {
  /** The sandboxes root (hidden: other sandboxes are not visible). */
  root: string;
  appDir: string;
  homeDir: string;
  /** Folder with the forwarder's sockets (run step only). */
  sockDir?: string;
  cwd: string;
  /** Own network namespace (only loopback inside). */
  isolateNetwork: boolean;
  parentEnv: NodeJS.ProcessEnv;
  /** More places to hide (the dependency cache root). */
  hide?: string[];
  /** Folders shown at their own path after the hidden places: read-only (a dependency cache entry) or writable (its build). */
  binds?: { path: string; writable: boolean }[];
}

/** Places hidden behind an empty folder: homes, the user's runtime folder, temp folders. */
function hiddenPlaces(env: NodeJS.ProcessEnv, root: string, more: readonly string[] = []): string[] {
  const places = [os.homedir(), env.HOME, '/home', '/root', '/run/user', '/tmp', '/var/tmp', env.TMPDIR, env.XDG_RUNTIME_DIR, root, ...more]
    .filter((p): p is string => !!p && path.isAbsolute(p))
    .map(real)
    .filter((p) => p !== '/' && existsSync(p));
  // Outer folders first, so that a hidden folder inside another one is hidden again on top of it.
  return [...new Set(places)].sort((a, b) => a.length - b.length);
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

/** The bwrap arguments (up to and excluding the command) and the PATH to use inside. */
export function bwrapArgs(p: BwrapPlan): { args: string[]; path: string } {
  const hidden = hiddenPlaces(p.parentEnv, real(p.root), p.hide ?? []);
  const { path: innerPath, binds } = sandboxPath(p.parentEnv, hidden);
  const args = ['--ro-bind', '/', '/', '--dev', '/dev', '--proc', '/proc'];
  for (const h of hidden) args.push('--tmpfs', h);
  for (const b of binds) args.push('--ro-bind', b, b);
  args.push('--bind', p.appDir, p.appDir, '--bind', p.homeDir, p.homeDir);
  if (p.sockDir) args.push('--bind', p.sockDir, p.sockDir);
  for (const b of p.binds ?? []) args.push(b.writable ? '--bind' : '--ro-bind', b.path, b.path);
  args.push('--unshare-pid', '--unshare-ipc', '--unshare-uts', '--die-with-parent');
  if (p.isolateNetwork) args.push('--unshare-net');
  args.push('--chdir', p.cwd);
  return { args, path: innerPath };
}

/**
 * The forwarder that runs inside the run step's network namespace (started with `node -e`): the app's port is
 * served on a Unix socket the host connects to; with the network on, `127.0.0.1:<proxy port>` inside is bridged to
 * the host's proxy socket. Kept tiny: it starts in parallel with the app.
 */
export const INNER_FORWARDER = `const n=require('net'),f=require('fs');const[s,p,ps,pp]=process.argv.slice(1);
const pipe=(a,b)=>{a.on('error',()=>b.destroy());b.on('error',()=>a.destroy());a.pipe(b).pipe(a)};
try{f.unlinkSync(s)}catch{}
n.createServer(c=>pipe(c,n.connect({port:+p,host:'localhost'}))).listen(s);
if(ps)n.createServer(c=>pipe(c,n.connect(ps))).listen(+pp,'127.0.0.1');`;
