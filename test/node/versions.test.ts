import assert from 'node:assert/strict';
import type { AppVersion } from '../../src/core/app/versions';
import { addVersion, compareFiles, parseVersions, sameFiles, screenshotsOf, versionTitle } from '../../src/core/app/versions';

const files = (n: string) => [
  { path: 'spawn-app.json', content: '{}' },
  { path: 'index.html', content: `<h1>${n}</h1>` },
];

function build(kinds: AppVersion['kind'][]): AppVersion[] {
  let list: AppVersion[] = [];
  kinds.forEach((kind, i) => (list = addVersion(list, { kind, label: kind, at: i, files: files(String(i)) }).versions));
  return list;
}

describe('versions', () => {
  it('numbers versions and keeps files sorted; the same files as the latest add nothing', () => {
    const a = addVersion([], { kind: 'generated', label: 'a calculator', at: 1, files: [...files('a')].reverse() });
    assert.equal(a.added, true);
    assert.equal(a.version.id, 1);
    assert.deepEqual(a.version.files.map((f) => f.path), ['index.html', 'spawn-app.json']);
    const same = addVersion(a.versions, { kind: 'edited', label: 'Your edits', at: 2, files: files('a') });
    assert.equal(same.added, false);
    assert.equal(same.changed, false);
    assert.equal(same.versions.length, 1);
    const b = addVersion(a.versions, { kind: 'refined', label: 'make it blue', at: 3, files: files('b') });
    assert.equal(b.version.id, 2);
    assert.equal(versionTitle(b.version), 'v2 · refined');
  });

  it('a deploy of the latest files stamps it; a deployed state after a deployed state replaces it under its number', () => {
    let list = build(['generated']);
    const d = addVersion(list, { kind: 'deployed', label: 'Deployed', at: 10, files: list[0]!.files });
    assert.equal(d.added, false);
    assert.equal(d.changed, true);
    assert.equal(d.versions[0]!.deployedAt, 10);
    list = addVersion(d.versions, { kind: 'deployed', label: 'Deployed', at: 11, files: files('save 1') }).versions;
    list = addVersion(list, { kind: 'deployed', label: 'Deployed', at: 12, files: files('save 2') }).versions;
    assert.deepEqual(list.map((v) => [v.id, v.kind]), [[1, 'generated'], [2, 'deployed']]);
    assert.equal(list[1]!.files[0]!.content, '<h1>save 2</h1>');
    list = addVersion(list, { kind: 'refined', label: 'x', at: 13, files: files('r') }).versions;
    assert.equal(list.at(-1)!.id, 3);
  });

  it('a deploy that finished after a refine (a hot redeploy of the files before it) does not hide the refine: its deploy stamps it', () => {
    let list = build(['generated']);
    list = addVersion(list, { kind: 'refined', label: 'add a tagline', at: 20, files: files('refined') }).versions;
    // The save's hot redeploy (older files) reports after the refined version was recorded…
    list = addVersion(list, { kind: 'deployed', label: 'Deployed', at: 21, files: files('saved') }).versions;
    // …then the refine's own redeploy of the refined files.
    const r = addVersion(list, { kind: 'deployed', label: 'Deployed', at: 22, files: files('refined') });
    assert.deepEqual(r.versions.map((v) => [v.id, v.kind]), [[1, 'generated'], [2, 'refined']]);
    assert.equal(r.versions.at(-1)!.deployedAt, 22);
    assert.equal(r.version.id, 2);
  });

  it('a deployed version keeps what its verification found and its screenshot\'s name, back from the draft record; a name that is a path is dropped', () => {
    const check = { state: 'problems' as const, summary: '1 problem found (412 ms)', problems: ['Uncaught TypeError: x is undefined (app.js:3)'], screenshot: '1733550000000.png' };
    const list = addVersion(build(['generated']), { kind: 'deployed', label: 'Deployed', at: 30, files: files('0'), check }).versions;
    assert.deepEqual(list[0]!.check, check, 'a deploy of the same files stamps the version with its check');
    const back = parseVersions(JSON.parse(JSON.stringify(list)));
    assert.deepEqual(back[0]!.check, check);
    assert.deepEqual([...screenshotsOf(back)], ['1733550000000.png']);
    for (const screenshot of ['../../escape.png', '/etc/x.png', 'a/b.png', 'x.txt']) {
      const bad = parseVersions(JSON.parse(JSON.stringify([{ ...list[0], check: { ...check, screenshot } }])));
      assert.equal(bad.length, 1, 'the version is kept');
      assert.equal(bad[0]!.check, undefined, `a check naming ${screenshot} is dropped`);
    }
  });

  it('keeps at most the cap (always the first), and within a byte budget (the oldest first)', () => {
    const list = build(Array.from({ length: 20 }, (_, i) => (i === 0 ? 'generated' : i % 2 ? 'refined' : 'edited')));
    assert.equal(list.length, 20);
    const capped = addVersion(list, { kind: 'fixed', label: 'x', at: 99, files: files('new') }, { maxVersions: 20 }).versions;
    assert.equal(capped.length, 20);
    assert.equal(capped[0]!.kind, 'generated');
    assert.equal(capped.at(-1)!.id, 21, 'numbers are never reused');
    assert.equal(capped[1]!.id, 3, 'the oldest after the first went');
    const big = (c: string) => [{ path: 'a', content: c.repeat(1000) }];
    let small: AppVersion[] = [];
    for (const c of 'abcdef') small = addVersion(small, { kind: 'edited', label: c, at: 0, files: big(c) }, { maxBytes: 3500 }).versions;
    assert.deepEqual(small.map((v) => v.label), ['d', 'e', 'f']);
    const huge = addVersion(small, { kind: 'edited', label: 'g', at: 0, files: big('g'.repeat(4)) }, { maxBytes: 3500 }).versions;
    assert.deepEqual(huge, [], 'an app bigger than the budget on its own keeps no history');
  });

  it('reads persisted versions back, dropping malformed ones', () => {
    const good = build(['generated', 'refined']);
    const parsed = parseVersions([...good, { id: 'x' }, null, { id: 9, kind: 'nope', at: 1, files: [] }, { id: 1, kind: 'edited', at: 1, files: [] }, { id: 7, kind: 'fixed', at: 1, files: [{ path: 1 }] }]);
    assert.deepEqual(parsed, good);
    assert.deepEqual(parseVersions('junk'), []);
  });

  it('compares file lists', () => {
    assert.deepEqual(compareFiles(files('a'), [...files('b'), { path: 'new.js', content: '' }].slice(1)), { added: ['new.js'], changed: ['index.html'], deleted: ['spawn-app.json'] });
    assert.equal(sameFiles(files('a'), [...files('a')].reverse()), true);
    assert.equal(sameFiles(files('a'), files('b')), false);
  });
});
