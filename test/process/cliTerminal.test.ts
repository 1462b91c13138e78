/**
 * Untrusted text on the user's terminal: file names from a folder or a model, findings, an app's output. A name
 * holding an escape sequence (colours, OSC 52, which writes the clipboard) or a bidi override must reach the
 * terminal escaped, never raw, in every line the CLI prints; the JSON lines stay valid and carry the name exactly.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ensureBuilt, NO_VERIFY, runCli } from '../helpers/cli';
import type { CliResult } from '../helpers/cli';
import { FakeAnthropic } from '../fakes/fakeAnthropic';

const RED = '\x1b[31mred.js';
const OSC52 = '\x1b]52;c;aGFjaw==\x07clip.txt';
const BIDI = 'a\u202egnp.js';
const C1 = '\u009b2Jc1.js';

/** Any character a terminal acts on (C0 but tab and line feed, DEL, C1) or that reorders text (bidi controls). */
// eslint-disable-next-line no-control-regex
const RAW = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

function assertNoRaw(r: CliResult): void {
  for (const [name, text] of [['stdout', r.stdout], ['stderr', r.stderr]] as const) {
    const m = RAW.exec(text);
    assert.equal(m, null, `${name} holds a raw U+${m?.[0].charCodeAt(0).toString(16).padStart(4, '0')}: ${JSON.stringify(text)}`);
  }
}

describe('spawn-app CLI: control characters in untrusted text are shown escaped', function () {
  this.timeout(60_000);
  let tmp: string;
  let env: NodeJS.ProcessEnv;
  let fake: FakeAnthropic;
  before(async () => {
    ensureBuilt();
    fake = await FakeAnthropic.start();
  });
  after(async () => fake.close());
  beforeEach(() => {
    fake.reset();
    tmp = mkdtempSync(path.join(os.tmpdir(), 'spawn-cli-term-'));
    // No test here looks at the page: no browser check (the verification suites test it).
    env = { SPAWN_APP_LOCAL_ROOT: path.join(tmp, 'sandboxes'), ...NO_VERIFY };
  });
  afterEach(() => rmSync(tmp, { recursive: true, force: true }));

  const folder = (names: string[], server = "require('http').createServer((q, s) => s.end('x')).listen(process.env.PORT)") => {
    const dir = path.join(tmp, 'app');
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'spawn-app.json'), JSON.stringify({ appType: 'webapp', startCommand: 'node server.js', dependencies: [], port: 3000 }));
    writeFileSync(path.join(dir, 'server.js'), server);
    for (const n of names) writeFileSync(path.join(dir, n), 'x');
    return dir;
  };

  it('file names of a folder: validate and deploy print findings with the names escaped; JSON carries them exactly', async () => {
    const dir = folder([RED, OSC52, BIDI, C1]);
    for (const args of [['validate', dir], ['deploy', dir, '--yes', '--provider', 'local']]) {
      const r = await runCli(args, env);
      assert.equal(r.code, 3, r.stdout + r.stderr);
      assertNoRaw(r);
      assert.ok(r.stderr.includes('\\x1b[31mred.js'), r.stderr);
      assert.ok(r.stderr.includes('\\x1b]52;c;aGFjaw==\\x07clip.txt'), r.stderr);
    }
    const j = await runCli(['validate', dir, '--json'], env);
    assert.equal(j.code, 3);
    assertNoRaw(j);
    const paths = j.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>).filter((e) => e.event === 'finding').map((e) => e.path);
    assert.ok(paths.includes(RED) && paths.includes(OSC52) && paths.includes(C1), JSON.stringify(paths));
  });

  it('a binary file named with an escape sequence: the error sentence shows the name escaped', async () => {
    const dir = folder([]);
    writeFileSync(path.join(dir, OSC52), Buffer.from([0xff, 0xfe, 0]));
    const r = await runCli(['validate', dir], env);
    assert.equal(r.code, 2, r.stderr);
    assertNoRaw(r);
    assert.match(r.stderr, /\\x1b\]52;c;aGFjaw==\\x07clip\.txt is a binary file/);
  });

  it('file names from the model: the "+ path" lines and the findings are escaped', async () => {
    fake.enqueue({
      kind: 'ok',
      spec: {
        appType: 'webapp',
        startCommand: 'node server.js',
        dependencies: [],
        port: 3000,
        files: [
          { path: 'server.js', content: "require('http').createServer((q, s) => s.end('x')).listen(process.env.PORT)" },
          { path: RED, content: 'x' },
          { path: OSC52, content: 'x' },
          { path: BIDI, content: 'x' },
        ],
      },
    });
    const r = await runCli(['generate', 'a todo list', '--generator', 'claude', '--out', path.join(tmp, 'out')], { ...env, ANTHROPIC_API_KEY: 'x', ANTHROPIC_BASE_URL: fake.url });
    assert.equal(r.code, 3, r.stdout + r.stderr);
    assertNoRaw(r);
    assert.match(r.stderr, /^ {2}\+ a\\u202egnp\.js$/m);
    assert.match(r.stderr, /^ {2}\+ \\x1b\]52;c;aGFjaw==\\x07clip\.txt$/m);
  });

  it("the app's own output (an OSC 52 clipboard write, a screen clear) reaches the terminal escaped", async () => {
    const dir = folder([], "process.stdout.write('\\x1b]52;c;aGFjaw==\\x07\\x1b[2J\\u202epwned\\n'); process.exit(1)");
    const r = await runCli(['deploy', dir, '--yes', '--provider', 'local'], env);
    assert.equal(r.code, 5, r.stdout + r.stderr);
    assertNoRaw(r);
    assert.ok(r.stderr.includes('\\x1b]52;c;aGFjaw==\\x07\\x1b[2J\\u202epwned'), r.stderr);
  });
});
