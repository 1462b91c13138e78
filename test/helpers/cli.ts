/** Runs the built `spawn-app` binary as a real child process. */
import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';

/** The CLI's spend file (its daily budget) goes to a folder of this test run, never the user's. */
const STATE_DIR = path.join(os.tmpdir(), `spawn-cli-state-${process.pid}`);

export const ROOT = path.resolve(__dirname, '../..');
export const BIN = path.join(ROOT, 'bin/spawn-app.js');

/** Builds dist/ once per test run (esbuild: ~0.2 s); not at all under `npm test` (scripts/test.mjs built it once). */
let built = !!process.env.SPAWN_APP_TEST_BUILT;
export function ensureBuilt(): void {
  if (built) return;
  execFileSync(process.execPath, [path.join(ROOT, 'esbuild.mjs')], { cwd: ROOT, stdio: 'inherit' });
  built = true;
}

/**
 * The env of a CLI or MCP server child in a test that does not test the page: no browser check after its deploys
 * (SPAWN_APP_VERIFY=0; each child would start its own browser). The verification tests leave it out.
 */
export const NO_VERIFY = { SPAWN_APP_VERIFY: '0' } as const;
/** The check on again for one child of a test file that has it off (SPAWN_APP_VERIFY=1). */
export const VERIFY = { SPAWN_APP_VERIFY: '1' } as const;

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs to completion. */
export function runCli(args: string[], env: NodeJS.ProcessEnv = {}, cwd = ROOT): Promise<CliResult> {
  const child = startCli(args, env, cwd);
  return child.done;
}

export interface LiveCli {
  child: ChildProcess;
  lines: string[];
  stderr: () => string;
  /** Resolves with the first JSON event for which `pred` holds. */
  waitFor(pred: (e: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
  done: Promise<CliResult>;
}

export function startCli(args: string[], env: NodeJS.ProcessEnv = {}, cwd = ROOT): LiveCli {
  // As the binary's shebang does (`node --`): Node then leaves a script argument `--env-file` alone.
  const child = spawn(process.execPath, ['--', BIN, ...args], {
    cwd,
    env: { ...process.env, ANTHROPIC_API_KEY: '', CLAUDE_API_KEY: '', E2B_API_KEY: '', SPAWN_APP_STATE_DIR: STATE_DIR, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const lines: string[] = [];
  const waiters: { pred: (e: Record<string, unknown>) => boolean; resolve: (e: Record<string, unknown>) => void }[] = [];
  let partial = '';
  child.stdout!.setEncoding('utf8');
  child.stderr!.setEncoding('utf8');
  child.stdout!.on('data', (d: string) => {
    stdout += d;
    const parts = (partial + d).split('\n');
    partial = parts.pop() ?? '';
    for (const line of parts) {
      lines.push(line);
      let ev: Record<string, unknown> | undefined;
      try {
        ev = JSON.parse(line) as Record<string, unknown>;
      } catch {
        continue;
      }
      for (const w of [...waiters]) {
        if (w.pred(ev)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(ev);
        }
      }
    }
  });
  child.stderr!.on('data', (d: string) => (stderr += d));
  const done = new Promise<CliResult>((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
  return {
    child,
    lines,
    stderr: () => stderr,
    waitFor(pred, timeoutMs = 60_000) {
      for (const line of lines) {
        try {
          const ev = JSON.parse(line) as Record<string, unknown>;
          if (pred(ev)) return Promise.resolve(ev);
        } catch {
          // not JSON
        }
      }
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`timed out waiting for an event; stdout:\n${stdout}\nstderr:\n${stderr}`)), timeoutMs);
        waiters.push({ pred, resolve: (e) => { clearTimeout(t); resolve(e); } });
        void done.then(() => { clearTimeout(t); reject(new Error(`exited before the event; stdout:\n${stdout}\nstderr:\n${stderr}`)); });
      });
    },
    done,
  };
}
