/**
 * An interactive shell for the local runner's terminal: `bash -i` on a pseudo-terminal made by util-linux `script`
 * (no native module needed), started as its own process group so that killing it never touches the app.
 *
 * Inside bubblewrap the shell is the terminal step of the containment profile (profile.ts): the app's file system
 * view, environment rule and limits, and a network namespace of its own (bwrap cannot enter the running app's), where
 * a bridge makes 127.0.0.1:$PORT lead to the app. bash starts with --norc --noprofile: the rc files the app may have
 * written in its home never run. `script` makes the PTY inside the sandbox, so `--new-session` keeps job control.
 * The terminal's size is set when it opens (`script` does not pass later resizes on).
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { killGroup } from './processes';
import type { Shell, ShellOptions } from '../types';

/** `file args…` wrapped so that it runs `bash -i` on a PTY of the given size (falls back to pipes without `script`). */
export function ptyCommand(cols: number, rows: number): string[] {
  const inner = `stty cols ${Math.max(1, Math.floor(cols))} rows ${Math.max(1, Math.floor(rows))} 2>/dev/null; exec /bin/bash --norc --noprofile -i`;
  if (process.platform === 'linux' && existsSync('/usr/bin/script')) return ['/usr/bin/script', '-qfec', inner, '/dev/null'];
  return ['/bin/bash', '--norc', '--noprofile', '-i'];
}

export function startShell(file: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv, opts: ShellOptions): Shell {
  const child = spawn(file, args, { cwd, env, detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
  const decoder = new TextDecoder();
  const onData = (b: Buffer) => opts.onData(decoder.decode(b, { stream: true }));
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  child.stdin.on('error', () => undefined);
  const exited = new Promise<void>((resolve) => {
    child.on('error', (err) => {
      opts.onData(`${err.message}\r\n`);
      resolve();
    });
    child.on('close', () => resolve());
  });
  return {
    write: async (text) => {
      if (!child.stdin.writableEnded && !child.stdin.destroyed) child.stdin.write(text);
    },
    resize: async () => {
      // `script` keeps the size it was started with.
    },
    kill: async () => {
      if (child.pid !== undefined) await killGroup(child.pid, 200);
      await exited;
    },
    exited,
  };
}
