/**
 * `spawn-app generate --generator claude` as a real child process (the built dist/cli.js) against the fake
 * Messages API: streamed file events, files on disk, tokens and cost, each fault's exit code, SIGINT, and
 * hostile paths that never reach the disk.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ensureBuilt, NO_VERIFY, runCli, startCli } from '../helpers/cli';
import { DEFAULT_WEBAPP, FakeAnthropic } from '../fakes/fakeAnthropic';
import type { Scenario, ScenarioKind } from '../fakes/fakeAnthropic';
import { until } from '../helpers/poll';

type Ev = Record<string, unknown>;
const parseLines = (stdout: string): Ev[] => stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Ev);

describe('spawn-app generate --generator claude (real process ↔ fake Messages API)', function () {
  this.timeout(60_000);
  let fake: FakeAnthropic;
  let tmp: string;
  let out: string;
  let env: NodeJS.ProcessEnv;
  before(async () => {
    ensureBuilt();
    fake = await FakeAnthropic.start();
  });
  after(async () => fake.close());
  beforeEach(() => {
    fake.reset();
    tmp = mkdtempSync(path.join(os.tmpdir(), 'spawn-cli-claude-'));
    out = path.join(tmp, 'deep', 'out');
    // No test here looks at the page: no browser check (the verification suites test it).
    env = { ANTHROPIC_API_KEY: 'x', ANTHROPIC_BASE_URL: fake.url, SPAWN_APP_LOCAL_ROOT: path.join(tmp, 'sandboxes'), ...NO_VERIFY };
  });
  afterEach(() => rmSync(tmp, { recursive: true, force: true }));
  const nothingWritten = () => !existsSync(out) || readdirSync(out).length === 0;
  const args = (...extra: string[]) => ['generate', 'a todo list', '--generator', 'claude', '--out', out, ...extra];

  it('streams file events before the response ends, writes the files, reports tokens and cost (the issue\'s Done-when)', async () => {
    fake.enqueue({ kind: 'slow', chunkDelayMs: 10, chunkSize: 48 });
    const cli = startCli(args('--json'), env);
    const firstComplete = await cli.waitFor((e) => e.event === 'file' && e.status === 'complete');
    assert.equal(fake.responses[0]?.endedAt, undefined, 'the first file arrived while the fake was still streaming');
    assert.equal(firstComplete.path, 'index.html');
    const r = await cli.done;
    assert.equal(r.code, 0, r.stderr);
    const events = parseLines(r.stdout);
    const files = events.filter((e) => e.event === 'file');
    assert.deepEqual(files.map((e) => `${e.status}:${e.path}`), DEFAULT_WEBAPP.files.flatMap((f) => [`started:${f.path}`, `complete:${f.path}`]));
    for (const f of files.filter((e) => e.status === 'complete')) {
      assert.equal(f.bytes, Buffer.byteLength(DEFAULT_WEBAPP.files.find((x) => x.path === f.path)!.content));
    }
    const usage = fake.responses[0]!.usage!;
    const cost = events.find((e) => e.event === 'cost');
    assert.deepEqual(cost, { event: 'cost', kind: 'generation', model: 'claude-haiku-4-5', inputTokens: usage.input_tokens, outputTokens: usage.output_tokens, usd: (usage.input_tokens + usage.output_tokens * 5) / 1e6 });
    const order = events.map((e) => (e.event === 'phase' ? `${e.phase}:${e.status}` : String(e.event)));
    assert.ok(order.indexOf('generate:finished') > order.lastIndexOf('file'), order.join(' '));
    for (const f of DEFAULT_WEBAPP.files) assert.equal(readFileSync(path.join(out, f.path), 'utf8'), f.content);
    const manifest = JSON.parse(readFileSync(path.join(out, 'spawn-app.json'), 'utf8'));
    assert.equal(manifest.generator, 'claude');
    assert.equal(manifest.startCommand, 'node server.js');
    assert.equal(fake.messageRequests()[0]!.apiKey, 'x');
  });

  it('prints short human lines without --json, and CLAUDE_API_KEY works too', async () => {
    const r = await runCli(args(), { ...env, ANTHROPIC_API_KEY: '', CLAUDE_API_KEY: 'seed-key' });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /\+ index\.html/);
    assert.match(r.stderr, /claude-haiku-4-5: \d+ input \+ \d+ output tokens, \$0\.\d+/);
    assert.match(r.stderr, /Wrote 3 files/);
    assert.equal(fake.messageRequests()[0]!.apiKey, 'seed-key');
  });

  it('a hostile path from the model never reaches the disk: exit 3, the out folder holds nothing', async () => {
    fake.enqueue('hostile');
    const r = await runCli(args('--json'), env);
    assert.equal(r.code, 3, r.stdout + r.stderr);
    const events = parseLines(r.stdout);
    const rules = events.filter((e) => e.event === 'finding' && e.severity === 'error').map((e) => e.rule);
    assert.deepEqual(rules.sort(), ['path.absolute', 'path.traversal']);
    assert.deepEqual(events.at(-1), { event: 'error', code: 'blocked', message: 'Nothing was written: the generated app failed validation.' });
    assert.ok(nothingWritten(), 'nothing in --out');
    assert.ok(!existsSync(path.resolve(out, '../../etc/x')), 'nothing beside it');
    assert.ok(!existsSync(path.join(tmp, 'etc')));
  });

  const faults: { name: string; queue: (ScenarioKind | Scenario)[]; code: string; message: RegExp; env?: NodeJS.ProcessEnv }[] = [
    { name: '401', queue: ['auth'], code: 'generation.auth', message: /rejected the API key/ },
    { name: '429 ×3', queue: ['rate_limit', 'rate_limit', 'rate_limit'], code: 'generation.rate_limited', message: /rate limit/ },
    { name: '529 ×3', queue: ['overloaded', 'overloaded', 'overloaded'], code: 'generation.overloaded', message: /overloaded/ },
    { name: 'dropped connection', queue: ['drop'], code: 'generation.network', message: /dropped/ },
    { name: 'max_tokens', queue: ['max_tokens'], code: 'generation.truncated', message: /token limit/ },
    { name: 'too small SPAWN_APP_MAX_TOKENS', queue: [], code: 'generation.truncated', message: /SPAWN_APP_MAX_TOKENS=200/, env: { SPAWN_APP_MAX_TOKENS: '100' } },
    { name: 'invalid output twice', queue: ['schema_mismatch', 'invalid_json'], code: 'generation.invalid_output', message: /repair attempt/ },
    { name: 'unreachable API', queue: [], code: 'generation.network', message: /Could not reach the Anthropic API at 127\.0\.0\.1:9/, env: { ANTHROPIC_BASE_URL: 'http://127.0.0.1:9' } },
    { name: 'no key', queue: [], code: 'generation.no_key', message: /needs an Anthropic API key/, env: { ANTHROPIC_API_KEY: '' } },
  ];
  for (const f of faults) {
    it(`fails cleanly on ${f.name}: exit 4, ${f.code}, nothing written`, async () => {
      fake.enqueue(...f.queue);
      const r = await runCli(args('--json'), { ...env, ...f.env });
      assert.equal(r.code, 4, r.stdout + r.stderr);
      const last = parseLines(r.stdout).at(-1)!;
      assert.equal(last.event, 'error');
      assert.equal(last.code, f.code);
      assert.match(String(last.message), f.message);
      assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
      assert.ok(nothingWritten());
    });
  }

  it('Ctrl-C mid-stream exits 130 at once, hangs up on the API and writes nothing', async () => {
    // The stream never ends (held open): a CLI that waited for it instead of exiting on Ctrl-C fails by timeout.
    fake.enqueue({ kind: 'slow', chunkDelayMs: 30, chunkSize: 16, holdUntil: new Promise<void>(() => undefined) });
    const cli = startCli(args('--json'), env);
    await cli.waitFor((e) => e.event === 'file' && e.status === 'started');
    cli.child.kill('SIGINT');
    const r = await cli.done;
    assert.equal(r.code, 130, r.stdout + r.stderr);
    const events = parseLines(r.stdout);
    assert.deepEqual(events.at(-1), { event: 'error', code: 'cancelled', message: 'Interrupted.' });
    assert.ok(!events.some((e) => e.event === 'cost'));
    assert.ok(nothingWritten());
    // The fake notices the hang-up on its next write (it streams every few ms): wait for that, not a fixed time.
    await until(() => fake.responses[0]!.clientClosed, 'the fake to see the hang-up', 2000, 5);
    assert.equal(fake.responses[0]!.clientClosed, true, 'the HTTP stream was aborted');
  });
});
