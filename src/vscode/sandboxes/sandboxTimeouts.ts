/**
 * Notices a sandbox's timeout: when a running E2B sandbox reaches its end, its provider pauses it (or kills it), so the
 * providers are listed again then, and the registry learns `paused` (or that it is gone). One timer, on the earliest end.
 */
import { Disposable } from '../base/dispose';
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
    const now = Date.now();
    // A sandbox still listed as running a minute after its end is left alone (the provider says it runs; Refresh
    // still works); every other running one's end is watched.
    const ends = this.registry
      .list()
      .filter((e) => e.status === 'running' && e.endAt !== undefined && e.endAt + AFTER_END_MS >= now - 60_000)
      .map((e) => e.endAt!);
    if (ends.length === 0) return;
    const end = Math.min(...ends);
    // First look just after the end; while the provider still says running (a listing that began before the pause,
    // a slow provider), look again every AFTER_END_MS.
    const wait = end + AFTER_END_MS > now ? end + AFTER_END_MS - now : AFTER_END_MS;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.discover().finally(() => this.arm());
    }, Math.min(wait, 2 ** 31 - 1));
    this.timer.unref?.();
  }
}
