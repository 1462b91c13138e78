/**
 * Notices a sandbox's timeout: when a running E2B sandbox reaches its end, its provider pauses it (or kills it), so the
 * providers are listed again then, and the registry learns `paused` (or that it is gone). One timer, on the earliest end.
 */
import { Disposable } from '../dispose';
import type { SandboxRegistry } from './sandboxRegistry';

/** How long after the end to look: E2B pauses a sandbox within a moment of its timeout. */
const AFTER_END_MS = 2_000;

export class SandboxTimeouts extends Disposable {
  private timer?: NodeJS.Timeout;

  constructor(private readonly registry: SandboxRegistry, private readonly discover: () => Promise<void>) {
    super();
    this._register(registry.onDidChange(() => this.arm()));
    this._register({ dispose: () => this.timer && clearTimeout(this.timer) });
  }

  private arm(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const ends = this.registry.list().filter((e) => e.status === 'running' && e.endAt !== undefined).map((e) => e.endAt!);
    if (ends.length === 0) return;
    const wait = Math.max(0, Math.min(...ends) + AFTER_END_MS - Date.now());
    // Past ends listed already would loop: at most one look per end.
    if (Math.min(...ends) + AFTER_END_MS < Date.now() - 60_000) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.discover();
    }, Math.min(wait, 2 ** 31 - 1));
    this.timer.unref?.();
  }
}
