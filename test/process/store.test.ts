import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Timers } from '../../src/core/base/store';
import { writeFileAtomic } from '../../src/core/base/atomicWrite';
import { JsonStore } from '../../src/core/base/store';

/** A clock the test moves: `advance(ms)` runs what falls due, in order (no real waiting, no fixed sleeps). */
class ManualClock implements Timers {
  private now = 0;
  private seq = 0;
  private readonly due = new Map<number, { at: number; fn: () => void }>();
  set(fn: () => void, ms: number): number {
    this.due.set(++this.seq, { at: this.now + ms, fn });
    return this.seq;
  }
  clear(handle: unknown): void {
    this.due.delete(handle as number);
  }
  /** Delays scheduled, soonest first (what a real clock would wait for). */
  pending(): number[] {
    return [...this.due.values()].map((d) => d.at - this.now).sort((a, b) => a - b);
  }
  advance(ms: number): void {
    const until = this.now + ms;
    for (;;) {
      const next = [...this.due.entries()].filter(([, d]) => d.at <= until).sort((a, b) => a[1].at - b[1].at)[0];
      if (!next) break;
      this.due.delete(next[0]);
      this.now = next[1].at;
      next[1].fn();
    }
    this.now = until;
  }
}

describe('JsonStore (durable drafts)', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(path.join(os.tmpdir(), 'spawn-store-'))));
  afterEach(() => {
    chmodSync(dir, 0o755);
    rmSync(dir, { recursive: true, force: true });
  });

  it('round-trips records, debounced', () => {
    const clock = new ManualClock();
    const s = new JsonStore<{ n: number }>(dir, { debounceMs: 20, timers: clock });
    s.save('a', { n: 1 });
    s.save('a', { n: 2 });
    s.save('b', { n: 3 });
    assert.deepEqual(clock.pending(), [20, 20], 'one debounced write per record: the second save of a replaced the first');
    clock.advance(19);
    assert.ok(!existsSync(path.join(dir, 'a.json')), 'not written before the debounce');
    clock.advance(1);
    assert.ok(!s.isPending('a') && !s.isPending('b'));
    const { records, setAside } = new JsonStore<{ n: number }>(dir).loadAll();
    assert.deepEqual(Object.fromEntries(records), { a: { n: 2 }, b: { n: 3 } });
    assert.deepEqual(setAside, []);
  });

  it('a crash between write and rename leaves the old content and the stray temp file is cleaned up', () => {
    const file = path.join(dir, 'd.json');
    writeFileAtomic(file, JSON.stringify({ v: 'old' }));
    // A child process writes the temp file and dies (SIGKILL) before renaming it.
    const script = `const fs=require('fs');fs.writeFileSync(${JSON.stringify(file + '.999.1.tmp')}, '{"v":"new"');process.kill(process.pid,'SIGKILL')`;
    const r = spawnSync(process.execPath, ['-e', script]);
    assert.equal(r.signal, 'SIGKILL');
    const { records, setAside } = new JsonStore<{ v: string }>(dir).loadAll();
    assert.deepEqual(records.get('d'), { v: 'old' });
    assert.deepEqual(setAside, []);
    assert.deepEqual(readdirSync(dir), ['d.json']);
  });

  it('a corrupt file is set aside with its reason; the rest is restored', () => {
    writeFileSync(path.join(dir, 'good.json'), JSON.stringify({ ok: true }));
    writeFileSync(path.join(dir, 'bad.json'), '{"truncated": ');
    const { records, setAside } = new JsonStore(dir).loadAll();
    assert.deepEqual([...records.keys()], ['good']);
    assert.equal(setAside.length, 1);
    assert.match(setAside[0]!.reason, /JSON/);
    assert.ok(existsSync(setAside[0]!.movedTo));
    assert.ok(!existsSync(path.join(dir, 'bad.json')));
  });

  it('a failed write is reported once, kept in memory and retried until it succeeds', function () {
    if (process.getuid?.() === 0) {
      // root ignores permissions: simulate a full/readonly disk by putting a file where the folder should be.
      rmSync(dir, { recursive: true, force: true });
      writeFileSync(dir, 'not a folder');
    } else chmodSync(dir, 0o500);
    const errors: string[] = [];
    const clock = new ManualClock();
    const s = new JsonStore<{ n: number }>(dir, { debounceMs: 5, retryMs: 30, onError: (e) => errors.push(e.message), timers: clock });
    s.save('x', { n: 1 });
    clock.advance(5);
    assert.equal(errors.length, 1, 'the failed write is reported');
    assert.deepEqual(clock.pending(), [30], 'and retried after retryMs');
    clock.advance(90);
    assert.equal(errors.length, 1, 'reported once, not on each of the three retries since');
    assert.ok(s.isPending('x'), 'still pending');
    if (process.getuid?.() === 0) {
      rmSync(dir, { force: true });
    } else chmodSync(dir, 0o755);
    clock.advance(30);
    assert.ok(!s.isPending('x'));
    assert.deepEqual(JSON.parse(readFileSync(path.join(dir, 'x.json'), 'utf8')), { n: 1 });
    s.dispose();
  });

  it('enforces record size and count limits, and delete removes a record', () => {
    const s = new JsonStore<string>(dir, { maxRecordBytes: 100, maxRecords: 2 });
    assert.throws(() => s.saveNow('big', 'x'.repeat(200)), /larger than/);
    s.saveNow('a', 'a');
    s.saveNow('b', 'b');
    assert.throws(() => s.saveNow('c', 'c'), /already holds 2/);
    s.saveNow('a', 'a2'); // overwriting is fine
    s.delete('a');
    s.saveNow('c', 'c');
    assert.deepEqual([...s.loadAll().records.keys()].sort(), ['b', 'c']);
    assert.throws(() => s.saveNow('../evil', 'x'), /Invalid record id/);
  });

  it('sets aside a record that parses but is not what the caller expects, keeping its content', () => {
    const s = new JsonStore<unknown>(dir);
    s.saveNow('odd', [1, 2, 3]);
    const moved = s.setAside('odd', 'not a draft');
    assert.equal(moved.reason, 'not a draft');
    assert.match(path.basename(moved.movedTo), /^odd\.json\.corrupt-\d+$/);
    assert.equal(readFileSync(moved.movedTo, 'utf8'), '[1,2,3]');
    assert.deepEqual([...s.loadAll().records.keys()], [], 'set-aside files are not loaded again');
  });

  it('tells a missing folder (nothing saved yet) from one it cannot read', function () {
    assert.deepEqual(new JsonStore(path.join(dir, 'missing')).loadAll(), { records: new Map(), setAside: [] });
    const file = path.join(dir, 'a-file');
    writeFileSync(file, 'x');
    const r = new JsonStore(file).loadAll();
    assert.equal(r.records.size, 0);
    assert.equal((r.error as NodeJS.ErrnoException | undefined)?.code, 'ENOTDIR');
  });

  it('says when a record whose failure it reported is written after all', () => {
    const blocked = path.join(dir, 'sub');
    writeFileSync(blocked, 'a file where the folder should be');
    const events: string[] = [];
    const clock = new ManualClock();
    const s = new JsonStore<number>(blocked, { debounceMs: 1, retryMs: 20, onError: (_e, id) => events.push(`error ${id}`), onRecovered: (id) => events.push(`recovered ${id}`), timers: clock });
    s.save('r', 1);
    clock.advance(41);
    assert.deepEqual(events, ['error r'], 'two retries failed, reported once');
    rmSync(blocked);
    clock.advance(20);
    assert.deepEqual(events, ['error r', 'recovered r']);
    s.dispose();
  });
});
