/**
 * The local sandbox's one containment profile: every step that runs code of an app or of its dependencies (the
 * dependency cache build, an install, the app's run and restarts, its terminal) gets its bubblewrap command line and
 * environment from `sandboxProfile`, so they share one file system view, one set of namespaces and privileges
 * (bwrap.ts isolationArgs: own user namespace as an unprivileged uid, no capability, own PID/IPC/UTS/network
 * namespaces, a new session; seccomp.ts: no key management calls), one environment rule (bwrap.ts appEnv) and one
 * set of limits (limits.ts). What differs per step is only what STEPS says.
 */
import { existsSync, lstatSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { appEnv, hiddenPlaces, INNER_FORWARDER, isolationArgs, sandboxPath, systemPlacesToHide, systemScanStore } from './bwrap';
import type { Limits, SandboxCgroup } from './limits';
import { HIDDEN_TMPFS_MB } from './limits';
import { keyringFilterFile, OPEN_FILTER, SECCOMP_FD } from './seccomp';

export type Step = 'build' | 'install' | 'run' | 'command' | 'terminal';

export interface StepRules {
  /**
   * The step's only way out of its network namespace: `registries` always has the install proxy (the package
   * registries may be reached even on this machine's loopback or LAN; the registry variables pass); `network` has
   * the app's proxy only while the network is on; nothing else has a way out.
   */
  proxy: 'registries' | 'network';
  /**
   * The app's port: `serve` (the in-sandbox forwarder serves it on the socket folder, which the host forwards
   * `127.0.0.1:<port>` to), `reach` (the socket folder read-only, and `127.0.0.1:$PORT` inside leads to the running
   * app), or `none`.
   */
  port: 'serve' | 'reach' | 'none';
  /** Runs on a pseudo-terminal (the terminal's `script` makes it inside the sandbox, so job control works). */
  tty: boolean;
  /** The app's data folder ($DATA_DIR) is bound writable: the steps that run the app's own code, never an install. */
  data: boolean;
}

/** The differences between the steps, and nothing else. */
export const STEPS: Record<Step, StepRules> = {
  build: { proxy: 'registries', port: 'none', tty: false, data: false },
  install: { proxy: 'registries', port: 'none', tty: false, data: false },
  run: { proxy: 'network', port: 'serve', tty: false, data: true },
  /** A one-off command in the app folder (the delete of removed files): the run step without the port. */
  command: { proxy: 'network', port: 'none', tty: false, data: true },
  terminal: { proxy: 'network', port: 'reach', tty: true, data: true },
};

/** Where the sandbox's own files appear inside it: on the private /run, which the app cannot replace. */
export const INNER_RUN = '/run/spawn-app';
export const INNER_PROXY_SOCKET = `${INNER_RUN}/proxy.sock`;
export const INNER_PIP_CONFIG = `${INNER_RUN}/pip.conf`;

export interface ProfilePlan {
  step: Step;
  /** The sandboxes root (hidden: other sandboxes are not visible). */
  root: string;
  appDir: string;
  homeDir: string;
  cwd: string;
  parentEnv: NodeJS.ProcessEnv;
  /** The app's port ($PORT) inside. */
  port: number;
  /** The in-sandbox port of the proxy bridge. */
  proxyPort: number;
  /** The host's proxy socket for this step (bound read-only at INNER_PROXY_SOCKET), or none: no way out. */
  proxySocket?: string;
  /** The folder the run step's forwarder makes the app's socket in (writable in the run step, read-only to reach it). */
  sockDir?: string;
  /** A pip config file of the user's index settings (install steps; bound read-only at INNER_PIP_CONFIG). */
  pipConfig?: string;
  /** More places to hide (the dependency cache root). */
  hide?: string[];
  /** Folders shown at their own path after the hidden places: read-only (a cache entry) or writable (its build). */
  binds?: { path: string; writable: boolean }[];
  limits: Limits;
  /** The sandbox's cgroup, when one could be made (joined before bwrap starts). */
  cgroup?: SandboxCgroup;
  /** A folder put first on PATH (the app's Python venv's `bin`: sandbox/local/depCache.ts). */
  pathFirst?: string;
  /** The pipeline's own variables (PORT, the app's secrets, TERM). */
  extraEnv?: Record<string, string>;
  /** What runs inside, after the limits and the bridge are set up. */
  command: string[];
}

export interface Profile {
  file: string;
  args: string[];
  env: Record<string, string>;
}

/**
 * The launcher inside the sandbox (bash): sets the rlimits, starts the forwarder/bridges when the step has one, waits
 * for the proxy bridge when the step starts by using it (installs), then execs the command. Its arguments: node,
 * script, app socket to serve, app port, proxy socket, proxy port, app socket to reach, process limit (empty: a
 * cgroup bounds it), file limit (KiB), the port to wait for (empty: none), then the command.
 */
const LAUNCHER = [
  `exec ${SECCOMP_FD}<&-`,
  'ulimit -f "$9" 2>/dev/null',
  // No core dumps, for good (hard limit): a crash hands the app's memory to the host's core handler when core_pattern
  // is a pipe (systemd-coredump, apport run outside the sandbox as root and store it outside the app folder); with the
  // limit at 0 they store nothing, and a plain core_pattern writes no file.
  'ulimit -c 0 2>/dev/null',
  'if [ -n "$8" ]; then ulimit -H -u "$8" 2>/dev/null; ulimit -S -u "$8" 2>/dev/null; fi',
  'if [ -n "$3$5$7" ]; then N="$1"; [ -x "$N" ] || N=node; ELECTRON_RUN_AS_NODE=1 "$N" -e "$2" "$3" "$4" "$5" "$6" "$7" </dev/null >/dev/null 2>&1 & fi',
  'if [ -n "${10}" ]; then i=0; until (exec 3<>"/dev/tcp/127.0.0.1/${10}") 2>/dev/null || [ $i -ge 500 ]; do i=$((i+1)); sleep 0.01; done; fi',
  'shift 10; exec "$@"',
].join('\n');

/** The bwrap command line and environment of one step (see the module comment). */
export function sandboxProfile(p: ProfilePlan): Profile {
  const rules = STEPS[p.step];
  const hidden = hiddenPlaces(p.parentEnv, p.root, p.hide ?? []);
  const { path: innerPath, binds } = sandboxPath(p.parentEnv, hidden);
  const asRoot = process.getuid?.() === 0;
  // A socket or file found by the scan may be gone since (a daemon stopped): bwrap cannot cover what is not there,
  // and would refuse the whole step, so only what still exists is covered.
  const scanned = systemPlacesToHide(asRoot, hidden, systemScanStore(p.root));
  const system = { files: scanned.files.filter(exists), dirs: scanned.dirs.filter(exists) };
  const tmp = os.tmpdir();
  const args = ['--ro-bind', '/', '/', '--dev', '/dev', '--proc', '/proc'];
  for (const h of hidden) args.push('--size', String((h === '/tmp' || h === tmp ? p.limits.tmpMB : HIDDEN_TMPFS_MB) * 2 ** 20), '--tmpfs', h);
  if (!hidden.includes('/tmp')) args.push('--size', String(p.limits.tmpMB * 2 ** 20), '--tmpfs', '/tmp');
  // bwrap's /dev is an unsized tmpfs: its shared-memory folder gets the /tmp bound too.
  args.push('--size', String(p.limits.tmpMB * 2 ** 20), '--tmpfs', '/dev/shm');
  for (const d of system.dirs) args.push('--size', '4096', '--tmpfs', d);
  for (const f of system.files) args.push('--ro-bind', '/dev/null', f);
  // The kernel's list of keys (names of its owner's keys and keyrings); the keys themselves: seccomp.ts.
  for (const f of ['/proc/keys', '/proc/key-users']) if (existsSync(f)) args.push('--ro-bind', '/dev/null', f);
  for (const b of binds) args.push('--ro-bind', b, b);
  args.push('--bind', p.appDir, p.appDir, '--bind', p.homeDir, p.homeDir);
  // The folder itself is bound, never the socket in it: bwrap would follow a link the app put in its place.
  if (rules.port === 'serve' && p.sockDir) args.push('--bind', p.sockDir, p.sockDir);
  if (rules.port === 'reach' && p.sockDir && existsSync(p.sockDir)) args.push('--ro-bind', p.sockDir, p.sockDir);
  if (p.proxySocket) args.push('--ro-bind', p.proxySocket, INNER_PROXY_SOCKET);
  if (rules.proxy === 'registries' && p.pipConfig) args.push('--ro-bind', p.pipConfig, INNER_PIP_CONFIG);
  for (const b of p.binds ?? []) args.push(b.writable ? '--bind' : '--ro-bind', b.path, b.path);
  // The key management calls fail inside (seccomp.ts): keyrings are in no namespace; the launcher opens the filter.
  args.push(...isolationArgs(), '--seccomp', SECCOMP_FD, '--chdir', p.cwd);

  const proxy = p.proxySocket ? `http://127.0.0.1:${p.proxyPort}` : null;
  const env = appEnv({
    parent: p.parentEnv,
    home: p.homeDir,
    port: p.port,
    path: p.pathFirst ? `${p.pathFirst}:${innerPath}` : innerPath,
    registries: rules.proxy === 'registries',
    proxy,
    extra: { ...(rules.proxy === 'registries' && p.pipConfig ? { SPAWN_APP_PIP_CONFIG: INNER_PIP_CONFIG } : {}), ...p.extraEnv },
  });
  const procs = p.cgroup?.bounds.procs ? '' : String(p.limits.procs);
  const reach = rules.port === 'reach' && p.sockDir && existsSync(p.sockDir) ? path.join(p.sockDir, 'app') : '';
  const launcher = [
    process.execPath,
    INNER_FORWARDER,
    rules.port === 'serve' && p.sockDir ? path.join(p.sockDir, 'app') : '',
    String(p.port),
    p.proxySocket ? INNER_PROXY_SOCKET : '',
    String(p.proxyPort),
    reach,
    procs,
    String(p.limits.fileMB * 1024),
    // Installs start by using the proxy; a terminal's user may start by reaching the app: both wait for their bridge.
    rules.proxy === 'registries' && p.proxySocket ? String(p.proxyPort) : reach ? String(p.port) : '',
  ];
  // --norc: Debian's bash reads ~/.bashrc (the app's) even for `-c` when its stdin is a socket, as Node's pipes are.
  const bwrap = [...args, '--', '/bin/bash', '--norc', '--noprofile', '-c', LAUNCHER, 'spawn-app', ...launcher, ...p.command];
  // Open the seccomp filter for bwrap, and join the sandbox's cgroup (when there is one) before bwrap starts, so that
  // nothing of it runs outside the cgroup's bounds.
  const join = `${OPEN_FILTER}; n=$1; shift; while [ "$n" -gt 0 ]; do echo $$ > "$1" || exit 125; shift; n=$((n-1)); done; exec "$@"`;
  const procsFiles = p.cgroup?.procsFiles ?? [];
  return { file: '/bin/sh', args: ['-c', join, 'sh', keyringFilterFile(), String(procsFiles.length), ...procsFiles, 'bwrap', ...bwrap], env };
}

function exists(p: string): boolean {
  try {
    lstatSync(p);
    return true;
  } catch {
    return false;
  }
}
