import assert from 'node:assert/strict';
import { FileStreamExtractor } from '../../src/core/generate/fileStreamExtractor';

interface Seen {
  kind: 'started' | 'complete';
  path: string;
  content?: string;
  /** Characters pushed when the event fired. */
  at: number;
}

function run(json: string, chunkSize: number): Seen[] {
  const seen: Seen[] = [];
  const x: FileStreamExtractor = new FileStreamExtractor({
    onStarted: (f) => seen.push({ kind: 'started', path: f.path, at: x.length }),
    onComplete: (f) => seen.push({ kind: 'complete', path: f.path, content: f.content, at: x.length }),
  });
  for (let i = 0; i < json.length; i += chunkSize) x.push(json.slice(i, i + chunkSize));
  return seen;
}

const tricky = {
  appType: 'webapp',
  title: 'A "quoted" {title} with [brackets], commas and \\ backslashes',
  files: [
    { path: 'index.html', content: '<h1 class="x">Hi {there}</h1>\n<script>const a = ["]", "}"];</script>\n' },
    { path: 'dir/ünï/app.js', content: 'console.log("tab\\there", \'\\u00e9\', "emoji 😀 ✓", "\\\\");\r\n' },
    { path: 'empty.txt', content: '' },
  ],
  startCommand: 'node server.js',
  dependencies: ['a', 'b'],
  port: 3000,
};

describe('FileStreamExtractor (incremental tool-JSON scanner)', () => {
  it('finds every file with its exact content, whatever the chunk boundaries', () => {
    const json = JSON.stringify(tricky);
    const ascii = JSON.stringify(tricky).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
    for (const text of [json, ascii, JSON.stringify(tricky, null, 2)]) {
      for (const size of [1, 2, 3, 5, 7, 16, 64, text.length]) {
        const seen = run(text, size);
        const complete = seen.filter((s) => s.kind === 'complete');
        assert.deepEqual(complete.map((s) => [s.path, s.content]), tricky.files.map((f) => [f.path, f.content]), `chunk ${size}`);
        assert.deepEqual(seen.filter((s) => s.kind === 'started').map((s) => s.path), tricky.files.map((f) => f.path));
      }
    }
  });

  it('reports a file as started once its path is closed and complete once its content is, before the JSON ends', () => {
    const json = JSON.stringify(tricky);
    const seen = run(json, 4);
    const first = seen.find((s) => s.kind === 'complete' && s.path === 'index.html')!;
    assert.ok(first.at < json.indexOf('dir/ünï/app.js'), 'index.html is complete before the next file starts');
    const started = seen.find((s) => s.kind === 'started' && s.path === 'index.html')!;
    assert.ok(started.at < json.indexOf('<h1'), 'started before its content arrives');
  });

  it('handles content before path, extra fields and nested values inside a file', () => {
    const json = JSON.stringify({ files: [{ content: 'X', meta: { path: 'not-this', list: ['"', '{'] }, path: 'late.txt' }, { path: 'b', mode: [1, { content: 'no' }], content: 'B' }] });
    const seen = run(json, 3);
    assert.deepEqual(seen.map((s) => `${s.kind}:${s.path}:${s.content ?? ''}`), ['started:late.txt:', 'complete:late.txt:X', 'started:b:', 'complete:b:B']);
  });

  it('ignores look-alikes outside the top-level files array', () => {
    const json = JSON.stringify({ notFiles: [{ path: 'a', content: 'a' }], nested: { files: [{ path: 'b', content: 'b' }] }, files: [] });
    assert.deepEqual(run(json, 2), []);
  });

  it('reports only what has arrived when the JSON is cut off, and known() lists it', () => {
    const json = JSON.stringify(tricky);
    const cut = json.slice(0, json.indexOf('console.log') + 5);
    const x = new FileStreamExtractor();
    x.push(cut);
    assert.deepEqual(x.known(), [
      { index: 0, path: 'index.html', content: tricky.files[0]!.content },
      { index: 1, path: 'dir/ünï/app.js' },
    ]);
  });

  // Its speed (linear: well under a second) is measured by `npm run bench` (no wall-clock bound in a unit test).
  it('a 2 MB tool input in 40-character chunks: every file completes', () => {
    const big = { appType: 'webapp', files: Array.from({ length: 50 }, (_, i) => ({ path: `f${i}.js`, content: `// ${'x'.repeat(40_000)}\n"quote" \\ \n` })) };
    const json = JSON.stringify(big);
    const seen = run(json, 40);
    assert.equal(seen.filter((s) => s.kind === 'complete').length, 50);
  });
});
