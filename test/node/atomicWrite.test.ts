import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeFileAtomic } from '../../src/core/base/atomicWrite';

describe('writeFileAtomic: the one atomic writer', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'spawn-atomic-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('replaces the content whole, with exactly the mode asked for, and leaves no temp file', () => {
    const file = path.join(dir, 'spend.json');
    writeFileAtomic(file, 'old', { mode: 0o644 });
    writeFileAtomic(file, 'new', { mode: 0o600 });
    assert.equal(readFileSync(file, 'utf8'), 'new');
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.deepEqual(readdirSync(dir), ['spend.json']);
  });

  it('replaces a link at the name instead of writing through it', () => {
    const target = path.join(dir, 'elsewhere');
    writeFileSync(target, 'theirs');
    const file = path.join(dir, 'record.json');
    symlinkSync(target, file);
    writeFileAtomic(file, 'ours');
    assert.equal(readFileSync(target, 'utf8'), 'theirs');
    assert.equal(readFileSync(file, 'utf8'), 'ours');
  });

  it('on a failed rename (a folder at the name) throws, keeps what was there and removes its temp file', () => {
    const file = path.join(dir, 'taken');
    mkdirSync(file);
    writeFileSync(path.join(file, 'inside'), 'x');
    assert.throws(() => writeFileAtomic(file, 'data'));
    assert.ok(statSync(file).isDirectory());
    assert.deepEqual(readdirSync(dir), ['taken']);
  });

  it('writes a file whose name is up to 255 bytes long in any script (the temp name stays within the limit)', () => {
    for (const name of ['é'.repeat(127), 'あ'.repeat(85), 'a'.repeat(255)]) {
      writeFileAtomic(path.join(dir, name), name);
      assert.equal(readFileSync(path.join(dir, name), 'utf8'), name);
    }
    assert.equal(readdirSync(dir).filter((n) => n.endsWith('.tmp')).length, 0);
  });
});
