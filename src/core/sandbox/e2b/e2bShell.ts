/**
 * A shell on an E2B sandbox's PTY (`sandbox.pty`): `/bin/bash -i -l` started by envd in the app folder, its output
 * streamed back, input and resizes sent as unary calls. Killing it kills that shell only (never the app's process).
 */
import type { Sandbox as SdkSandbox } from 'e2b';
import type { Shell, ShellOptions } from '../types';

export async function openE2BShell(sdk: SdkSandbox, cwd: string, opts: ShellOptions): Promise<Shell> {
  const decoder = new TextDecoder();
  const encoder = new TextEncoder();
  const handle = await sdk.pty.create({
    cols: opts.cols,
    rows: opts.rows,
    cwd,
    // No deadline: the SDK's default (60 s) would become envd's deadline and kill the shell.
    timeoutMs: 0,
    onData: (bytes: Uint8Array) => opts.onData(decoder.decode(bytes, { stream: true })),
  });
  const pid = handle.pid;
  const exited = handle.wait().then(
    () => undefined,
    () => undefined,
  );
  return {
    write: async (text) => {
      await sdk.pty.sendInput(pid, encoder.encode(text));
    },
    resize: async (cols, rows) => {
      await sdk.pty.resize(pid, { cols, rows });
    },
    kill: async () => {
      await sdk.pty.kill(pid).catch(() => false);
      await handle.disconnect().catch(() => undefined);
    },
    exited,
  };
}
