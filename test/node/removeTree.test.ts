import { strict as assert } from 'node:assert';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { removeTree } from '../../src/core/base/noFollow';

describe('removeTree: a folder the app could write, removed without following a link', () => {
  let tmp: string;
  beforeEach(() => (tmp = mkdtempSync(path.join(os.tmpdir(), 'remove-tree-'))));
  afterEach(() => rmSync(tmp, { recursive: true, force: true }));

  it('nothing there, not even the folder that would hold it (a root with no .data yet): nothing to do', () => {
    // The bug: a stale local sandbox's cleanup threw ENOENT when the root had no data folder yet.
    assert.doesNotThrow(() => removeTree(path.join(tmp, '.data', 'local-x')));
    assert.doesNotThrow(() => removeTree(path.join(tmp, 'none')));
  });

  it('removes the folder and what is in it; a link inside goes, not what it points to', () => {
    const outside = path.join(tmp, 'outside.txt');
    writeFileSync(outside, 'keep');
    const target = path.join(tmp, 'data', 'app');
    mkdirSync(path.join(target, 'deep'), { recursive: true });
    writeFileSync(path.join(target, 'deep', 'notes.json'), '[]');
    symlinkSync(outside, path.join(target, 'link'));
    removeTree(target);
    assert.equal(existsSync(target), false);
    assert.equal(existsSync(outside), true);
  });
});
