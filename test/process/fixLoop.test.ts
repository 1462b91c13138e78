/**
 * The fix loop after a failed verification (issue 20 part 3) and prompt caching (part 4), in the core session: a
 * broken app on the local runner, checked in a real browser, fixed by the real SDK talking to the fake Anthropic.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseSpec } from '../../src/core/app/spec';
import { isCancelled } from '../../src/core/base/errors';
import { ClaudeGenerator } from '../../src/core/generate/claude';
import { PromptCacheBase } from '../../src/core/generate/fixLoop';
import { tokenCost } from '../../src/core/base/pricing';
import { LocalProvider } from '../../src/core/sandbox/local/provider';
import type { SessionEvent } from '../../src/core/session';
import { fixLines, MemorySpend, Session } from '../../src/core/session';
import { FakeAnthropic } from '../fakes/fakeAnthropic';
import { FakeE2B } from '../fakes/fakeE2B';
import { requireBrowser } from '../helpers/browser';
import { ensureBuilt, startCli } from '../helpers/cli';

const PAGE = '<!doctype html><html><head><meta charset="utf-8"><title>Greeting</title></head><body><h1>Hello</h1><p id="out"></p><script src="/app.js"></script></body></html>\n';
const BROKEN_JS = 'undefinedFunction();\n';
const FIXED_JS = 'document.getElementById("out").textContent = "Fixed and greeting you";\n';
const SERVER =
  "const fs = require('fs');\nrequire('http').createServer((q, s) => { const f = q.url === '/' ? 'index.html' : q.url.slice(1); " +
  "fs.readFile(__dirname + '/' + f, (e, b) => e ? s.writeHead(404).end() : s.writeHead(200, { 'content-type': f.endsWith('.js') ? 'text/javascript' : 'text/html' }).end(b)); })" +
  ".listen(Number(process.env.PORT) || 3000, process.env.HOST || '127.0.0.1');\n";

/** A webapp folder whose script throws at load. */
function brokenApp(dir: string): string {
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'spawn-app.json'), JSON.stringify({ appType: 'webapp', title: 'Greeting', description: 'A page that greets you.', startCommand: 'node server.js', dependencies: [], port: 3000 }));
  writeFileSync(path.join(dir, 'index.html'), PAGE);
  writeFileSync(path.join(dir, 'app.js'), BROKEN_JS);
  writeFileSync(path.join(dir, 'server.js'), SERVER);
  return dir;
}

const patch = (content: string, summary = 'Defined the greeting instead of calling a missing function.') => ({ kind: 'ok' as const, input: { summary, changes: [{ path: 'app.js', content }], deletions: [] } });

type Block = { type: string; text?: string; cache_control?: unknown; source?: { type: string; media_type: string; data: string } };

describe('the fix loop after a failed verification (core session, fake Anthropic)', function () {
  this.timeout(120_000);
  let tmp: string;
  let local: LocalProvider;
  let fake: FakeAnthropic;
  const sessions: Session[] = [];
  before(async function () {
    requireBrowser(this);
    // The test app is far below Haiku 4.5's 4096-token cache minimum: lowered, so that its prefix is cached.
    fake = await FakeAnthropic.start({ minCacheTokens: 256 });
  });
  after(async () => {
    await fake?.close();
  });
  beforeEach(() => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'spawn-fixloop-'));
    local = new LocalProvider({ root: path.join(tmp, 'sandboxes'), sandbox: 'off', env: { ...process.env, SPAWN_APP_SANDBOX: 'off' } });
    fake?.reset();
  });
  afterEach(async () => {
    for (const s of sessions.splice(0)) await s.close();
    await local.destroyAll();
    rmSync(tmp, { recursive: true, force: true });
  });

  function session(o: { fixRounds?: number; spend?: MemorySpend; key?: boolean } = {}) {
    const events: SessionEvent[] = [];
    const asked: string[] = [];
    const s = new Session({
      // Sonnet 4.6: its cache minimum (1024 tokens) lets the session send this small app as a base.
      cfg: o.key === false ? {} : { anthropicApiKey: 'sk-test', anthropicBaseUrl: fake.url, model: 'claude-sonnet-4-6' },
      client: 'test',
      local,
      budgetUsd: 1,
      fixRounds: o.fixRounds,
      ports: {
        ask: { unsandboxedRun: async () => true, pastCap: async (q) => (asked.push(q.what), false) },
        spend: o.spend,
        progress: (e) => events.push(e),
      },
    });
    sessions.push(s);
    return { s, events, asked };
  }

  it('a broken app is fixed in one round by default: problems, output, prompt and screenshot sent; the patch written, redeployed, verified', async () => {
    const { s, events } = session();
    const app = s.app('greeting');
    const dir = brokenApp(path.join(tmp, 'greeting'));
    app.open(dir);
    app.prompt = 'a page that greets the visitor';
    fake.enqueue(patch(FIXED_JS));
    const d = await app.deploy();

    assert.equal(d.deployment.verification?.state, 'verified', JSON.stringify(d.deployment.verification?.problems));
    assert.equal(d.fixes?.rounds.length, 1);
    assert.equal(d.fixes?.stopped, undefined);
    assert.deepEqual(d.fixes?.rounds[0]?.paths, ['app.js']);
    assert.equal(readFileSync(path.join(dir, 'app.js'), 'utf8'), FIXED_JS, 'the new version is written to the folder');
    const fixEvents = events.filter((e) => e.event === 'fix');
    assert.deepEqual(fixEvents.map((e) => e.event === 'fix' && e.status), ['started', 'finished']);
    const finished = fixEvents[1]!;
    assert.ok(finished.event === 'fix' && finished.status === 'finished' && finished.state === 'verified' && typeof finished.usd === 'number' && finished.usd > 0);
    assert.deepEqual(events.filter((e) => e.event === 'verify' && e.status === 'finished').map((e) => e.event === 'verify' && e.status === 'finished' && e.state), ['problems', 'verified']);

    // The request: the system prompt and the files marked for the cache, the screenshot as an image block, the ask.
    const [req] = fake.messageRequests();
    assert.equal(fake.messageRequests().length, 1);
    const body = req!.body as { system: Block[]; messages: { role: string; content: Block[] }[]; tool_choice: { name: string } };
    assert.equal(body.tool_choice.name, 'update_app');
    assert.deepEqual(body.system[0]!.cache_control, { type: 'ephemeral' });
    const blocks = body.messages[0]!.content;
    assert.deepEqual(blocks[0]!.cache_control, { type: 'ephemeral' });
    assert.match(blocks[0]!.text!, /<file path="app.js">\nundefinedFunction\(\);/);
    const image = blocks.find((b) => b.type === 'image');
    assert.ok(image, 'the screenshot goes to a model that takes images');
    assert.deepEqual([image.source!.type, image.source!.media_type], ['base64', 'image/png']);
    const png = Buffer.from(image.source!.data, 'base64');
    assert.deepEqual([png.subarray(1, 4).toString('latin1'), png.readUInt32BE(16), png.readUInt32BE(20)], ['PNG', 1280, 800]);
    const ask = blocks.at(-1)!.text!;
    assert.match(ask, /The user asked for: a page that greets the visitor/);
    assert.match(ask, /The page threw an uncaught ReferenceError: undefinedFunction is not defined\. \(app\.js:1\)/);
    assert.match(ask, /The app's own last output:/);
    assert.deepEqual(fixLines(d.fixes!).length, 1);
  });

  it('N = 0 sends nothing: the problems stay, no request; without a key the default is 0 rounds', async () => {
    const { s, events } = session({ fixRounds: 0 });
    const app = s.app('zero');
    app.open(brokenApp(path.join(tmp, 'zero')));
    const d = await app.deploy();
    assert.equal(d.deployment.verification?.state, 'problems');
    assert.equal(d.fixes, undefined);
    assert.equal(fake.messageRequests().length, 0);
    assert.ok(!events.some((e) => e.event === 'fix'));
    assert.equal(session({ key: false }).s.fixRounds, 0);
    assert.equal(session().s.fixRounds, 1);
  });

  it('no round left: propose({verification: true}) sends the same request as a round (a front shows it before it is written); a verified app has nothing to propose', async () => {
    const { s } = session({ fixRounds: 0, spend: new MemorySpend() });
    const app = s.app('later');
    const dir = brokenApp(path.join(tmp, 'later'));
    app.open(dir);
    app.prompt = 'a page that greets the visitor';
    const d = await app.deploy();
    assert.equal(d.deployment.verification?.state, 'problems');
    assert.equal(fake.messageRequests().length, 0);
    fake.enqueue(patch(FIXED_JS));
    const p = await app.propose({ verification: true, model: await s.refiner() });
    assert.equal(p.spec.files.find((f) => f.path === 'app.js')!.content, FIXED_JS);
    assert.equal(readFileSync(path.join(dir, 'app.js'), 'utf8'), BROKEN_JS, 'nothing written: a proposal');
    assert.ok(typeof p.usage.usd === 'number' && p.usage.usd > 0, 'its cost');
    assert.equal(s.budget!.today().usd, p.usage.usd, 'charged once, by the session');
    const body = fake.messageRequests()[0]!.body as { messages: { content: Block[] }[] };
    const blocks = body.messages[0]!.content;
    assert.ok(blocks.some((b) => b.type === 'image'), 'the screenshot');
    const ask = blocks.at(-1)!.text!;
    assert.match(ask, /The user asked for: a page that greets the visitor/);
    assert.match(ask, /undefinedFunction is not defined\. \(app\.js:1\)/);
    assert.match(ask, /The app's own last output:/);

    app.setSpec(p.spec);
    assert.equal((await app.deploy()).deployment.verification?.state, 'verified');
    await assert.rejects(app.propose({ verification: true, model: await s.refiner() }), /has no problems found in a browser to fix/);
    assert.equal(fake.messageRequests().length, 1, 'nothing asked for a verified app');
  });

  it('the cap stops the loop before a paid call: the front is asked, says no, nothing is sent', async () => {
    const spend = new MemorySpend();
    spend.save({ day: new Date().toLocaleDateString('sv'), usd: 5, unknown: 0, warned: true, capped: true });
    const { s, events, asked } = session({ spend, fixRounds: 3 });
    const app = s.app('capped');
    app.open(brokenApp(path.join(tmp, 'capped')));
    const d = await app.deploy();
    assert.deepEqual(asked, ['fix']);
    assert.equal(fake.messageRequests().length, 0);
    assert.equal(d.fixes?.stopped?.reason, 'cap');
    assert.match(d.fixes!.stopped!.message, /^The fix loop stopped before round 1: Today's spending cap is reached/);
    assert.ok(events.some((e) => e.event === 'fix' && e.status === 'stopped' && e.reason === 'cap'));
    assert.equal(d.deployment.verification?.state, 'problems', 'the app still runs, with its problems');
  });

  it('a round whose own request reaches the cap (E2B): the sandbox is paused, not deleted; the change is in the files, not deployed; the loop says so', async () => {
    const e2b = await FakeE2B.start();
    try {
      // $0.002 left today: the sandbox's seconds fit (2 vCPU / 512 MB: ~$0.00003 a second), a Sonnet fix request does not.
      const spend = new MemorySpend();
      spend.save({ day: new Date().toLocaleDateString('sv'), usd: 0.998, unknown: 0, warned: true, capped: false });
      const events: SessionEvent[] = [];
      const asked: string[] = [];
      const s = new Session({
        cfg: { anthropicApiKey: 'sk-test', anthropicBaseUrl: fake.url, model: 'claude-sonnet-4-6', e2bApiKey: e2b.connection().apiKey, e2bApiUrl: e2b.url, e2bSandboxUrl: e2b.url, e2bDomain: e2b.connection().domain },
        client: 'test',
        local,
        budgetUsd: 1,
        fixRounds: 2,
        prewarm: false,
        ports: { ask: { unsandboxedRun: async () => true, pastCap: async (q) => (asked.push(q.what), false) }, spend, progress: (e) => events.push(e) },
      });
      sessions.push(s);
      const app = s.app('capped-fix');
      const dir = brokenApp(path.join(tmp, 'capped-fix'));
      app.open(dir);
      fake.enqueue(patch(FIXED_JS));
      const d = await app.deploy({ provider: 'e2b' });
      assert.equal(d.fixes?.stopped?.reason, 'cap', JSON.stringify(d.fixes));
      assert.match(d.fixes!.stopped!.message, /^The fix loop stopped in round 1: its request reached today's spending cap, so its change is in the app's files but not deployed/);
      assert.equal(readFileSync(path.join(dir, 'app.js'), 'utf8'), FIXED_JS, 'the paid change is kept in the files');
      assert.deepEqual(e2b.paused(), [d.sandboxId], 'the sandbox was paused at the cap');
      assert.equal(e2b.liveCount, 1, 'paused, not deleted');
      assert.deepEqual(asked, [], 'no deploy past the cap was attempted');
    } finally {
      for (const sb of e2b.live()) await e2b.expire(sb.id);
      await e2b.close();
    }
  });

  it('cancel mid-loop: the request is hung up on and the deploy ends as cancelled', async () => {
    const { s, events } = session({ fixRounds: 2 });
    const app = s.app('cancel');
    app.open(brokenApp(path.join(tmp, 'cancel')));
    const controller = new AbortController();
    let release!: () => void;
    fake.enqueue({ ...patch(FIXED_JS), holdUntil: new Promise<void>((r) => (release = r)) });
    const sent = new Promise<void>((resolve) => {
      const poll = () => (fake.responses.length > 0 && fake.responses[0]!.eventsWritten > 3 ? resolve() : setTimeout(poll, 20));
      poll();
    });
    const deploying = app.deploy({ signal: controller.signal });
    await sent;
    controller.abort();
    const err = await deploying.then(() => undefined, (e: unknown) => e);
    release();
    assert.ok(isCancelled(err), String(err));
    assert.ok(events.some((e) => e.event === 'fix' && e.status === 'started'));
    assert.ok(!events.some((e) => e.event === 'fix' && e.status === 'finished'), 'no round finished');
    assert.equal(readFileSync(path.join(tmp, 'cancel', 'app.js'), 'utf8'), BROKEN_JS, 'nothing was written');
  });

  it('a fix that keeps failing stops at N rounds with the cost shown; later rounds read the app from the cache at its price', async () => {
    const { s, events } = session({ fixRounds: 2 });
    const app = s.app('stubborn');
    const dir = brokenApp(path.join(tmp, 'stubborn'));
    app.open(dir);
    fake.enqueue(patch('anotherMissing();\n', 'Tried another call.'), patch('yetAnotherMissing();\n', 'Tried yet another call.'));
    const d = await app.deploy();
    assert.equal(d.fixes?.rounds.length, 2);
    assert.equal(d.fixes?.stopped?.reason, 'rounds');
    assert.match(d.fixes!.stopped!.message, /^Stopped after 2 fix rounds \(\$0\.\d+\): the app still fails its checks\.$/);
    assert.equal(d.deployment.verification?.state, 'problems');

    const costs = events.filter((e) => e.event === 'cost');
    assert.equal(costs.length, 2);
    const [first, second] = costs as Extract<SessionEvent, { event: 'cost' }>[];
    assert.ok(first!.cacheWriteTokens! > 0 && first!.cacheReadTokens === undefined, 'round 1 writes the cache');
    assert.ok(second!.cacheReadTokens! > 0, 'round 2 reads the app from the cache');
    // Sonnet 4.6: $3 input, $15 output, $3.75 cache writes, $0.30 cache reads per million tokens.
    const expected = (second!.inputTokens! * 3 + second!.outputTokens! * 15 + (second!.cacheWriteTokens ?? 0) * 3.75 + second!.cacheReadTokens! * 0.3) / 1e6;
    assert.ok(Math.abs(second!.usd! - expected) < 1e-12, `${second!.usd} vs ${expected}`);
    assert.equal(second!.usd, tokenCost('claude-sonnet-4-6', second!.inputTokens!, second!.outputTokens!, undefined, second!));
    // The second request sends the first's app again (the base), then what changed since.
    const blocks = (fake.messageRequests()[1]!.body as { messages: { content: Block[] }[] }).messages[0]!.content;
    assert.match(blocks[0]!.text!, /undefinedFunction\(\);/);
    assert.match(blocks[1]!.text!, /^Since then the app changed[\s\S]*anotherMissing\(\);/);
    const finished = events.filter((e) => e.event === 'fix' && e.status === 'finished') as Extract<SessionEvent, { event: 'fix'; status: 'finished' }>[];
    assert.equal(finished[1]!.totalUsd, first!.usd! + second!.usd!);
  });
});

describe('prompt caching of refine requests (the fake reports the cache as the API does)', () => {
  it('the second refine of an app reads the first one\'s prefix; a prefix below the model\'s minimum is never cached', async () => {
    const big = await FakeAnthropic.start();
    try {
      const gen = new ClaudeGenerator({ anthropicApiKey: 'sk-test', anthropicBaseUrl: big.url });
      const files = Array.from({ length: 8 }, (_, i) => ({ path: `part${i}.js`, content: `// part ${i}\n` + 'export const rows = [' + Array.from({ length: 120 }, (_, j) => `{ id: ${j}, label: "row ${i}.${j}" }`).join(', ') + '];\n' }));
      const spec = parseSpec({ appType: 'webapp', startCommand: 'node server.js', dependencies: [], port: 3000, files: [{ path: 'server.js', content: SERVER }, ...files] });
      const base = new PromptCacheBase();
      assert.equal(base.for(parseSpec({ appType: 'webapp', startCommand: 'node server.js', dependencies: [], port: 3000, files: [{ path: 'server.js', content: SERVER }] }), gen.model).files.length, 1);
      big.enqueue(patch(FIXED_JS), patch(FIXED_JS));
      const first = await gen.refine({ spec, base: base.for(spec, gen.model), followUp: 'add a title' });
      const second = await gen.refine({ spec, base: base.for(spec, gen.model), followUp: 'make it blue' });
      assert.ok(first.usage.cacheWriteTokens! > 4096 && first.usage.cacheReadTokens === undefined, JSON.stringify(first.usage));
      assert.equal(second.usage.cacheReadTokens, first.usage.cacheWriteTokens, 'the same prefix, read');
      assert.equal(second.usage.cacheWriteTokens, undefined);

      const small = parseSpec({ appType: 'webapp', startCommand: 'node server.js', dependencies: [], port: 3000, files: [{ path: 'server.js', content: SERVER }] });
      big.enqueue(patch(FIXED_JS), patch(FIXED_JS));
      for (let i = 0; i < 2; i++) {
        const r = await gen.refine({ spec: small, followUp: 'add a title' });
        assert.deepEqual([r.usage.cacheReadTokens, r.usage.cacheWriteTokens], [undefined, undefined], 'below claude-haiku-4-5\'s 4096 tokens');
      }
      const noCache = new ClaudeGenerator({ anthropicApiKey: 'sk-test', anthropicBaseUrl: big.url }, { promptCache: false });
      big.enqueue(patch(FIXED_JS));
      await noCache.refine({ spec, followUp: 'add a title' });
      assert.ok(!JSON.stringify(big.messageRequests().at(-1)!.body).includes('cache_control'), 'promptCache: false marks nothing');
    } finally {
      await big.close();
    }
  });
});

describe('edits in a refine or fix answer (the fake Anthropic, the real SDK)', () => {
  it('an answer with edits becomes whole files; an edit whose text is not in the file goes back once as the repair', async () => {
    const fake = await FakeAnthropic.start();
    try {
      const gen = new ClaudeGenerator({ anthropicApiKey: 'sk-test', anthropicBaseUrl: fake.url });
      const spec = parseSpec({ appType: 'webapp', startCommand: 'node server.js', dependencies: [], port: 3000, files: [{ path: 'server.js', content: SERVER }, { path: 'app.js', content: 'undefinedFunction();\n' }] });
      const edit = (find: string) => ({ kind: 'ok' as const, input: { summary: 'Greets.', changes: [], deletions: [], edits: [{ path: 'app.js', find, replace: 'document.body.append("hi");' }] } });
      fake.enqueue(edit('missingFunction();'), edit('undefinedFunction();'));
      const r = await gen.refine({ spec, followUp: 'say hi' });
      assert.deepEqual(r.patch.changes, [{ path: 'app.js', content: 'document.body.append("hi");\n' }]);
      const requests = fake.messageRequests();
      assert.equal(requests.length, 2, 'one repair');
      assert.match(JSON.stringify(requests[1]!.body), /edits\[0\]\.find does not occur in app\.js/);
      assert.match(JSON.stringify(requests[0]!.body), /send edits \(the exact text to find, once, and its replacement\)/, 'the system prompt asks for edits');
    } finally {
      await fake.close();
    }
  });

  it('an edit whose find holds a secret the model saw as [redacted] applies to the file (the fix the secret warning asks for)', async () => {
    const fake = await FakeAnthropic.start();
    try {
      const gen = new ClaudeGenerator({ anthropicApiKey: 'sk-test', anthropicBaseUrl: fake.url });
      const value = 'live-key-4242-abcdef';
      const spec = parseSpec({ appType: 'webapp', startCommand: 'node server.js', dependencies: [], port: 3000, files: [{ path: 'server.js', content: SERVER }, { path: 'app.js', content: `const KEY = "${value}";\nconsole.log(KEY.length);\n` }] });
      // The model copies the line as it was sent: the value redacted.
      const edit = { kind: 'ok' as const, input: { summary: 'Reads the key from the environment.', changes: [], deletions: [], edits: [{ path: 'app.js', find: 'const KEY = "[redacted]";', replace: 'const KEY = process.env.API_KEY;' }] } };
      fake.enqueue(edit, edit);
      const r = await gen.refine({ spec, followUp: 'read the key from process.env.API_KEY', secrets: { API_KEY: value } });
      const requests = fake.messageRequests();
      assert.ok(!JSON.stringify(requests[0]!.body).includes(value), 'the value was not sent');
      assert.deepEqual(r.patch.changes, [{ path: 'app.js', content: 'const KEY = process.env.API_KEY;\nconsole.log(KEY.length);\n' }]);
      assert.equal(requests.length, 1, 'no repair needed');
    } finally {
      await fake.close();
    }
  });
});

describe('the fix loop from the CLI: --fix N', function () {
  this.timeout(120_000);
  let tmp: string;
  let fake: FakeAnthropic;
  before(async function () {
    requireBrowser(this);
    ensureBuilt();
    fake = await FakeAnthropic.start({ minCacheTokens: 256 });
    tmp = mkdtempSync(path.join(os.tmpdir(), 'spawn-fixloop-cli-'));
  });
  after(async () => {
    await fake?.close();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('deploy DIR --fix 1: the round, its cost with the cache, the fix written, verified, exit 0; --fix x is a usage error', async () => {
    const dir = brokenApp(path.join(tmp, 'app'));
    fake.enqueue(patch(FIXED_JS));
    const cli = startCli(['deploy', dir, '--yes', '--json', '--fix', '1'], { SPAWN_APP_LOCAL_ROOT: path.join(tmp, 'sandboxes'), ANTHROPIC_API_KEY: 'sk-test', ANTHROPIC_BASE_URL: fake.url, SPAWN_APP_MODEL: 'claude-sonnet-4-6' });
    const finished = await cli.waitFor((e) => e.event === 'fix' && e.status === 'finished');
    assert.equal(finished.state, 'verified');
    assert.deepEqual(finished.paths, ['app.js']);
    const verified = await cli.waitFor((e) => e.event === 'verify' && e.status === 'finished' && e.state === 'verified');
    assert.ok(verified);
    const cost = cli.lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((e) => e.event === 'cost');
    assert.ok(cost && typeof cost.usd === 'number' && (cost.cacheWriteTokens as number) > 0, JSON.stringify(cost));
    cli.child.kill('SIGINT');
    const res = await cli.done;
    assert.equal(res.code, 0, res.stderr);
    assert.equal(readFileSync(path.join(dir, 'app.js'), 'utf8'), FIXED_JS);

    const bad = startCli(['deploy', dir, '--fix', 'x']);
    const r = await bad.done;
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--fix must be a whole number of rounds from 0 to 10\./);
  });
});
