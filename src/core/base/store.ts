/**
 * A small durable JSON store: one file per record in a folder, written atomically (temp file, fsync, rename),
 * debounced per record, and tolerant on load: a corrupt file is set aside (renamed `*.corrupt-<time>`) with a
 * clear reason while everything readable is restored. A write that fails (disk full, read-only) is reported once
 * through `onError`, the in-memory value is kept, and the write is retried.
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from './atomicWrite';

export interface StoreOptions {
  /** Debounce for `save`; default 300 ms. */
  debounceMs?: number;
  /** Largest record, in bytes of JSON; default 20 MB. */
  maxRecordBytes?: number;
  /** Most records kept; default 200 (the oldest are not dropped silently: `save` reports instead). */
  maxRecords?: number;
  /** Retry delay after a failed write; default 5 s. */
  retryMs?: number;
  onError?: (err: Error, id: string) => void;
  /** A record whose failure was reported through `onError` has been written after all. */
  onRecovered?: (id: string) => void;
  /** How delayed writes are scheduled; the default is the real clock (tests pass a manual one). */
  timers?: Timers;
}

/** A clock to schedule on: `set` runs `fn` after `ms`, `clear` cancels it. */
export interface Timers {
  set(fn: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

const realTimers: Timers = {
  set(fn, ms) {
    const t = setTimeout(fn, ms);
    t.unref?.();
    return t;
  },
  clear: (h) => clearTimeout(h as NodeJS.Timeout),
};

export interface SetAside {
  file: string;
  movedTo: string;
  reason: string;
}

export interface LoadResult<T> {
  records: Map<string, T>;
  setAside: SetAside[];
  /** Set when the folder exists but cannot be read at all (permissions, I/O): nothing was loaded. */
  error?: Error;
}

const SUFFIX = '.json';

export class JsonStore<T> {
  private readonly pending = new Map<string, { value: T; timer: unknown }>();
  private readonly timers: Timers;
  private readonly reported = new Set<string>();
  private failed = 0;
  private readonly debounceMs: number;
  private readonly maxRecordBytes: number;
  private readonly maxRecords: number;
  private readonly retryMs: number;

  constructor(readonly dir: string, private readonly opts: StoreOptions = {}) {
    this.debounceMs = opts.debounceMs ?? 300;
    this.timers = opts.timers ?? realTimers;
    this.maxRecordBytes = opts.maxRecordBytes ?? 20 * 1024 * 1024;
    this.maxRecords = opts.maxRecords ?? 200;
    this.retryMs = opts.retryMs ?? 5000;
  }

  private fileOf(id: string): string {
    if (!/^[A-Za-z0-9._-]{1,100}$/.test(id) || id.startsWith('.')) throw new Error(`Invalid record id: ${id}`);
    return path.join(this.dir, id + SUFFIX);
  }

  /** Loads every readable record; corrupt ones are set aside and reported. Never throws on bad content. */
  loadAll(): LoadResult<T> {
    const records = new Map<string, T>();
    const setAside: SetAside[] = [];
    let names: string[];
    try {
      names = readdirSync(this.dir);
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      return e.code === 'ENOENT' ? { records, setAside } : { records, setAside, error: e };
    }
    for (const name of names) {
      const file = path.join(this.dir, name);
      if (name.endsWith('.tmp')) {
        rmSync(file, { force: true }); // a write that never reached its rename
        continue;
      }
      if (!name.endsWith(SUFFIX)) continue;
      try {
        records.set(name.slice(0, -SUFFIX.length), JSON.parse(readFileSync(file, 'utf8')) as T);
      } catch (err) {
        setAside.push(this.moveAside(file, err instanceof Error ? err.message : String(err)));
      }
    }
    return { records, setAside };
  }

  /**
   * Sets a loaded record aside (renamed `*.corrupt-<time>`, never deleted) when its JSON parses but its content
   * is not what the caller expects. Any pending write for it is dropped.
   */
  setAside(id: string, reason: string): SetAside {
    const p = this.pending.get(id);
    if (p) this.timers.clear(p.timer);
    this.pending.delete(id);
    return this.moveAside(this.fileOf(id), reason);
  }

  private moveAside(file: string, reason: string): SetAside {
    const movedTo = `${file}.corrupt-${Date.now()}`;
    try {
      renameSync(file, movedTo);
    } catch {
      // If it cannot even be moved, leave it; it is still skipped.
    }
    return { file, movedTo, reason };
  }

  /** Schedules a debounced atomic write of `value` under `id`. */
  save(id: string, value: T): void {
    const prev = this.pending.get(id);
    if (prev) this.timers.clear(prev.timer);
    this.pending.set(id, { value, timer: this.timers.set(() => this.flushOne(id), this.debounceMs) });
  }

  /** Writes `value` now (atomically). Throws on failure. */
  saveNow(id: string, value: T): void {
    const json = JSON.stringify(value);
    if (Buffer.byteLength(json) > this.maxRecordBytes) {
      throw new Error(`Not saved: the record is larger than ${Math.round(this.maxRecordBytes / 1048576)} MB.`);
    }
    mkdirSync(this.dir, { recursive: true });
    const file = this.fileOf(id);
    let exists = true;
    try {
      statSync(file);
    } catch {
      exists = false;
    }
    if (!exists && this.count() >= this.maxRecords) {
      throw new Error(`Not saved: the store already holds ${this.maxRecords} records; delete some first.`);
    }
    writeFileAtomic(file, json);
  }

  private count(): number {
    try {
      return readdirSync(this.dir).filter((n) => n.endsWith(SUFFIX)).length;
    } catch {
      return 0;
    }
  }

  private flushOne(id: string): void {
    const p = this.pending.get(id);
    if (!p) return;
    this.timers.clear(p.timer);
    this.pending.delete(id);
    try {
      this.saveNow(id, p.value);
      if (this.reported.delete(id)) this.opts.onRecovered?.(id);
    } catch (err) {
      this.failed++;
      if (!this.reported.has(id)) {
        this.reported.add(id);
        this.opts.onError?.(err instanceof Error ? err : new Error(String(err)), id);
      }
      // Keep the value and retry later, unless a newer save replaced it meanwhile.
      if (!this.pending.has(id)) {
        this.pending.set(id, { value: p.value, timer: this.timers.set(() => this.flushOne(id), this.retryMs) });
      }
    }
  }

  /** Writes everything pending now. */
  flush(): void {
    for (const id of [...this.pending.keys()]) this.flushOne(id);
  }

  delete(id: string): void {
    const p = this.pending.get(id);
    if (p) this.timers.clear(p.timer);
    this.pending.delete(id);
    this.reported.delete(id);
    rmSync(this.fileOf(id), { force: true });
  }

  /** Writes that failed so far (each attempt, retries included). */
  get failedWrites(): number {
    return this.failed;
  }

  /** True while a write for `id` waits (debounce or retry). */
  isPending(id: string): boolean {
    return this.pending.has(id);
  }

  dispose(): void {
    this.flush();
    for (const p of this.pending.values()) this.timers.clear(p.timer);
    this.pending.clear();
  }
}
