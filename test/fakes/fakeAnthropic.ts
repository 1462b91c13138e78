/**
 * A fake Anthropic Messages API on 127.0.0.1, speaking the wire format the real SDK expects (see
 * docs/wire.md): POST /v1/messages streamed as SSE (message_start → content_block_start tool_use →
 * content_block_delta input_json_delta… → content_block_stop → message_delta → message_stop, pings between),
 * and GET /v1/models. Faults are chosen per request from a scenario queue (then `defaultScenario`).
 *
 * Standalone: `npx tsx test/fakes/fakeAnthropic.ts [--port N] [--scenario slow] [--delay MS] [--chunk N]`.
 */
import { createHash } from 'node:crypto';
import http from 'node:http';
import { cacheMinTokens } from '../../src/core/base/pricing';
import { templateSpec } from '../../src/core/stacks';
import type { AddressInfo } from 'node:net';

export type ScenarioKind =
  | 'ok' // the spec as a forced tool call
  | 'slow' // the same, with a delay between chunks (see Scenario.chunkDelayMs)
  | 'text_only' // prose, no tool call (stop_reason end_turn)
  | 'invalid_json' // the tool input is not valid JSON
  | 'schema_mismatch' // valid JSON that is not an app spec
  | 'max_tokens' // cut off: stop_reason max_tokens half-way through the tool input
  | 'hostile' // an app whose paths escape its folder
  | 'auth' // 401 authentication_error
  | 'permission' // 403 permission_error
  | 'rate_limit' // 429 rate_limit_error with retry-after-ms
  | 'overloaded' // 529 overloaded_error with retry-after-ms
  | 'server_error' // 500 api_error
  | 'not_found' // 404 not_found_error (unknown model)
  | 'drop' // the socket is destroyed mid-stream
  | 'stall' // the stream stops sending mid-way and stays open
  | 'error_event'; // `event: error` (overloaded_error) mid-stream, as the real API does

export interface Scenario {
  kind: ScenarioKind;
  /** Overrides the app the fake answers with (for `ok`, `slow`, `max_tokens`…). */
  spec?: FakeSpec;
  /** Any tool input, sent as is (e.g. an `update_app` patch); wins over `spec`. */
  input?: unknown;
  chunkDelayMs?: number;
  chunkSize?: number;
  retryAfterMs?: number;
  /** The answer's last piece waits for this (a test holds the generation open until something else happened). */
  holdUntil?: Promise<void>;
}

export interface FakeFile {
  path: string;
  content: string;
}

export interface FakeSpec {
  appType: string;
  title?: string;
  description?: string;
  startCommand: string;
  dependencies: string[];
  port: number;
  files: FakeFile[];
}

export interface RecordedRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: Record<string, unknown> | undefined;
  /** The key as sent, from `Authorization: Bearer` or `x-api-key`. */
  apiKey: string | undefined;
  scenario?: ScenarioKind;
  at: number;
}

/** What the API reports of a request's tokens; the cache's are not part of input_tokens. */
export interface FakeUsage {
  input_tokens: number;
  output_tokens: number;
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
}

export interface RecordedResponse {
  scenario: ScenarioKind;
  status: number;
  usage?: FakeUsage;
  stopReason?: string;
  /** True once the client hung up before the response was finished. */
  clientClosed: boolean;
  /** When the last byte was written, or the client hung up. */
  endedAt?: number;
  /** How many SSE events were written. */
  eventsWritten: number;
}

export interface FakeAnthropicOptions {
  port?: number;
  host?: string;
  /** Characters of tool JSON per input_json_delta (default 48). */
  chunkSize?: number;
  /** Delay between chunks for `slow` (default 25 ms); 0 elsewhere unless a scenario says so. */
  slowChunkDelayMs?: number;
  /** When set, only these keys are accepted; otherwise any non-empty key is. */
  validKeys?: string[];
  /** retry-after-ms sent with 429/529 (default 5). */
  retryAfterMs?: number;
  /** Log each request to stderr. */
  verbose?: boolean;
  /** How long a cached prefix lives after its last use (default 5 minutes, the API's ephemeral cache). */
  cacheTtlMs?: number;
  /** The cache's clock (tests); default Date.now. */
  now?: () => number;
  /** The shortest prefix the cache takes, in tokens; default the model's (see minCacheTokens). */
  minCacheTokens?: number;
}

/** The shortest cacheable prefix of a model, as Anthropic documents it (the product's table of model facts). */
export const minCacheTokens = cacheMinTokens;

/** Roughly what the real tokenizer gives for code and English: ~4 characters a token. */
export function estimateTokens(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4));
}

/** An image block's tokens as the API counts them (width × height / 750), read off the PNG's header; else ~1600. */
function imageTokens(block: { source?: { data?: string } }): number {
  const png = Buffer.from(block.source?.data ?? '', 'base64');
  if (png.length < 24 || png.readUInt32BE(12) !== 0x49484452) return 1600; // 'IHDR'
  return Math.ceil((png.readUInt32BE(16) * png.readUInt32BE(20)) / 750);
}

interface Segment {
  tokens: number;
  /** The prefix up to and including this segment, hashed (its cache key). */
  key: string;
  /** Marked with cache_control: a breakpoint. */
  breakpoint: boolean;
}

/**
 * A request as the API caches it: tools, then the system blocks, then each message's blocks, in order; each
 * segment knows its tokens and the hash of the prefix it ends.
 */
function segments(body: Record<string, unknown>): Segment[] {
  const parts: { value: unknown; breakpoint: boolean; image?: boolean }[] = [{ value: body.tools ?? [], breakpoint: false }];
  const system = body.system;
  if (typeof system === 'string') parts.push({ value: system, breakpoint: false });
  else if (Array.isArray(system)) for (const b of system as Record<string, unknown>[]) parts.push({ value: b, breakpoint: b.cache_control !== undefined });
  for (const m of body.messages as { role: string; content: unknown }[]) {
    if (typeof m.content === 'string') parts.push({ value: [m.role, m.content], breakpoint: false });
    else for (const b of m.content as Record<string, unknown>[]) parts.push({ value: [m.role, b], breakpoint: b.cache_control !== undefined, image: b.type === 'image' });
  }
  const hash = createHash('sha256');
  return parts.map((p) => {
    const text = JSON.stringify(p.value);
    hash.update(text);
    return { tokens: p.image ? imageTokens(p.value as never) : estimateTokens(text), key: hash.copy().digest('hex'), breakpoint: p.breakpoint };
  });
}

const STATIC_SERVER = `const http = require('http');
const fs = require('fs');
const path = require('path');

const PORT = Number(process.env.PORT) || 3000;
const ROOT = __dirname;
const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css' };

http.createServer((req, res) => {
  const url = new URL(req.url, 'http://localhost');
  const rel = url.pathname === '/' ? 'index.html' : decodeURIComponent(url.pathname).replace(/^\\/+/, '');
  const file = path.resolve(ROOT, rel);
  if (!file.startsWith(ROOT + path.sep)) { res.writeHead(403); return res.end('Forbidden'); }
  fs.readFile(file, (err, data) => {
    if (err) { res.writeHead(404, { 'Content-Type': 'text/plain' }); return res.end('Not found'); }
    res.writeHead(200, { 'Content-Type': TYPES[path.extname(file)] || 'application/octet-stream' });
    res.end(data);
  });
}).listen(PORT, '0.0.0.0', () => console.log('Listening on port ' + PORT));
`;

/** The default answer: a small, working todo list (index.html, app.js, server.js) that serves itself on $PORT. */
export const DEFAULT_WEBAPP: FakeSpec = {
  appType: 'webapp',
  title: 'Todo list',
  description: 'A todo list that keeps its items in the browser.',
  startCommand: 'node server.js',
  dependencies: [],
  port: 3000,
  files: [
    {
      path: 'index.html',
      content: `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Todo list</title>
  <style>
    body { font: 16px/1.4 system-ui, sans-serif; max-width: 480px; margin: 40px auto; padding: 0 16px; }
    form { display: flex; gap: 8px; }
    input[type=text] { flex: 1; padding: 8px; }
    li.done span { text-decoration: line-through; opacity: .6; }
  </style>
</head>
<body>
  <h1>Todo list</h1>
  <form id="add"><input id="text" type="text" placeholder="What needs doing?" required> <button>Add</button></form>
  <ul id="list"></ul>
  <p id="count"></p>
  <script src="app.js"></script>
</body>
</html>
`,
    },
    {
      path: 'app.js',
      content: `// Todo list kept in localStorage; "quotes", back\\slashes and unicode ✓ survive the JSON round trip.
const KEY = 'todos';
let todos = JSON.parse(localStorage.getItem(KEY) || '[]');
const list = document.getElementById('list');
function save() { localStorage.setItem(KEY, JSON.stringify(todos)); render(); }
function render() {
  list.replaceChildren(...todos.map((t, i) => {
    const li = document.createElement('li');
    li.className = t.done ? 'done' : '';
    const box = Object.assign(document.createElement('input'), { type: 'checkbox', checked: t.done });
    box.addEventListener('change', () => { todos[i].done = box.checked; save(); });
    const span = Object.assign(document.createElement('span'), { textContent: ' ' + t.text + ' ' });
    const del = Object.assign(document.createElement('button'), { textContent: 'Delete' });
    del.addEventListener('click', () => { todos.splice(i, 1); save(); });
    li.append(box, span, del);
    return li;
  }));
  const left = todos.filter((t) => !t.done).length;
  document.getElementById('count').textContent = left + ' left';
}
document.getElementById('add').addEventListener('submit', (e) => {
  e.preventDefault();
  const input = document.getElementById('text');
  if (input.value.trim()) { todos.push({ text: input.value.trim(), done: false }); input.value = ''; save(); }
});
render();
`,
    },
    { path: 'server.js', content: STATIC_SERVER },
  ],
};

const DEFAULT_API: FakeSpec = {
  appType: 'api',
  title: 'Notes API',
  description: 'An Express API for notes with an index page.',
  startCommand: 'node server.js',
  dependencies: ['express'],
  port: 3000,
  files: [
    {
      path: 'server.js',
      content: `const express = require('express');
const app = express();
app.use(express.json());
const PORT = Number(process.env.PORT) || 3000;
const notes = [{ id: 1, text: 'hello' }];
app.get('/', (_req, res) => res.type('html').send('<h1>Notes API</h1><ul><li>GET /api/notes</li><li>POST /api/notes</li></ul>'));
app.get('/api/notes', (_req, res) => res.json(notes));
app.post('/api/notes', (req, res) => { const n = { id: notes.length + 1, text: String(req.body.text || '') }; notes.push(n); res.status(201).json(n); });
app.listen(PORT, '0.0.0.0', () => console.log('API on port ' + PORT));
`,
    },
  ],
};

/** What a model writes for a react app: only its own files (the scaffold is Spawn App's). */
const DEFAULT_REACT: FakeSpec = {
  appType: 'react',
  title: 'Click counter',
  description: 'A React counter with a reset button.',
  startCommand: 'npm run dev',
  dependencies: [],
  port: 3000,
  files: [
    {
      path: 'src/App.tsx',
      content: `import { useState } from 'react';

export default function App() {
  const [n, setN] = useState(0);
  return (
    <main className="p-8 text-center">
      <h1 className="text-2xl font-bold">Click counter</h1>
      <p id="count" className="text-5xl my-4">{n}</p>
      <button className="px-4 py-2 rounded bg-indigo-600 text-white" onClick={() => setN(n + 1)}>Click</button>
      <button className="ml-2 px-4 py-2 rounded bg-slate-200" onClick={() => setN(0)}>Reset</button>
    </main>
  );
}
`,
    },
    { path: 'src/index.css', content: '@import "tailwindcss";\n' },
  ],
};

const DEFAULT_SCRIPT: FakeSpec = {
  appType: 'script',
  title: 'Squares report',
  description: 'Writes a report of squares and serves it.',
  startCommand: 'python3 main.py',
  dependencies: [],
  port: 3000,
  files: [
    {
      path: 'main.py',
      content: `import http.server, os
PORT = int(os.environ.get("PORT", "3000"))
HERE = os.path.dirname(os.path.abspath(__file__))
rows = "".join(f"<tr><td>{n}</td><td>{n * n}</td></tr>" for n in range(1, 11))
with open(os.path.join(HERE, "report.html"), "w") as f:
    f.write(f"<h1>Squares</h1><table>{rows}</table>")
class H(http.server.SimpleHTTPRequestHandler):
    def __init__(self, *a, **k):
        super().__init__(*a, directory=HERE, **k)
    def do_GET(self):
        if self.path == "/":
            self.path = "/report.html"
        return super().do_GET()
http.server.ThreadingHTTPServer(("0.0.0.0", PORT), H).serve_forever()
`,
    },
  ],
};

export const HOSTILE_SPEC: FakeSpec = {
  appType: 'webapp',
  title: 'Innocent app',
  startCommand: 'node server.js',
  dependencies: [],
  port: 3000,
  files: [
    { path: 'index.html', content: '<h1>hi</h1>' },
    { path: '../../etc/x', content: 'owned' },
    { path: '/etc/passwd', content: 'root::0:0::/root:/bin/sh' },
    { path: 'server.js', content: STATIC_SERVER },
  ],
};

export const FAKE_MODELS = [
  { type: 'model', id: 'claude-haiku-4-5-20251001', display_name: 'Claude Haiku 4.5', created_at: '2025-10-01T00:00:00Z' },
  { type: 'model', id: 'claude-sonnet-4-6', display_name: 'Claude Sonnet 4.6', created_at: '2026-02-17T00:00:00Z' },
  { type: 'model', id: 'claude-opus-4-5-20251101', display_name: 'Claude Opus 4.5', created_at: '2025-11-01T00:00:00Z' },
];

/** The app type a request asks for, read off the forced tool's schema (appType enum) when present. */
function requestedAppType(body: Record<string, unknown>): string | undefined {
  const tools = body.tools as { input_schema?: { properties?: { appType?: { enum?: string[] } } } }[] | undefined;
  return tools?.[0]?.input_schema?.properties?.appType?.enum?.[0];
}

function defaultSpecFor(appType: string | undefined): FakeSpec {
  // The Python stacks: their built-in template, as a model following their prompt would write it.
  if (appType === 'python-api' || appType === 'streamlit') {
    const t = templateSpec(appType, 'a small app');
    return { appType, title: t.title, description: t.description, startCommand: t.startCommand, dependencies: t.dependencies, port: t.port, files: t.files };
  }
  if (appType === 'api') return DEFAULT_API;
  if (appType === 'script') return DEFAULT_SCRIPT;
  if (appType === 'react') return DEFAULT_REACT;
  return DEFAULT_WEBAPP;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export class FakeAnthropic {
  readonly requests: RecordedRequest[] = [];
  readonly responses: RecordedResponse[] = [];
  defaultScenario: Scenario = { kind: 'ok' };
  private readonly queue: Scenario[] = [];
  private seq = 0;
  /** Cached prefixes (their hash) and when each was last used. */
  private readonly cache = new Map<string, number>();

  private constructor(
    private readonly server: http.Server,
    readonly url: string,
    private readonly opts: Required<Omit<FakeAnthropicOptions, 'validKeys' | 'port' | 'host' | 'now' | 'minCacheTokens'>> & { validKeys?: string[]; now: () => number; minCacheTokens?: number },
  ) {}

  static async start(options: FakeAnthropicOptions = {}): Promise<FakeAnthropic> {
    const host = options.host ?? '127.0.0.1';
    const ref: { fake?: FakeAnthropic } = {};
    const server = http.createServer((req, res) => {
      ref.fake!.handle(req, res).catch((err: unknown) => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ type: 'error', error: { type: 'api_error', message: `fake crashed: ${String(err)}` } }));
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, host, () => resolve());
    });
    const { port } = server.address() as AddressInfo;
    const fake = new FakeAnthropic(server, `http://${host}:${port}`, {
      chunkSize: options.chunkSize ?? 48,
      slowChunkDelayMs: options.slowChunkDelayMs ?? 25,
      retryAfterMs: options.retryAfterMs ?? 5,
      verbose: options.verbose ?? false,
      validKeys: options.validKeys,
      cacheTtlMs: options.cacheTtlMs ?? 5 * 60_000,
      now: options.now ?? Date.now,
      minCacheTokens: options.minCacheTokens,
    });
    ref.fake = fake;
    return fake;
  }

  /** Scenarios for the next requests, in order; when the queue is empty, `defaultScenario` answers. */
  enqueue(...scenarios: (ScenarioKind | Scenario)[]): this {
    for (const s of scenarios) this.queue.push(typeof s === 'string' ? { kind: s } : s);
    return this;
  }

  /** Forgets recorded traffic and queued scenarios. */
  reset(): void {
    this.requests.length = 0;
    this.responses.length = 0;
    this.queue.length = 0;
    this.defaultScenario = { kind: 'ok' };
    this.cache.clear();
  }

  messageRequests(): RecordedRequest[] {
    return this.requests.filter((r) => r.method === 'POST' && r.path === '/v1/messages');
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }

  private log(msg: string): void {
    if (this.opts.verbose) process.stderr.write(`[fake-anthropic] ${msg}\n`);
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    let body: Record<string, unknown> | undefined;
    try {
      body = raw ? (JSON.parse(raw) as Record<string, unknown>) : undefined;
    } catch {
      body = undefined;
    }
    const url = new URL(req.url ?? '/', 'http://fake');
    const auth = req.headers.authorization;
    const apiKey = (typeof auth === 'string' && auth.startsWith('Bearer ') ? auth.slice(7) : undefined) ?? (req.headers['x-api-key'] as string | undefined);
    const record: RecordedRequest = { method: req.method ?? 'GET', path: url.pathname, headers: req.headers, body, apiKey, at: Date.now() };
    this.requests.push(record);
    const requestId = `req_fake_${++this.seq}`;
    this.log(`${record.method} ${record.path} (${requestId})`);

    const sendError = (status: number, type: string, message: string, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', 'request-id': requestId, ...headers });
      res.end(JSON.stringify({ type: 'error', error: { type, message }, request_id: requestId }));
    };

    if (!apiKey || (this.opts.validKeys && !this.opts.validKeys.includes(apiKey))) {
      return sendError(401, 'authentication_error', 'invalid x-api-key');
    }

    if (record.method === 'GET' && url.pathname === '/v1/models') {
      const limit = Number(url.searchParams.get('limit') ?? 20);
      const after = url.searchParams.get('after_id');
      const start = after ? FAKE_MODELS.findIndex((m) => m.id === after) + 1 : 0;
      const data = FAKE_MODELS.slice(start, start + limit);
      res.writeHead(200, { 'content-type': 'application/json', 'request-id': requestId });
      res.end(JSON.stringify({ data, has_more: start + limit < FAKE_MODELS.length, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null }));
      return;
    }

    if (record.method !== 'POST' || url.pathname !== '/v1/messages') return sendError(404, 'not_found_error', `Not found: ${record.method} ${url.pathname}`);
    if (!body) return sendError(400, 'invalid_request_error', 'The request body is not valid JSON.');
    // What the API (version 2026-10-21, which SDK 1.x sends) refuses.
    for (const p of ['temperature', 'top_p', 'top_k']) {
      if (p in body) return sendError(400, 'invalid_request_error', `${p}: Extra inputs are not permitted`);
    }
    if (typeof body.model !== 'string' || typeof body.max_tokens !== 'number' || !Array.isArray(body.messages) || body.messages.length === 0) {
      return sendError(400, 'invalid_request_error', 'model, max_tokens and messages are required.');
    }

    const scenario = this.queue.shift() ?? this.defaultScenario;
    record.scenario = scenario.kind;
    const response: RecordedResponse = { scenario: scenario.kind, status: 200, clientClosed: false, eventsWritten: 0 };
    this.responses.push(response);
    const retryAfter = String(scenario.retryAfterMs ?? this.opts.retryAfterMs);

    switch (scenario.kind) {
      case 'auth':
        response.status = 401;
        return sendError(401, 'authentication_error', 'invalid x-api-key');
      case 'permission':
        response.status = 403;
        return sendError(403, 'permission_error', 'Your API key does not have permission to use the specified resource.');
      case 'rate_limit':
        response.status = 429;
        return sendError(429, 'rate_limit_error', 'Number of request tokens has exceeded your per-minute rate limit', { 'retry-after-ms': retryAfter, 'retry-after': '1' });
      case 'overloaded':
        response.status = 529;
        return sendError(529, 'overloaded_error', 'Overloaded', { 'retry-after-ms': retryAfter });
      case 'server_error':
        response.status = 500;
        return sendError(500, 'api_error', 'Internal server error', { 'retry-after-ms': retryAfter });
      case 'not_found':
        response.status = 404;
        return sendError(404, 'not_found_error', `model: ${String(body.model)}`);
      default:
        break;
    }

    if (body.stream !== true) return this.answerWhole(body, scenario, response, res, requestId);
    await this.stream(body, scenario, response, req, res, requestId);
  }

  /** What the answer consists of, before it is chunked. */
  private plan(body: Record<string, unknown>, scenario: Scenario): { kind: 'tool' | 'text'; text: string; stopReason: string; outputTokens: number; cutAt?: number } {
    const spec = scenario.spec ?? (scenario.kind === 'hostile' ? HOSTILE_SPEC : defaultSpecFor(requestedAppType(body)));
    const maxTokens = body.max_tokens as number;
    if (scenario.kind === 'text_only') {
      const text = 'Sure! Here is a todo list app. First, create index.html with a form and a list, then add some JavaScript to handle clicks.';
      return { kind: 'text', text, stopReason: 'end_turn', outputTokens: estimateTokens(text) };
    }
    let json: string;
    if (scenario.kind === 'invalid_json') json = `{"appType": "${spec.appType}", "startCommand": "node server.js", "files": [{"path": "index.html", "content": "<h1>hi</h1>"}, {"path": "app.js" "content": }]`;
    else if (scenario.kind === 'schema_mismatch') json = JSON.stringify({ appType: spec.appType, files: 'index.html, app.js', start: 'node server.js' });
    else if (scenario.input !== undefined) json = JSON.stringify(scenario.input);
    else if (toolName(body) === 'update_app') json = JSON.stringify({ summary: 'No change needed.', changes: [], deletions: [] });
    else json = JSON.stringify(spec);
    const outputTokens = estimateTokens(json) + 12;
    if (scenario.kind === 'max_tokens' || outputTokens > maxTokens) {
      // Cut roughly where the token budget runs out (half-way for the forced scenario).
      const cutAt = scenario.kind === 'max_tokens' ? Math.floor(json.length / 2) : Math.max(1, (maxTokens - 12) * 4);
      // The real API bills exactly max_tokens output tokens when it stops there.
      return { kind: 'tool', text: json, stopReason: 'max_tokens', outputTokens: maxTokens, cutAt };
    }
    return { kind: 'tool', text: json, stopReason: 'tool_use', outputTokens };
  }

  /**
   * The input's tokens as the API reports them with its prompt cache: the longest prefix ending at a breakpoint
   * (`cache_control`) that a request used within the TTL is read; the prefix up to the last breakpoint beyond it is
   * written (and so cached); the rest is plain input. Without a breakpoint nothing is cached, nor is a prefix shorter
   * than the model's minimum.
   */
  private usageOf(body: Record<string, unknown>, outputTokens: number): FakeUsage {
    const segs = segments(body);
    const min = this.opts.minCacheTokens ?? minCacheTokens(String(body.model));
    const now = this.opts.now();
    const total = segs.reduce((n, s) => n + s.tokens, 0);
    const live = (key: string) => {
      const at = this.cache.get(key);
      return at !== undefined && now - at <= this.opts.cacheTtlMs;
    };
    let upTo = 0;
    let read = 0;
    let lastBreak = 0;
    const cacheable: string[] = [];
    for (const seg of segs) {
      upTo += seg.tokens;
      if (!seg.breakpoint || upTo < min) continue;
      if (live(seg.key)) read = upTo;
      lastBreak = upTo;
      cacheable.push(seg.key);
    }
    for (const key of cacheable) this.cache.set(key, now);
    const written = Math.max(0, lastBreak - read);
    return { input_tokens: total - read - written, output_tokens: outputTokens, cache_creation_input_tokens: written, cache_read_input_tokens: read };
  }

  private answerWhole(body: Record<string, unknown>, scenario: Scenario, response: RecordedResponse, res: http.ServerResponse, requestId: string): void {
    const p = this.plan(body, scenario);
    const text = p.cutAt !== undefined ? p.text.slice(0, p.cutAt) : p.text;
    let input: unknown = {};
    try {
      input = JSON.parse(text);
    } catch {
      input = {};
    }
    const content = p.kind === 'text' ? [{ type: 'text', text }] : [{ type: 'tool_use', id: `toolu_fake_${this.seq}`, name: toolName(body), input }];
    const usage = this.usageOf(body, p.outputTokens);
    Object.assign(response, { usage, stopReason: p.stopReason, endedAt: Date.now() });
    res.writeHead(200, { 'content-type': 'application/json', 'request-id': requestId });
    res.end(JSON.stringify({ id: `msg_fake_${this.seq}`, type: 'message', role: 'assistant', model: body.model, content, stop_reason: p.stopReason, stop_sequence: null, usage }));
  }

  private async stream(body: Record<string, unknown>, scenario: Scenario, response: RecordedResponse, req: http.IncomingMessage, res: http.ServerResponse, requestId: string): Promise<void> {
    const p = this.plan(body, scenario);
    const usage = this.usageOf(body, p.outputTokens);
    response.usage = usage;
    response.stopReason = p.stopReason;
    res.on('close', () => {
      if (!res.writableFinished) response.clientClosed = true;
      response.endedAt ??= Date.now();
    });
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive', 'request-id': requestId });
    res.flushHeaders();
    const delay = scenario.chunkDelayMs ?? (scenario.kind === 'slow' ? this.opts.slowChunkDelayMs : 0);
    const size = scenario.chunkSize ?? this.opts.chunkSize;
    const gone = () => res.destroyed || response.clientClosed;
    const send = async (event: string, data: unknown) => {
      if (gone()) return;
      res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
      response.eventsWritten++;
    };

    await send('message_start', {
      type: 'message_start',
      message: { id: `msg_fake_${this.seq}`, type: 'message', role: 'assistant', model: body.model, content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: usage.input_tokens, cache_creation_input_tokens: usage.cache_creation_input_tokens, cache_read_input_tokens: usage.cache_read_input_tokens, output_tokens: 1 } },
    });
    const block = p.kind === 'text' ? { type: 'text', text: '' } : { type: 'tool_use', id: `toolu_fake_${this.seq}`, name: toolName(body), input: {} };
    await send('content_block_start', { type: 'content_block_start', index: 0, content_block: block });
    await send('ping', { type: 'ping' });
    if (p.kind === 'tool') await send('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'input_json_delta', partial_json: '' } });

    const text = p.cutAt !== undefined ? p.text.slice(0, p.cutAt) : p.text;
    const pieces: string[] = [];
    for (let i = 0; i < text.length; i += size) pieces.push(text.slice(i, i + size));
    const breakAt = scenario.kind === 'drop' || scenario.kind === 'stall' || scenario.kind === 'error_event' ? Math.max(1, Math.floor(pieces.length / 3)) : -1;
    for (let i = 0; i < pieces.length; i++) {
      if (gone()) return;
      if (i === breakAt) {
        if (scenario.kind === 'drop') {
          response.endedAt = Date.now();
          res.socket?.destroy();
          return;
        }
        if (scenario.kind === 'stall') return; // keep the connection open, send nothing more
        await send('error', { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' }, request_id: requestId });
        res.end();
        return;
      }
      const delta = p.kind === 'text' ? { type: 'text_delta', text: pieces[i] } : { type: 'input_json_delta', partial_json: pieces[i] };
      await send('content_block_delta', { type: 'content_block_delta', index: 0, delta });
      if (i % 20 === 19) await send('ping', { type: 'ping' });
      if (delay > 0) await sleep(delay);
    }
    if (scenario.holdUntil) await scenario.holdUntil;
    if (gone()) return;
    await send('content_block_stop', { type: 'content_block_stop', index: 0 });
    await send('message_delta', { type: 'message_delta', delta: { stop_reason: p.stopReason, stop_sequence: null }, usage: { output_tokens: usage.output_tokens } });
    await send('message_stop', { type: 'message_stop' });
    response.endedAt = Date.now();
    res.end();
    void req;
  }
}

function toolName(body: Record<string, unknown>): string {
  const choice = body.tool_choice as { type?: string; name?: string } | undefined;
  const tools = body.tools as { name?: string }[] | undefined;
  return choice?.type === 'tool' && choice.name ? choice.name : (tools?.[0]?.name ?? 'tool');
}

async function mainStandalone(argv: string[]): Promise<void> {
  const arg = (name: string) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const fake = await FakeAnthropic.start({
    port: Number(arg('port') ?? 0),
    chunkSize: arg('chunk') ? Number(arg('chunk')) : undefined,
    verbose: true,
  });
  const kind = (arg('scenario') ?? 'ok') as ScenarioKind;
  fake.defaultScenario = { kind, ...(arg('delay') ? { chunkDelayMs: Number(arg('delay')) } : {}) };
  process.stdout.write(`${fake.url}\n`);
  process.stderr.write(`[fake-anthropic] listening on ${fake.url} (scenario ${kind}); try:\n  ANTHROPIC_API_KEY=x ANTHROPIC_BASE_URL=${fake.url} node bin/spawn-app.js generate "a todo list" --generator claude --out /tmp/todo --json\n`);
  const stop = () => void fake.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

if (require.main === module) {
  mainStandalone(process.argv.slice(2)).catch((err: unknown) => {
    process.stderr.write(`${String(err)}\n`);
    process.exit(1);
  });
}
