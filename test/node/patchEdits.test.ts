/** A model's edits (find → replace) made into whole files before anything else sees the patch (core/workspace/patch.ts). */
import assert from 'node:assert/strict';
import { parseSpec } from '../../src/core/app/spec';
import { patchFromToolInput } from '../../src/core/generate/prompts';
import { parsePatch, patchWithEdits } from '../../src/core/workspace/patch';
import type { SpawnEvent } from '../../src/core/base/events';

const spec = parseSpec({
  appType: 'webapp',
  startCommand: 'node server.js',
  dependencies: [],
  port: 3000,
  files: [
    { path: 'app.js', content: 'const a = 1;\nundefinedFunction();\nconst b = 2;\n' },
    { path: 'style.css', content: 'body { color: red; }\nh1 { color: red; }\n' },
  ],
});
const input = (o: object) => JSON.stringify({ changes: [], deletions: [], ...o });

describe('edits in a patch', () => {
  it('each edit replaces the one place its text occurs; the patch holds whole files, as every patch', () => {
    const p = patchFromToolInput(input({ summary: 's', edits: [{ path: 'app.js', find: 'undefinedFunction();\n', replace: 'greet();\n' }, { path: './app.js', find: 'const b = 2;', replace: 'const b = 3;' }] }), spec);
    assert.deepEqual(p, { summary: 's', deletions: [], changes: [{ path: 'app.js', content: 'const a = 1;\ngreet();\nconst b = 3;\n' }] });
    assert.ok(!('edits' in p));
  });

  it('an edit of a file the same answer rewrote applies to the rewrite', () => {
    const p = patchFromToolInput(input({ changes: [{ path: 'app.js', content: 'x();\n' }], edits: [{ path: 'app.js', find: 'x', replace: 'y' }] }), spec);
    assert.deepEqual(p.changes, [{ path: 'app.js', content: 'y();\n' }]);
  });

  it('a find that is missing, repeated or empty, or a file the app lacks, is one sentence the model can act on', () => {
    const bad = (edit: object) => () => patchFromToolInput(input({ edits: [edit] }), spec);
    assert.throws(bad({ path: 'app.js', find: 'missing()', replace: '' }), { name: 'TypeError', message: /edits\[0\]\.find does not occur in app\.js: copy the text exactly/ });
    assert.throws(bad({ path: 'style.css', find: 'color: red;', replace: 'color: blue;' }), { name: 'TypeError', message: /occurs more than once in style\.css: include more of the lines around it/ });
    assert.throws(bad({ path: 'app.js', find: '', replace: 'x' }), { name: 'TypeError', message: /edits\[0\]\.find is empty/ });
    assert.throws(bad({ path: 'new.js', find: 'a', replace: 'b' }), { name: 'TypeError', message: /which the app does not have: give a new file's whole content in changes/ });
    assert.throws(bad({ path: '../etc/passwd', find: 'a', replace: 'b' }), { name: 'TypeError', message: /An edit's path is refused/ });
    assert.throws(() => parsePatch({ changes: [], edits: [{ path: 'a', find: 1 }] }), /edits\[0\] must have a string path, find and replace/);
  });

  it('a find copied with [redacted] (how the model was sent a secret) matches the value; a [redacted] the replace keeps is that value', () => {
    const v = 'value-of-the-key';
    const app = parseSpec({ appType: 'webapp', startCommand: 'node server.js', dependencies: [], port: 3000, files: [{ path: 'app.js', content: `a("${v}");\nb("${v}");\n` }] });
    const p = patchFromToolInput(input({ edits: [{ path: 'app.js', find: 'a("[redacted]");', replace: 'a(process.env.KEY ?? "[redacted]");' }] }), app, { KEY: v });
    assert.deepEqual(p.changes, [{ path: 'app.js', content: `a(process.env.KEY ?? "${v}");\nb("${v}");\n` }]);
    assert.throws(() => patchFromToolInput(input({ edits: [{ path: 'app.js', find: '("[redacted]");', replace: '' }] }), app, { KEY: v }), /occurs more than once/);
    assert.throws(() => patchFromToolInput(input({ edits: [{ path: 'app.js', find: 'a("[redacted]");', replace: '' }] }), app), /does not occur/, 'without the secrets, nothing stands for [redacted]');
  });

  it('a file the same answer both changes (an edit or its whole content) and deletes is one sentence, not a change lost', () => {
    assert.throws(() => patchFromToolInput(input({ edits: [{ path: 'app.js', find: 'const a = 1;', replace: 'const a = 2;' }], deletions: ['./app.js'] }), spec), {
      name: 'TypeError',
      message: /edits\[0\] changes app\.js, which the same answer deletes: keep the file or delete it, not both\./,
    });
    assert.throws(() => patchFromToolInput(input({ changes: [{ path: 'style.css', content: 'x' }], deletions: ['style.css'] }), spec), {
      name: 'TypeError',
      message: /changes\[0\] writes style\.css, which the same answer deletes: keep the file or delete it, not both\./,
    });
  });

  it('a file an edit changed is announced as the streamed ones are (a file event with its whole content, the secrets redacted)', () => {
    const v = 'value-of-the-key';
    const app = parseSpec({ appType: 'webapp', startCommand: 'node server.js', dependencies: [], port: 3000, files: [{ path: 'app.js', content: `a("${v}");\nb();\n` }, { path: 'b.js', content: 'old' }] });
    const events: SpawnEvent[] = [];
    const json = input({ changes: [{ path: 'new.js', content: 'n' }], edits: [{ path: 'app.js', find: 'b();', replace: 'c();' }, { path: './app.js', find: 'c();', replace: 'd();' }] });
    patchFromToolInput(json, app, { KEY: v }, (e) => events.push(e));
    assert.deepEqual(events, [
      { event: 'file', path: 'app.js', status: 'started' },
      { event: 'file', path: 'app.js', status: 'complete', content: 'a("[redacted]");\nd();\n' },
    ], 'one pair per edited file (new.js streamed already), none for a failed answer');
    assert.throws(() => patchFromToolInput(input({ edits: [{ path: 'app.js', find: 'zzz', replace: '' }] }), app, {}, (e) => events.push(e)));
    assert.equal(events.length, 2);
  });

  it('a patch without edits is as it was', () => {
    const p = parsePatch({ changes: [{ path: 'a', content: 'b' }] });
    assert.deepEqual(patchWithEdits(spec, p), { changes: [{ path: 'a', content: 'b' }], deletions: [], edited: [] });
  });
});
