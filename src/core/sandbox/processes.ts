/** Process-group helpers for the local runner: start in a new group, kill the whole group, match pid + start time. */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** The kernel's start time of a process (clock ticks since boot) or undefined where unknown. */
export function processStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses; fields after the last ')' are fixed.
    const after = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return after[19]; // field 22 overall: starttime
  } catch {
    return undefined;
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
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
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** SIGTERM the process group, then SIGKILL what is left after `graceMs`. Resolves when the group is gone. */
export async function killGroup(pid: number, graceMs = 1000): Promise<void> {
  if (!signalGroup(pid, 'SIGTERM')) return;
  const deadline = Date.now() + graceMs;
  while (groupAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  if (groupAlive(pid)) {
    signalGroup(pid, 'SIGKILL');
    const hard = Date.now() + 2000;
    while (groupAlive(pid) && Date.now() < hard) await new Promise((r) => setTimeout(r, 20));
  }
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
  const child = spawn('/bin/bash', ['-c', cmd], { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
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
  if (child.pid === undefined) throw new Error(`Could not start: ${cmd}`);
  return { pid: child.pid, child, exited };
}
