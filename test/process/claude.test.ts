/**
 * The Claude generator against a fake Messages API on loopback: the real @anthropic-ai/sdk makes real HTTP
 * requests and parses real SSE; nothing is mocked in process.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CoreConfig } from '../../src/core/base/config';
import { CancelledError, exitCodeFor, SpawnError } from '../../src/core/base/errors';
import type { SpawnEvent } from '../../src/core/base/events';
import type { ClaudeOptions } from '../../src/core/generate/claudeClient';
import { BUILTIN_MODELS, listModels } from '../../src/core/generate/claudeModels';
import { ClaudeGenerator } from '../../src/core/generate/claude';
import { redact } from '../../src/core/generate/claudeClient';
import { createGenerator } from '../../src/core/generate';
import { systemPrompt, TOOL_NAME } from '../../src/core/generate/prompts';
import { tokenCost } from '../../src/core/base/pricing';
import { APP_TYPES, stackOf } from '../../src/core/stacks';
import type { AppType } from '../../src/core/app/spec';
import { DEFAULT_WEBAPP, FAKE_MODELS, FakeAnthropic } from '../fakes/fakeAnthropic';
import type { Scenario, ScenarioKind } from '../fakes/fakeAnthropic';
import { until } from '../helpers/poll';

const KEY = 'sk-ant-test-0123456789abcdef';

interface Run {
  events: SpawnEvent[];
  logs: { level: string; msg: string }[];
  result?: Awaited<ReturnType<ClaudeGenerator['generate']>>;
  error?: unknown;
}

describe('ClaudeGenerator (real SDK ↔ fake Messages API)', function () {
  this.timeout(20_000);
  let fake: FakeAnthropic;
  before(async () => {
    fake = await FakeAnthropic.start();
  });
  after(async () => fake.close());
  beforeEach(() => fake.reset());

  const cfg = (over: Partial<CoreConfig> = {}): CoreConfig => ({ anthropicApiKey: KEY, anthropicBaseUrl: fake.url, ...over });

  async function generate(opts: { cfg?: Partial<CoreConfig>; claude?: ClaudeOptions; appType?: AppType; signal?: AbortSignal; onEvent?: (e: SpawnEvent) => void } = {}): Promise<Run> {
    const run: Run = { events: [], logs: [] };
    const gen = new ClaudeGenerator(cfg(opts.cfg), { maxRetries: 2, ...opts.claude });
    const log = (level: string) => (msg: unknown) => run.logs.push({ level, msg: String(msg) });
    try {
      run.result = await gen.generate({
        prompt: 'a todo list',
        appType: opts.appType ?? 'webapp',
        signal: opts.signal,
        onEvent: (e) => {
          run.events.push(e);
          opts.onEvent?.(e);
        },
        logger: { trace: log('trace'), debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') },
      });
    } catch (err) {
      run.error = err;
    }
    return run;
  }

  function assertFails(run: Run, code: string, message: RegExp): SpawnError {
    assert.ok(run.error instanceof SpawnError, `expected a SpawnError, got ${String(run.error)}`);
    assert.equal(run.error.code, code, run.error.message);
    assert.match(run.error.message, message);
    assert.doesNotMatch(run.error.message, /\n/, 'one sentence, one line');
    assert.ok(!run.error.message.includes(KEY) && !(run.error.detail ?? '').includes(KEY), 'the key never leaks');
    assert.equal(exitCodeFor(run.error), 4);
    return run.error;
  }

  describe('the request', () => {
    it('sends one forced tool whose schema is the app spec, the per-type system prompt, the key, no sampling parameters', async () => {
      const run = await generate();
      assert.ifError(run.error);
      const [req] = fake.messageRequests();
      assert.ok(req);
      const body = req.body!;
      assert.equal(body.model, 'claude-haiku-4-5');
      assert.equal(body.max_tokens, 8192);
      assert.equal(body.stream, true);
      assert.deepEqual(body.tool_choice, { type: 'tool', name: TOOL_NAME });
      const tools = body.tools as { name: string; input_schema: { required: string[]; properties: Record<string, { enum?: string[] }> } }[];
      assert.equal(tools.length, 1);
      assert.equal(tools[0]!.name, TOOL_NAME);
      assert.deepEqual([...tools[0]!.input_schema.required].sort(), ['appType', 'dependencies', 'files', 'port', 'startCommand']);
      assert.deepEqual(tools[0]!.input_schema.properties.appType!.enum, ['webapp']);
      assert.equal(body.system, systemPrompt('webapp'));
      assert.match(String(body.system), /process\.env\.PORT/);
      assert.match(String(body.system), /dependency-free Node http server/);
      assert.ok(!('temperature' in body) && !('top_p' in body), 'API version 2026-10-21 answers 400 to sampling parameters');
      assert.equal(req.apiKey, KEY);
      assert.equal(req.headers.authorization, `Bearer ${KEY}`);
      assert.equal(req.headers['anthropic-version'], '2026-10-21');
      assert.match(JSON.stringify(body.messages), /a todo list/);
    });

    it('uses the configured model and max tokens, and the api/script prompts for those types', async () => {
      for (const appType of ['api', 'script'] as const) {
        fake.reset();
        const run = await generate({ cfg: { model: 'claude-sonnet-4-6', maxTokens: 16000 }, appType });
        assert.ifError(run.error);
        const body = fake.messageRequests()[0]!.body!;
        assert.equal(body.model, 'claude-sonnet-4-6');
        assert.equal(body.max_tokens, 16000);
        assert.equal(body.system, systemPrompt(appType));
        assert.equal(run.result!.spec.appType, appType);
      }
    });
  });

  describe('streaming', () => {
    it('returns the spec exactly as the model wrote it, unicode and escapes included', async () => {
      const run = await generate();
      assert.ifError(run.error);
      assert.deepEqual(run.result!.spec, DEFAULT_WEBAPP);
      assert.equal(run.result!.generator, 'claude');
    });

    it('emits each file as started, then complete with its content, while the response is still streaming', async () => {
      fake.enqueue({ kind: 'slow', chunkDelayMs: 8, chunkSize: 64 });
      const stillStreaming: Record<string, boolean> = {};
      const run = await generate({
        onEvent: (e) => {
          if (e.event === 'file') stillStreaming[`${e.status}:${e.path}`] = fake.responses[0]!.endedAt === undefined;
        },
      });
      assert.ifError(run.error);
      const files = run.events.filter((e) => e.event === 'file');
      assert.deepEqual(
        files.map((e) => `${e.status}:${e.path}`),
        DEFAULT_WEBAPP.files.flatMap((f) => [`started:${f.path}`, `complete:${f.path}`]),
      );
      for (const f of files) if (f.status === 'complete') assert.equal(f.content, DEFAULT_WEBAPP.files.find((x) => x.path === f.path)!.content);
      // Every file, even the last one, is reported before the fake wrote message_stop.
      assert.deepEqual(Object.values(stillStreaming), files.map(() => true), JSON.stringify(stillStreaming));
      // And the cost comes last.
      assert.equal(run.events.at(-1)!.event, 'cost');
    });
  });

  describe('cancellation', () => {
    it('aborting mid-stream rejects promptly with CancelledError, hangs up the HTTP stream and emits nothing after', async () => {
      fake.enqueue({ kind: 'slow', chunkDelayMs: 20, chunkSize: 16 });
      const ac = new AbortController();
      let eventsAtAbort = -1;
      // Time here is counted in the fake's SSE events (one every 20 ms), not in wall-clock milliseconds.
      let sentAtAbort = -1;
      const sent = () => fake.responses[0]?.eventsWritten ?? 0;
      const runP = generate({
        signal: ac.signal,
        onEvent: (e) => {
          if (e.event === 'file' && e.status === 'complete' && eventsAtAbort < 0) {
            eventsAtAbort = 0;
            setImmediate(() => {
              sentAtAbort = sent();
              ac.abort();
            });
          }
        },
      });
      const run = await runP;
      const sentBySettle = sent() - sentAtAbort;
      assert.ok(run.error instanceof CancelledError, String(run.error));
      assert.equal(exitCodeFor(run.error), 130);
      assert.ok(sentBySettle <= 2, `settled ${sentBySettle} stream events after the abort`);
      const countAfterSettle = run.events.length;
      assert.ok(run.events.every((e) => e.event === 'file'), 'no cost or other event after a cancel');
      // Anything late would come from the stream: wait until the fake saw the hang-up and stopped writing.
      const res = fake.responses[0]!;
      await until(() => res.endedAt !== undefined, 'the fake to end the stream', 2000, 5);
      await new Promise((r) => setImmediate(r));
      assert.equal(run.events.length, countAfterSettle, 'nothing arrives later either');
      assert.equal(res.clientClosed, true, 'the fake saw the client hang up');
      assert.ok(res.eventsWritten - sentAtAbort <= 2, `the fake wrote ${res.eventsWritten - sentAtAbort} events after the abort`);
      assert.ok(!run.events.some((e) => e.event === 'file' && e.path === 'server.js' && e.status === 'complete'), 'the stream stopped early');
    });

    it('an already-aborted signal sends nothing; an abort during a retry wait stops at once', async () => {
      const ac = new AbortController();
      ac.abort();
      const run = await generate({ signal: ac.signal });
      assert.ok(run.error instanceof CancelledError);
      assert.equal(fake.messageRequests().length, 0);

      // A retry wait (50 s, under the SDK's 60 s cap on retry-after) longer than the test's timeout: a run that
      // sat it out fails there.
      fake.enqueue({ kind: 'rate_limit', retryAfterMs: 50_000 }, 'ok');
      const ac2 = new AbortController();
      setTimeout(() => ac2.abort(), 100);
      const run2 = await generate({ signal: ac2.signal });
      assert.ok(run2.error instanceof CancelledError, String(run2.error));
      assert.equal(fake.messageRequests().length, 1, 'the retry never went out');
    });
  });

  describe('faults: each a distinct code and one clear sentence', () => {
    const cases: { name: string; queue: (ScenarioKind | Scenario)[]; code: string; message: RegExp; requests: number; claude?: ClaudeOptions }[] = [
      { name: '401 invalid key', queue: ['auth'], code: 'generation.auth', message: /rejected the API key \(401\)/, requests: 1 },
      { name: '403 permission', queue: ['permission'], code: 'generation.auth', message: /not allowed to use claude-haiku-4-5/, requests: 1 },
      { name: '429 after the SDK retries', queue: ['rate_limit', 'rate_limit', 'rate_limit'], code: 'generation.rate_limited', message: /rate limit was hit after 3 tries/, requests: 3 },
      { name: '529 after the SDK retries', queue: ['overloaded', 'overloaded', 'overloaded'], code: 'generation.overloaded', message: /overloaded after 3 tries/, requests: 3 },
      { name: 'overloaded_error mid-stream (not retried)', queue: ['error_event'], code: 'generation.overloaded', message: /overloaded mid-response/, requests: 1 },
      { name: '500 after the SDK retries', queue: ['server_error', 'server_error', 'server_error'], code: 'generation.failed', message: /status 500 after 3 tries/, requests: 3 },
      { name: '404 unknown model', queue: ['not_found'], code: 'generation.failed', message: /model claude-haiku-4-5 was not found/, requests: 1 },
      { name: 'connection dropped mid-stream', queue: ['drop'], code: 'generation.network', message: /dropped before the response was complete/, requests: 1 },
      { name: 'stream stalls', queue: ['stall'], code: 'generation.timeout', message: /stopped sending mid-response/, requests: 1, claude: { idleTimeoutMs: 300 } },
      { name: 'stop_reason max_tokens', queue: ['max_tokens'], code: 'generation.truncated', message: /8192-token limit.*retry with more tokens/, requests: 1 },
      { name: 'invalid tool JSON twice', queue: ['invalid_json', 'invalid_json'], code: 'generation.invalid_output', message: /did not fit the app format, even after one repair attempt \(the tool input is not valid JSON\)/, requests: 2 },
      { name: 'schema mismatch twice', queue: ['schema_mismatch', 'schema_mismatch'], code: 'generation.invalid_output', message: /files must be an array/, requests: 2 },
      { name: 'no tool call twice', queue: ['text_only', 'text_only'], code: 'generation.invalid_output', message: /did not call the write_app tool/, requests: 2 },
    ];
    for (const c of cases) {
      it(c.name, async () => {
        fake.enqueue(...c.queue);
        const run = await generate({ claude: c.claude });
        assertFails(run, c.code, c.message);
        assert.equal(fake.messageRequests().length, c.requests);
      });
    }

    it('never returns half a spec on max_tokens, even when the cut leaves files that look complete', async () => {
      fake.enqueue('max_tokens');
      const run = await generate();
      const err = assertFails(run, 'generation.truncated', /8192-token limit/);
      assert.deepEqual(err.hints, [{ setting: 'maxTokens', value: 16384 }], 'the hint names the setting, front-neutrally');
      assert.doesNotMatch(err.message, /SPAWN_APP|--/, 'the sentence names no CLI variable or flag');
      assert.equal(run.result, undefined);
      assert.ok(run.events.some((e) => e.event === 'file' && e.status === 'complete'), 'files were shown while streaming');
      assert.equal(err.code, 'generation.truncated');
      const cost = run.events.find((e) => e.event === 'cost');
      assert.ok(cost && cost.event === 'cost' && cost.outputTokens === 8192 && /truncated/.test(cost.note ?? ''), 'the tokens paid for are still reported');
    });

    it('a too-small max_tokens truncates a normal answer the same way', async () => {
      const run = await generate({ cfg: { maxTokens: 100 } });
      assertFails(run, 'generation.truncated', /100-token limit/);
    });

    it('unreachable API: network error after the retries', async () => {
      const closed = http.createServer();
      await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
      const { port } = closed.address() as AddressInfo;
      await new Promise<void>((r) => closed.close(() => r()));
      const run = await generate({ cfg: { anthropicBaseUrl: `http://127.0.0.1:${port}` }, claude: { maxRetries: 1 } });
      assertFails(run, 'generation.network', new RegExp(`Could not reach the Anthropic API at 127\\.0\\.0\\.1:${port} after 2 tries`));
    });

    it('no answer in time: timeout', async () => {
      const silent = http.createServer(() => undefined);
      await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
      try {
        const { port } = silent.address() as AddressInfo;
        const run = await generate({ cfg: { anthropicBaseUrl: `http://127.0.0.1:${port}` }, claude: { maxRetries: 0, timeoutMs: 200 } });
        assertFails(run, 'generation.timeout', /did not answer in time/);
      } finally {
        silent.closeAllConnections();
        silent.close();
      }
    });

    it('a missing key is generation.no_key before any request', async () => {
      assert.throws(() => new ClaudeGenerator({ anthropicBaseUrl: fake.url }), (e: unknown) => e instanceof SpawnError && e.code === 'generation.no_key');
      await assert.rejects(createGenerator('claude', {}), (e: unknown) => e instanceof SpawnError && e.code === 'generation.no_key');
      assert.equal(fake.requests.length, 0);
    });

    it('redact() removes the key from any text', () => {
      assert.equal(redact(`bad key ${KEY}!`, KEY), 'bad key [redacted]!');
      assert.equal(redact('nothing here', KEY), 'nothing here');
    });
  });

  describe('retries and repair', () => {
    it('429 then success: the SDK retries (honouring retry-after-ms) and the generation succeeds', async () => {
      fake.enqueue('rate_limit', 'ok');
      const run = await generate();
      assert.ifError(run.error);
      const reqs = fake.messageRequests();
      assert.equal(reqs.length, 2);
      assert.equal(reqs[1]!.headers['x-stainless-retry-count'], '1');
      assert.deepEqual(run.result!.spec, DEFAULT_WEBAPP);
    });

    it('529 then success works the same way', async () => {
      fake.enqueue('overloaded', 'ok');
      const run = await generate();
      assert.ifError(run.error);
      assert.equal(fake.messageRequests().length, 2);
    });

    it('a schema mismatch is sent back as an error tool_result once, and the corrected answer is used', async () => {
      fake.enqueue('schema_mismatch', 'ok');
      const run = await generate();
      assert.ifError(run.error);
      assert.deepEqual(run.result!.spec, DEFAULT_WEBAPP);
      const [first, second] = fake.messageRequests();
      const msgs = second!.body!.messages as { role: string; content: unknown }[];
      assert.equal(msgs.length, 3);
      const call = (msgs[1]!.content as { type: string; id: string; name: string }[])[0]!;
      assert.equal(call.type, 'tool_use');
      assert.equal(call.name, TOOL_NAME);
      const result = (msgs[2]!.content as { type: string; tool_use_id: string; is_error: boolean; content: string }[])[0]!;
      assert.equal(result.type, 'tool_result');
      assert.equal(result.tool_use_id, call.id);
      assert.equal(result.is_error, true);
      assert.match(result.content, /files must be an array/);
      assert.deepEqual(second!.body!.tool_choice, first!.body!.tool_choice);
      assert.ok(run.logs.some((l) => l.level === 'warn' && /attempt 1/.test(l.msg)));
    });

    it('a text-only answer gets one nudge to call the tool', async () => {
      fake.enqueue('text_only', 'ok');
      const run = await generate();
      assert.ifError(run.error);
      const msgs = fake.messageRequests()[1]!.body!.messages as { role: string; content: unknown }[];
      assert.equal(msgs[1]!.role, 'assistant');
      assert.match(String(msgs[1]!.content), /Sure! Here is/);
      assert.match(String(msgs[2]!.content), /call the write_app tool/i);
    });

    it('invalid JSON gets one repair too', async () => {
      fake.enqueue('invalid_json', 'ok');
      const run = await generate();
      assert.ifError(run.error);
      assert.equal(fake.messageRequests().length, 2);
    });

    it('hostile paths are returned as written (validation, not the generator, blocks them)', async () => {
      fake.enqueue('hostile');
      const run = await generate();
      assert.ifError(run.error);
      assert.deepEqual(run.result!.spec.files.map((f) => f.path), ['index.html', '../../etc/x', '/etc/passwd', 'server.js']);
    });
  });

  describe('usage and cost', () => {
    it('reports the tokens the API reported and their price from the table, as a cost event and in the result', async () => {
      const run = await generate();
      assert.ifError(run.error);
      const usage = fake.responses[0]!.usage!;
      const expectedUsd = (usage.input_tokens * 1 + usage.output_tokens * 5) / 1_000_000;
      assert.deepEqual(run.result!.usage, { model: 'claude-haiku-4-5', inputTokens: usage.input_tokens, outputTokens: usage.output_tokens, usd: expectedUsd });
      const cost = run.events.filter((e) => e.event === 'cost');
      assert.deepEqual(cost, [{ event: 'cost', kind: 'generation', model: 'claude-haiku-4-5', inputTokens: usage.input_tokens, outputTokens: usage.output_tokens, usd: expectedUsd }]);
      const success = run.logs.find((l) => l.level === 'info' && /Code generated successfully/.test(l.msg));
      assert.ok(success, 'logged like the seed');
      assert.match(success.msg, new RegExp(`3 files, ${usage.input_tokens} input \\+ ${usage.output_tokens} output tokens`));
    });

    it('adds up both requests of a repair', async () => {
      fake.enqueue('schema_mismatch', 'ok');
      const run = await generate();
      const [a, b] = fake.responses.map((r) => r.usage!);
      assert.equal(run.result!.usage!.inputTokens, a!.input_tokens + b!.input_tokens);
      assert.equal(run.result!.usage!.outputTokens, a!.output_tokens + b!.output_tokens);
      assert.equal(run.result!.usage!.usd, tokenCost('claude-haiku-4-5', a!.input_tokens + b!.input_tokens, a!.output_tokens + b!.output_tokens));
    });

    it('when the repair request fails, the first request\'s tokens are still reported', async () => {
      fake.enqueue('schema_mismatch', 'auth');
      const run = await generate();
      assertFails(run, 'generation.auth', /401/);
      const first = fake.responses[0]!.usage!;
      const cost = run.events.filter((e) => e.event === 'cost');
      assert.equal(cost.length, 1);
      assert.ok(cost[0]!.event === 'cost' && cost[0]!.inputTokens === first.input_tokens && cost[0]!.note === 'failed');
    });

    it('an unknown model reports tokens with usd null and "price unknown"; overrides give it a price', async () => {
      const run = await generate({ cfg: { model: 'claude-experimental-9' } });
      assert.ifError(run.error);
      const cost = run.events.find((e) => e.event === 'cost');
      assert.ok(cost && cost.event === 'cost');
      assert.equal(cost.usd, null);
      assert.equal(cost.note, 'price unknown');
      assert.ok(cost.inputTokens! > 0 && cost.outputTokens! > 0);

      fake.reset();
      const priced = await generate({ cfg: { model: 'claude-experimental-9', priceOverrides: { 'claude-experimental-9': { input: 2, output: 10 } } } });
      const usage = fake.responses[0]!.usage!;
      assert.equal(priced.result!.usage!.usd, (usage.input_tokens * 2 + usage.output_tokens * 10) / 1_000_000);
    });
  });

  describe('prompts and models', () => {
    it('has one short system prompt per app type, each with the PORT rule', () => {
      for (const t of APP_TYPES) {
        assert.ok(systemPrompt(t).includes(stackOf(t).prompt));
        const p = systemPrompt(t);
        assert.match(p, /PORT/);
        assert.ok(p.length < 1600, `${t}: ${p.length} characters`);
      }
      assert.match(stackOf('api').prompt, /Express/);
      assert.match(stackOf('script').prompt, /report\.html/);
    });

    it('listModels asks the API with the key, and falls back to the built-in list without a key or on failure', async () => {
      const live = await listModels(cfg());
      assert.equal(live.source, 'api');
      assert.deepEqual(live.models.map((m) => m.id), FAKE_MODELS.map((m) => m.id));
      assert.equal(fake.requests.at(-1)!.apiKey, KEY);

      const noKey = await listModels({});
      assert.deepEqual(noKey, { source: 'builtin', models: [...BUILTIN_MODELS] });

      const bad = await FakeAnthropic.start({ validKeys: ['another-key'] });
      try {
        const refused = await listModels({ anthropicApiKey: KEY, anthropicBaseUrl: bad.url });
        assert.equal(refused.source, 'builtin');
        assert.equal(refused.error?.code, 'generation.auth');
      } finally {
        await bad.close();
      }
    });

    it('createGenerator loads the Claude generator lazily and "auto" picks it when a key is set', async () => {
      const g = await createGenerator('auto', cfg());
      assert.equal(g.id, 'claude');
      const r = await g.generate({ prompt: 'a todo list', appType: 'webapp' });
      assert.equal(r.generator, 'claude');
    });
  });
});
