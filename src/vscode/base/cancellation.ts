/** VS Code cancellation tokens → one AbortSignal for the core (AbortSignal.any), with no listener left behind. */
import type * as vscode from 'vscode';

/** Runs `fn` with a signal that aborts when any of the tokens is cancelled; the token listeners go when it ends. */
export async function withSignal<T>(tokens: readonly (vscode.CancellationToken | undefined)[], fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const listeners: vscode.Disposable[] = [];
  const signals = tokens.filter((t): t is vscode.CancellationToken => t !== undefined).map((t) => {
    const ac = new AbortController();
    if (t.isCancellationRequested) ac.abort();
    else listeners.push(t.onCancellationRequested(() => ac.abort()));
    return ac.signal;
  });
  try {
    return await fn(AbortSignal.any(signals));
  } finally {
    for (const l of listeners) l.dispose();
  }
}
