import { strict as assert } from 'node:assert';
import { changesWhatRuns, diffSpecs, sameDependencies } from '../../src/core/workspace/specDiff';
import { mergeAccepted, mergeConflicts, mergeFiles } from '../../src/core/workspace/merge';
import type { AppSpec } from '../../src/core/app/spec';
import { SpawnError } from '../../src/core/base/errors';

function spec(files: Record<string, string>, extra: Partial<AppSpec> = {}): AppSpec {
  return { appType: 'webapp', startCommand: 'node server.js', port: 3000, dependencies: [], files: Object.entries(files).map(([path, content]) => ({ path, content })), ...extra };
}

const files = (s: AppSpec) => Object.fromEntries(s.files.map((f) => [f.path, f.content]));

describe('merge: an accepted change on top of the files now', () => {
  const base = spec({ 'server.js': 's1', 'public/index.html': 'h1', 'public/app.js': 'a1', 'README.md': 'r1' });

  it('mergeFiles applies changes, additions and deletions and keeps every other file as it is now', () => {
    const proposed = spec({ 'server.js': 's2', 'public/index.html': 'h1', 'public/app.js': 'a1', 'public/new.css': 'c' });
    const now = spec({ 'server.js': 's1', 'public/index.html': 'h1-user', 'public/app.js': 'a1', 'README.md': 'r1', 'notes.txt': 'mine' });
    const merged = mergeFiles(now, proposed, diffSpecs(base, proposed));
    assert.deepEqual(files({ ...now, files: merged }), { 'server.js': 's2', 'public/index.html': 'h1-user', 'public/app.js': 'a1', 'notes.txt': 'mine', 'public/new.css': 'c' });
  });

  it('mergeFiles does not add a file twice when the user added the same path', () => {
    const proposed = spec({ ...files(base), 'x.txt': 'claude' });
    const now = spec({ ...files(base), 'x.txt': 'user' });
    const merged = mergeFiles(now, proposed, diffSpecs(base, proposed));
    assert.equal(merged.filter((f) => f.path === 'x.txt').length, 1);
  });

  it('mergeAccepted keeps a newer edit of an untouched file and takes a new start command and dependencies', () => {
    const proposed = spec({ ...files(base), 'server.js': 's2' }, { startCommand: 'node main.js', dependencies: ['express'] });
    const now = spec({ ...files(base), 'README.md': 'r2' });
    const out = mergeAccepted(base, proposed, now);
    assert.equal(files(out)['server.js'], 's2');
    assert.equal(files(out)['README.md'], 'r2');
    assert.equal(out.startCommand, 'node main.js');
    assert.deepEqual(out.dependencies, ['express']);
  });

  it('mergeAccepted keeps the user’s manifest when the proposal leaves it alone', () => {
    const proposed = spec({ ...files(base), 'server.js': 's2' });
    const now = spec(files(base), { startCommand: 'node server.js --verbose' });
    assert.equal(mergeAccepted(base, proposed, now).startCommand, 'node server.js --verbose');
  });

  it('refuses, naming the file, when the proposal touches a file the user changed since', () => {
    const proposed = spec({ ...files(base), 'public/app.js': 'a2' });
    const now = spec({ ...files(base), 'public/app.js': 'a1-user' });
    assert.deepEqual(mergeConflicts(base, proposed, now), ['public/app.js']);
    assert.throws(() => mergeAccepted(base, proposed, now), (e: unknown) => e instanceof SpawnError && e.code === 'usage' && /^public\/app\.js changed while Claude's change was open/.test(e.message));
  });

  it('refuses when both changed the manifest (start command or dependencies)', () => {
    const proposed = spec(files(base), { dependencies: ['express'] });
    const now = spec(files(base), { startCommand: 'node other.js' });
    assert.deepEqual(mergeConflicts(base, proposed, now), ['spawn-app.json']);
    assert.deepEqual(mergeConflicts(base, proposed, spec(files(base))), [], 'no drift: no conflict');
  });
});

describe('dependency comparison (one, in the core)', () => {
  it('ignores order and duplicates, not versions', () => {
    assert.equal(sameDependencies(['express', 'ws'], ['ws', 'express']), true);
    assert.equal(sameDependencies(['express'], ['express', 'express']), true);
    assert.equal(sameDependencies(['express@4'], ['express@5']), false);
    assert.equal(sameDependencies([], ['ws']), false);
  });

  it('changesWhatRuns: another start command or other dependencies (not a reordering)', () => {
    const a = spec({}, { dependencies: ['a', 'b'] });
    assert.equal(changesWhatRuns(a, spec({}, { dependencies: ['b', 'a'] })), false);
    assert.equal(changesWhatRuns(a, spec({}, { dependencies: ['a', 'b'], startCommand: 'node x.js' })), true);
    assert.equal(changesWhatRuns(a, spec({}, { dependencies: ['a', 'b', 'c'] })), true);
  });
});
