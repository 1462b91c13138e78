/** Ctrl-C and friends: SIGINT, SIGTERM and SIGHUP abort the command's work and end its serving. */

export interface Interrupt {
  controller: AbortController;
  /** Resolves on the first signal. */
  stopped: Promise<void>;
  dispose(): void;
}

/** Resolves on SIGINT/SIGTERM/SIGHUP; the returned AbortController is aborted then. */
export function interruptible(): Interrupt {
  const controller = new AbortController();
  let resolveStopped!: () => void;
  const stopped = new Promise<void>((r) => (resolveStopped = r));
  const onSignal = () => {
    controller.abort();
    resolveStopped();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('SIGHUP', onSignal);
  return {
    controller,
    stopped,
    dispose() {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      process.off('SIGHUP', onSignal);
    },
  };
}

/** Runs `fn` with an interrupt that is released after it. */
export async function withInterrupt<T>(fn: (stop: Interrupt) => Promise<T>): Promise<T> {
  const stop = interruptible();
  try {
    return await fn(stop);
  } finally {
    stop.dispose();
  }
}
