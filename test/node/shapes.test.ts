import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FileSpendStore } from '../../src/core/deploy/budget';
import { draftProblem } from '../../src/core/workspace/draft';
import { parsePatch } from '../../src/core/workspace/patch';
import { parseSpec } from '../../src/core/app/spec';
import { parseVersions } from '../../src/core/app/versions';
import { parseFromWebview } from '../../src/vscode/webview/messages';

/** Each on-disk or wire shape has one schema; a bad shape is one sentence, never zod's text. */
describe('shapes: one schema each, one sentence for a bad one', () => {
  const spec = { appType: 'webapp', files: [{ path: 'index.html', content: 'x' }], startCommand: 'node server.js' };
  const throwsSentence = (fn: () => unknown, sentence: string) => assert.throws(fn, (e: unknown) => e instanceof TypeError && e.message === sentence);

  it('the manifest / app spec: the first problem, in the order a reader expects', () => {
    throwsSentence(() => parseSpec(null), 'The app spec must be a JSON object.');
    throwsSentence(() => parseSpec([]), 'The app spec must be a JSON object.');
    throwsSentence(() => parseSpec({ ...spec, appType: 'nope', files: 1 }), 'appType must be one of webapp, react, api, script, python-api, streamlit.');
    throwsSentence(() => parseSpec({ ...spec, files: 'x' }), 'files must be an array of {path, content}.');
    throwsSentence(() => parseSpec({ ...spec, files: [null] }), 'files[0] must be an object with path and content.');
    throwsSentence(() => parseSpec({ ...spec, files: [{ path: 'a', content: 'b' }, { path: 2, content: 'b' }] }), 'files[1].path must be a string.');
    throwsSentence(() => parseSpec({ ...spec, startCommand: '  ' }), 'startCommand must be a non-empty string.');
    throwsSentence(() => parseSpec({ ...spec, port: 70000 }), 'port must be an integer between 1 and 65535.');
    throwsSentence(() => parseSpec({ ...spec, dependencies: ['a', 3] }), 'dependencies[1] must be a string.');
    throwsSentence(() => parseSpec({ ...spec, dependencies: 'express' }), 'dependencies must be an array of package names.');
    const ok = parseSpec({ ...spec, dependencies: { express: '^4', lodash: '*' }, title: '  T  ', extra: 1 });
    assert.deepEqual(ok, { appType: 'webapp', files: [{ path: 'index.html', content: 'x' }], startCommand: 'node server.js', dependencies: ['express@^4', 'lodash'], port: 3000, title: 'T' });
  });

  it('a patch', () => {
    throwsSentence(() => parsePatch('x'), 'The patch must be an object.');
    throwsSentence(() => parsePatch({}), 'changes must be an array of {path, content}.');
    throwsSentence(() => parsePatch({ changes: [{ path: 'a' }] }), 'changes[0] must have a string path and content.');
    throwsSentence(() => parsePatch({ changes: [], deletions: [1] }), 'deletions must be an array of paths.');
    assert.deepEqual(parsePatch({ changes: [{ path: 'a', content: 'b' }], startCommand: 3, dependencies: ['x', 1] }), { changes: [{ path: 'a', content: 'b' }], deletions: [], dependencies: ['x'] });
  });

  it('a draft record says why it cannot be restored; versions drop what is malformed', () => {
    assert.equal(draftProblem(7), 'not a Spawn App draft (not a JSON object)');
    assert.equal(draftProblem({ name: '' }), 'not a Spawn App draft (no app name)');
    assert.equal(draftProblem({ name: 'a' }), 'the draft a has no file list');
    assert.equal(draftProblem({ name: 'a', files: [{ path: 'x', content: 'y' }, { path: 'z' }] }), 'file 2 of the draft a is not a {path, content} pair');
    assert.equal(draftProblem({ name: 'a', files: [] }), undefined);
    const good = { id: 1, kind: 'generated', label: 'x', at: 5, files: [{ path: 'b', content: '' }, { path: 'a', content: '' }] };
    const versions = parseVersions([good, { ...good, id: 1 }, { ...good, id: 2, kind: 'nope' }, { ...good, id: 3, files: [{ path: 1 }] }, { ...good, id: 0 }, null]);
    assert.deepEqual(versions, [{ id: 1, kind: 'generated', label: 'x', at: 5, files: [{ path: 'a', content: '' }, { path: 'b', content: '' }] }]);
  });

  it('the spend file: a wrong shape reads as no record', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'spawn-shapes-'));
    try {
      const file = path.join(dir, 'spend.json');
      writeFileSync(file, JSON.stringify({ day: '2026-12-07', usd: '3' }));
      assert.equal(new FileSpendStore(file).load(), undefined);
      writeFileSync(file, JSON.stringify({ day: '2026-12-07', usd: 3 }));
      assert.deepEqual(new FileSpendStore(file).load(), { day: '2026-12-07', usd: 3, unknown: 0, warned: false, capped: false });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the webview’s messages: only the two it may send', () => {
    assert.deepEqual(parseFromWebview({ type: 'ready', extra: 1 }), { type: 'ready' });
    assert.deepEqual(parseFromWebview({ type: 'action', action: 'reload' }), { type: 'action', action: 'reload' });
    assert.equal(parseFromWebview({ type: 'action', action: 'rm -rf' }), undefined);
    assert.equal(parseFromWebview('ready'), undefined);
    assert.equal(parseFromWebview(null), undefined);
  });
});
