/**
 * Resource limits of the local sandbox: processes, file size, tmpfs sizes and memory. Every step of an app (cache
 * build, install, run, terminal) runs under the same limits (profile.ts applies them):
 *
 * - file size: `ulimit -f` inside the sandbox (every user);
 * - tmpfs: bwrap `--size` on every tmpfs the sandbox mounts (/tmp, /dev/shm and the hidden places);
 * - processes: a `pids` cgroup where this user may make one (root, or a delegated cgroup), else `ulimit -u` inside
 *   the sandbox's own user namespace, which counts only the sandbox's processes (kernel 5.14+); for root that rlimit
 *   does not apply (the kernel exempts uid 0), so without a cgroup root's sandbox has no process bound;
 * - memory: a `memory` cgroup where one can be made, else not bounded (an address-space rlimit breaks V8 and Go).
 *
 * Defaults fit a React/Vite app's npm install and dev server; `SPAWN_APP_LIMIT_{PROCS,FILE_MB,TMP_MB,MEMORY_MB}`
 * (or the provider's `limits` option) change them. When an app hits one, its log gets one sentence saying which.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface Limits {
  /** Processes (and threads) of the whole sandbox. */
  procs: number;
  /** Largest file the app may write, MiB. */
  fileMB: number;
  /** Size of the sandbox's /tmp, MiB (the other hidden places get a small fixed size). */
  tmpMB: number;
  /** Memory of the whole sandbox, MiB (only where a memory cgroup can be made). */
  memoryMB: number;
}

export const DEFAULT_LIMITS: Limits = {
  procs: 1024,
  fileMB: 2048,
  tmpMB: 512,
  memoryMB: Math.min(4096, Math.max(1024, Math.floor(os.totalmem() / 2 / 2 ** 20))),
};

/** Size of each hidden place's empty tmpfs (/run, the homes…): room for mount points and small files only. */
export const HIDDEN_TMPFS_MB = 16;

const ENV_NAMES: Record<keyof Limits, string> = {
  procs: 'SPAWN_APP_LIMIT_PROCS',
  fileMB: 'SPAWN_APP_LIMIT_FILE_MB',
  tmpMB: 'SPAWN_APP_LIMIT_TMP_MB',
  memoryMB: 'SPAWN_APP_LIMIT_MEMORY_MB',
};

/** The limits in effect: the defaults, then the environment's `SPAWN_APP_LIMIT_*`, then the provider's options. */
export function resolveLimits(env: NodeJS.ProcessEnv, given: Partial<Limits> = {}): Limits {
  const out = { ...DEFAULT_LIMITS };
  for (const k of Object.keys(ENV_NAMES) as (keyof Limits)[]) {
    const v = Number(env[ENV_NAMES[k]]);
    if (Number.isInteger(v) && v > 0) out[k] = v;
    const g = given[k];
    if (g !== undefined && Number.isInteger(g) && g > 0) out[k] = g;
  }
  return out;
}

/** A cgroup of one sandbox (v1 or v2), or none where this user cannot make one. */
export interface SandboxCgroup {
  /** The cgroup.procs files a process joins (one per v1 controller, one for v2). */
  procsFiles: string[];
  /** Which of the limits it enforces. */
  bounds: { procs: boolean; memory: boolean };
  /** Which limit was hit so far (read from the controllers' counters). */
  hit(): 'procs' | 'memory' | undefined;
  /** Makes the cgroup again when it was removed meanwhile (a sweep by another process); false when it cannot. */
  ensure(): boolean;
  /** Removes the cgroup; false while something still runs in it. */
  remove(): boolean;
}

/** The cgroup name of a sandbox: swept by any later makeCgroup once it is empty, old, and `stale(id)` says so. */
const NAME = /^spawn-app-(local-[0-9a-f]+)$/;

/** Removes leftover sandbox cgroups under `parent`: empty, older than a minute, and `stale(id)` (their sandbox is gone). */
function sweep(parent: string, stale: (id: string) => boolean): void {
  let names: string[];
  try {
    names = readdirSync(parent);
  } catch {
    return;
  }
  for (const n of names) {
    const id = NAME.exec(n)?.[1];
    const dir = path.join(parent, n);
    try {
      if (!id || !stale(id) || read(path.join(dir, 'cgroup.procs')).trim() !== '' || Date.now() - statSync(dir).mtimeMs < 60_000) continue;
      rmdirSync(dir);
    } catch {
      // busy or gone
    }
  }
}

function own(controller: string): string | undefined {
  // This process's own cgroup for a v1 controller (a container's is nested), or the v2 one ("0::/path").
  try {
    for (const line of readFileSync('/proc/self/cgroup', 'utf8').split('\n')) {
      const [, ctrls, p] = line.split(':');
      if (ctrls === undefined || p === undefined) continue;
      if (controller === '' ? ctrls === '' && line.startsWith('0:') : ctrls.split(',').includes(controller)) return p;
    }
  } catch {
    // not Linux
  }
  return undefined;
}

function tryWrite(file: string, value: string): boolean {
  try {
    writeFileSync(file, value);
    return true;
  } catch {
    return false;
  }
}

function read(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

/**
 * Makes a cgroup for one sandbox where this user may (root, or a delegated v2 subtree): v1 `pids` and `memory`
 * controllers when mounted, else v2 when its controllers are enabled. Undefined when none can be made.
 */
export function makeCgroup(name: string, limits: Limits, stale: (id: string) => boolean = () => false): SandboxCgroup | undefined {
  if (process.platform !== 'linux') return undefined;
  const dirs: { ctrl: 'procs' | 'memory'; dir: string }[] = [];
  const made: string[] = [];
  const mk = (parent: string): string | undefined => {
    const dir = path.join(parent, name);
    sweep(parent, stale);
    try {
      mkdirSync(dir);
      made.push(dir);
      return dir;
    } catch {
      return undefined;
    }
  };
  const v1 = (ctrl: string) => {
    const base = path.join('/sys/fs/cgroup', ctrl);
    const mine = own(ctrl);
    return existsSync(path.join(base, 'cgroup.procs')) && mine !== undefined ? path.join(base, mine) : undefined;
  };
  const pidsParent = v1('pids');
  const memParent = v1('memory');
  const v2 = !pidsParent && !memParent;
  if (pidsParent || memParent) {
    const p = pidsParent && mk(pidsParent);
    if (p && tryWrite(path.join(p, 'pids.max'), String(limits.procs))) dirs.push({ ctrl: 'procs', dir: p });
    const m = memParent && mk(memParent);
    if (m && tryWrite(path.join(m, 'memory.limit_in_bytes'), String(limits.memoryMB * 2 ** 20))) {
      tryWrite(path.join(m, 'memory.memsw.limit_in_bytes'), String(limits.memoryMB * 2 ** 20));
      dirs.push({ ctrl: 'memory', dir: m });
    }
  } else {
    const mine = own('');
    const parent = mine !== undefined ? path.join('/sys/fs/cgroup', mine) : undefined;
    const enabled = parent ? read(path.join(parent, 'cgroup.subtree_control')).split(/\s+/) : [];
    const d = parent && (enabled.includes('pids') || enabled.includes('memory')) ? mk(parent) : undefined;
    if (d && enabled.includes('pids') && tryWrite(path.join(d, 'pids.max'), String(limits.procs))) dirs.push({ ctrl: 'procs', dir: d });
    if (d && enabled.includes('memory') && tryWrite(path.join(d, 'memory.max'), String(limits.memoryMB * 2 ** 20))) {
      tryWrite(path.join(d, 'memory.swap.max'), '0');
      dirs.push({ ctrl: 'memory', dir: d });
    }
  }
  const remove = () => {
    let all = true;
    for (const dir of [...made].reverse()) {
      try {
        rmdirSync(dir);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') all = false;
      }
    }
    return all;
  };
  const limitFiles = (d: { ctrl: 'procs' | 'memory'; dir: string }): [string, string][] =>
    d.ctrl === 'procs' ? [['pids.max', String(limits.procs)]] : [[v2 ? 'memory.max' : 'memory.limit_in_bytes', String(limits.memoryMB * 2 ** 20)]];
  if (dirs.length === 0) {
    remove();
    return undefined;
  }
  return {
    ensure: () => {
      for (const d of dirs) {
        if (existsSync(d.dir)) continue;
        try {
          mkdirSync(d.dir);
        } catch {
          return false;
        }
        for (const [f, v] of limitFiles(d)) if (!tryWrite(path.join(d.dir, f), v)) return false;
      }
      return true;
    },
    procsFiles: [...new Set(dirs.map((d) => path.join(d.dir, 'cgroup.procs')))],
    bounds: { procs: dirs.some((d) => d.ctrl === 'procs'), memory: dirs.some((d) => d.ctrl === 'memory') },
    hit: () => {
      for (const d of dirs) {
        const max = d.ctrl === 'procs' ? /\bmax (\d+)/.exec(read(path.join(d.dir, 'pids.events')))?.[1] : undefined;
        if (max !== undefined && max !== '0') return 'procs';
        if (d.ctrl === 'memory') {
          const oom = v2 ? /\boom_kill (\d+)/.exec(read(path.join(d.dir, 'memory.events')))?.[1] : /\boom_kill (\d+)/.exec(read(path.join(d.dir, 'memory.oom_control')))?.[1];
          if (oom !== undefined && oom !== '0') return 'memory';
        }
      }
      return undefined;
    },
    remove,
  };
}

/** Removes the (empty) cgroup of a sandbox whose owner is gone, under each controller it may have been made in. */
export function removeCgroup(name: string): void {
  if (process.platform !== 'linux') return;
  const parents = [own('pids') && path.join('/sys/fs/cgroup/pids', own('pids')!), own('memory') && path.join('/sys/fs/cgroup/memory', own('memory')!), own('') !== undefined && path.join('/sys/fs/cgroup', own('')!)];
  for (const parent of parents) {
    if (!parent) continue;
    try {
      rmdirSync(path.join(parent, name));
    } catch {
      // none there, or still busy
    }
  }
}

/** Output that says a limit was hit: bash's and Node's words for a refused fork, the shell's for SIGXFSZ. */
const PROCS_HIT = /fork: (retry: )?Resource temporarily unavailable|spawn \S+ EAGAIN|Cannot fork|pthread_create: Resource temporarily unavailable/;
const FILE_HIT = /File size limit exceeded|EFBIG|file too large/i;

/** The sentence for a limit the app hit, or undefined. `exitCode` 153 is a process killed by SIGXFSZ (128 + 25). */
export function limitSentence(kind: 'procs' | 'file' | 'memory', limits: Limits): string {
  if (kind === 'procs') return `The app hit the sandbox's process limit (${limits.procs}); raise it with SPAWN_APP_LIMIT_PROCS.`;
  if (kind === 'file') return `The app hit the sandbox's file size limit (${limits.fileMB} MiB); raise it with SPAWN_APP_LIMIT_FILE_MB.`;
  return `The app hit the sandbox's memory limit (${limits.memoryMB} MiB); raise it with SPAWN_APP_LIMIT_MEMORY_MB.`;
}

/** Which limit some output shows was hit (undefined: none). */
export function limitInOutput(text: string): 'procs' | 'file' | undefined {
  if (PROCS_HIT.test(text)) return 'procs';
  if (FILE_HIT.test(text)) return 'file';
  return undefined;
}
