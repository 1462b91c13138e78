/** Process-group helpers for the local runner: start in a new group, kill the whole group, match pid + start time. */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/**
 * The fields of `/proc/<pid>/stat` after the command name (field 2, which may hold spaces and parentheses; the fields
 * after its last ')' are fixed): [0] the state (field 3), [1] the parent's pid, [2] the process group, [19] the start
 * time. Undefined when the process is gone or there is no /proc.
 */
function statFields(pid: number | string): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** The pids /proc lists now; undefined where there is no /proc. */
function procPids(): string[] | undefined {
  try {
    return readdirSync('/proc').filter((n) => /^\d+$/.test(n));
  } catch {
    return undefined;
  }
}

/** The kernel's start time of a process (clock ticks since boot) or undefined where unknown. */
export function processStartTime(pid: number): string | undefined {
  return statFields(pid)?.[19]; // field 22 overall: starttime
}

/** True while `pid` runs; a zombie (dead, not yet reaped by a parent that is gone too) counts as dead. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  return statFields(pid)?.[0] !== 'Z'; // unreadable (no /proc: not Linux): trust the signal check
}

/** True when `pid` still runs and is the same process as recorded (not a reused pid). */
export function isSameProcess(pid: number, startTime: string | undefined): boolean {
  if (!isAlive(pid)) return false;
  if (startTime === undefined) return true;
  const now = processStartTime(pid);
  return now === undefined || now === startTime;
}

function signalGroup(pid: number, sig: NodeJS.Signals): boolean {
  try {
    process.kill(-pid, sig);
    return true;
  } catch {
    try {
      process.kill(pid, sig);
      return true;
    } catch {
      return false;
    }
  }
}

function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  // Zombies (dead, waiting for a parent that does not reap them) still answer the signal check: skip them.
  const names = procPids();
  if (!names) return true;
  return names.some((name) => {
    const f = statFields(name); // undefined: gone meanwhile
    return f !== undefined && Number(f[2]) === pid && f[0] !== 'Z';
  });
}

/** The processes under `pid` (children, their children…), each with its start time, read from /proc now. */
export function descendants(pid: number): { pid: number; startTime: string | undefined }[] {
  const children = new Map<number, number[]>();
  for (const n of procPids() ?? []) {
    const f = statFields(n); // undefined: gone meanwhile
    if (!f) continue;
    const ppid = Number(f[1]);
    children.set(ppid, [...(children.get(ppid) ?? []), Number(n)]);
  }
  const out: { pid: number; startTime: string | undefined }[] = [];
  const queue = [...(children.get(pid) ?? [])];
  while (queue.length) {
    const p = queue.shift()!;
    out.push({ pid: p, startTime: processStartTime(p) });
    queue.push(...(children.get(p) ?? []));
  }
  return out;
}

/**
 * Kills a process group: SIGTERM, then SIGKILL after `graceMs`. The processes under its leader that left the group
 * are killed too once the group is gone: bwrap's namespace init runs in a session of its own (`--new-session`), and
 * its parent-death signal is not always delivered when the outer bwrap dies (seen under load: the app outlived its
 * cancelled deploy), so it is found before the kill and killed after, when it is still the same process.
 */
export async function killGroup(pid: number, graceMs = 1000): Promise<void> {
  const under = descendants(pid);
  const killUnder = async () => {
    const left = under.filter((d) => isSameProcess(d.pid, d.startTime));
    for (const d of left) {
      try {
        process.kill(d.pid, 'SIGKILL');
      } catch {
        // gone meanwhile
      }
    }
    await waitWhile(() => left.some((d) => isSameProcess(d.pid, d.startTime)), 2000);
  };
  if (!signalGroup(pid, 'SIGTERM')) return killUnder();
  await waitWhile(() => groupAlive(pid), graceMs);
  if (groupAlive(pid)) {
    signalGroup(pid, 'SIGKILL');
    await waitWhile(() => groupAlive(pid), 2000);
  }
  await killUnder();
}

/** Waits while `busy()` holds, at most `ms` (looked at every 20 ms: no event says a process is gone). */
async function waitWhile(busy: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (busy() && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
}

/** Synchronous last-resort kill (process 'exit' handlers cannot wait). */
export function killGroupSync(pid: number): void {
  signalGroup(pid, 'SIGKILL');
}

export interface SpawnedShell {
  pid: number;
  child: ReturnType<typeof spawn>;
  exited: Promise<{ exitCode: number | null }>;
}

/** Runs `cmd` with bash in a new process group. */
export function spawnShell(cmd: string, cwd: string, env: NodeJS.ProcessEnv, onOutput?: (stream: 'stdout' | 'stderr', text: string) => void): SpawnedShell {
  return spawnGroup('/bin/bash', ['-c', cmd], cwd, env, onOutput, cmd);
}

/** Runs `file` with `args` in a new process group (the group's id is the returned pid). */
export function spawnGroup(file: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv, onOutput?: (stream: 'stdout' | 'stderr', text: string) => void, label = file): SpawnedShell {
  const child = spawn(file, args, { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.setEncoding('utf8');
  child.stderr?.setEncoding('utf8');
  child.stdout?.on('data', (d: string) => onOutput?.('stdout', d));
  child.stderr?.on('data', (d: string) => onOutput?.('stderr', d));
  const exited = new Promise<{ exitCode: number | null }>((resolve) => {
    child.on('error', (err) => {
      onOutput?.('stderr', `${err.message}\n`);
      resolve({ exitCode: 127 });
    });
    child.on('close', (code, signal) => resolve({ exitCode: code ?? (signal ? -1 : null) }));
  });
  if (child.pid === undefined) throw new Error(`Could not start: ${label}`);
  return { pid: child.pid, child, exited };
}
