import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { TOOL_DEFINITIONS } from '../../src/core/tools/definitions';
import { BIN, ensureBuilt, NO_VERIFY, runCli, startCli, VERIFY } from '../helpers/cli';
import { isDown, request } from '../helpers/http';
import { until } from '../helpers/poll';
import { DEFAULT_WEBAPP, FakeAnthropic } from '../fakes/fakeAnthropic';
import { FakeE2B } from '../fakes/fakeE2B';
import { requireSandbox } from '../helpers/sandbox';
import { dayOf } from '../../src/core/deploy/budget';
import { findBrowser } from '../../src/core/verify';

type Text = { content: { type: string; text: string }[]; isError?: boolean };

function textOf(res: unknown): string {
  return (res as Text).content.map((c) => c.text).join('\n');
}

function urlIn(text: string): string {
  const m = /running at (http:\/\/\S+)/.exec(text);
  assert.ok(m, `no URL in: ${text}`);
  return m[1]!;
}

function sandboxIn(text: string): string {
  const m = /Sandbox: (\S+)/.exec(text);
  assert.ok(m, `no sandbox id in: ${text}`);
  return m[1]!;
}

const NO_KEYS = { ANTHROPIC_API_KEY: '', CLAUDE_API_KEY: '', E2B_API_KEY: '' };

/** A raw JSON-RPC session with `spawn-app mcp`: lines in, lines out. */
class RawSession {
  readonly child: ChildProcessWithoutNullStreams;
  readonly stdoutLines: string[] = [];
  stderr = '';
  private partial = '';
  private readonly waiters = new Map<number, (msg: Record<string, unknown>) => void>();
  readonly exited: Promise<number | null>;

  constructor(args: string[], env: NodeJS.ProcessEnv, cwd: string) {
    this.child = spawn(process.execPath, [BIN, 'mcp', ...args], { cwd, env: { ...process.env, ...NO_KEYS, ...env }, stdio: 'pipe' });
    this.child.stdout.setEncoding('utf8');
    this.child.stderr.setEncoding('utf8');
    this.child.stderr.on('data', (d: string) => (this.stderr += d));
    this.child.stdout.on('data', (d: string) => {
      const parts = (this.partial + d).split('\n');
      this.partial = parts.pop() ?? '';
      for (const line of parts) {
        this.stdoutLines.push(line);
        const msg = JSON.parse(line) as Record<string, unknown>;
        if (typeof msg.id === 'number') this.waiters.get(msg.id)?.(msg);
      }
    });
    this.exited = new Promise((r) => this.child.on('close', (code) => r(code)));
  }

  /** Resolves when stderr has shown `re` (checked on every chunk). */
  stderrMatches(re: RegExp): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (!re.test(this.stderr)) return;
        this.child.stderr.off('data', check);
        resolve();
      };
      this.child.stderr.on('data', check);
      void this.exited.then(() => reject(new Error(`exited before stderr showed ${re}; stderr:\n${this.stderr}`)));
      check();
    });
  }

  send(msg: Record<string, unknown>): void {
    this.child.stdin.write(JSON.stringify({ jsonrpc: '2.0', ...msg }) + '\n');
  }

  request(id: number, method: string, params?: unknown): Promise<Record<string, unknown>> {
    const answer = new Promise<Record<string, unknown>>((resolve, reject) => {
      this.waiters.set(id, resolve);
      void this.exited.then(() => reject(new Error(`exited before answering ${method}; stderr:\n${this.stderr}`)));
    });
    this.send({ id, method, ...(params ? { params } : {}) });
    return answer;
  }
}

describe('spawn-app mcp (the built CLI over stdio)', function () {
  this.timeout(120_000);
  let tmp: string;
  let env: NodeJS.ProcessEnv;
  let localRoot: string;
  let appsDir: string;
  const clients: Client[] = [];
  before(() => ensureBuilt());
  beforeEach(() => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'spawn-mcp-test-'));
    localRoot = path.join(tmp, 'sandboxes');
    appsDir = path.join(tmp, 'spawn-apps');
    // The spending cap's file is this test's, never the user's.
    // No browser check (SPAWN_APP_VERIFY=0) but in the two tests of the verification's tool results (VERIFY).
    env = { SPAWN_APP_LOCAL_ROOT: localRoot, SPAWN_APP_STATE_DIR: path.join(tmp, 'state'), ...NO_VERIFY };
  });
  /** Today's spend in the server's spend file, as if earlier runs had spent it. */
  const spent = (usd: number) => {
    mkdirSync(env.SPAWN_APP_STATE_DIR!, { recursive: true });
    writeFileSync(path.join(env.SPAWN_APP_STATE_DIR!, 'spend.json'), JSON.stringify({ day: dayOf(Date.now()), usd, unknown: 0, warned: true, capped: true }));
  };
  afterEach(async () => {
    for (const c of clients.splice(0)) await c.close().catch(() => undefined);
    rmSync(tmp, { recursive: true, force: true });
  });
  const sandboxesLeft = () => (existsSync(localRoot) ? readdirSync(localRoot).filter((n) => n.startsWith('local-')).length : 0);

  async function connect(args: string[] = [], extraEnv: NodeJS.ProcessEnv = {}): Promise<{ client: Client; stderr: () => string }> {
    const transport = new StdioClientTransport({
      command: process.execPath,
      // As the binary's shebang does (`node --`), so that Node leaves a script argument `--env-file` alone.
      args: ['--', BIN, 'mcp', ...args],
      cwd: tmp,
      env: { ...(process.env as Record<string, string>), ...NO_KEYS, ...env, ...extraEnv } as Record<string, string>,
      stderr: 'pipe',
    });
    let stderr = '';
    transport.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    const client = new Client({ name: 'spawn-app-test', version: '1.0.0' });
    await client.connect(transport);
    clients.push(client);
    return { client, stderr: () => stderr };
  }

  it('lists the six tools with the shared schemas (SDK client)', async () => {
    const { client } = await connect();
    assert.equal(client.getServerVersion()?.name, 'spawn-app');
    const { tools } = await client.listTools();
    assert.deepEqual(tools.map((t) => t.name), ['spawn_app', 'deploy_app', 'refine_app', 'list_apps_and_sandboxes', 'get_app_logs', 'destroy_sandbox']);
    for (const t of tools) {
      const def = TOOL_DEFINITIONS.find((d) => d.name === t.name)!;
      assert.deepEqual(t.inputSchema, def.inputSchema, t.name);
      assert.equal(t.description, def.modelDescription);
    }
    assert.equal(tools.find((t) => t.name === 'destroy_sandbox')?.annotations?.destructiveHint, true);
  });

  it('spawn_app (templates, local) → the URL answers → get_app_logs → destroy_sandbox (SDK client)', async () => {
    const { client, stderr } = await connect([], VERIFY);
    const spawned = await client.callTool({ name: 'spawn_app', arguments: { prompt: 'a snake game', appType: 'webapp', deploy: true } });
    const text = textOf(spawned);
    assert.equal((spawned as Text).isError, false, text);
    assert.match(text, /No Anthropic API key is set \(ANTHROPIC_API_KEY\), so the built-in calculator template stands in for "a snake game"\./);
    assert.match(text, /App "calculator"/);
    assert.match(text, /^\s+server\.js$/m);
    const url = urlIn(text);
    const page = await request(url + '/');
    assert.equal(page.status, 200);
    assert.match(page.body, /Calculator/);
    // Verified in a browser, and the screenshot comes as image content: a PNG of the 1280×800 viewport.
    if (findBrowser().path || process.env.SPAWN_APP_REQUIRE_BROWSER === '1') {
      assert.match(text, /^Verification: verified \(\d+ ms\)\.$/m);
      const image = (spawned as { content: { type: string; data?: string; mimeType?: string }[] }).content.find((c) => c.type === 'image');
      assert.equal(image?.mimeType, 'image/png');
      const png = Buffer.from(image!.data!, 'base64');
      assert.equal(png.subarray(1, 4).toString('latin1'), 'PNG');
      assert.deepEqual([png.readUInt32BE(16), png.readUInt32BE(20)], [1280, 800]);
    }
    assert.ok(existsSync(path.join(appsDir, 'calculator', 'spawn-app.json')), 'the app folder is there for the agent to edit');

    const logs = textOf(await client.callTool({ name: 'get_app_logs', arguments: { appId: 'calculator', tail: 10 } }));
    assert.match(logs, /Listening on port \d+/);

    const listed = textOf(await client.callTool({ name: 'list_apps_and_sandboxes', arguments: {} }));
    assert.match(listed, new RegExp(`calculator .*running at ${url.replace(/[.]/g, '\\.')}`));
    assert.match(listed, new RegExp(sandboxIn(text)));

    const destroyed = await client.callTool({ name: 'destroy_sandbox', arguments: { sandboxId: sandboxIn(text) } });
    assert.match(textOf(destroyed), /Destroyed sandbox local-/);
    assert.ok(await isDown(url + '/'), 'the app stopped');
    assert.equal(sandboxesLeft(), 0);
    assert.doesNotMatch(stderr(), /\n\s+at /, 'no stack traces');
  });

  it('bad arguments and unknown tools answer with one sentence and an error code', async () => {
    const { client } = await connect();
    const cases: [string, Record<string, unknown>, RegExp][] = [
      ['spawn_app', {}, /^Error \[usage\]: spawn_app needs "prompt"\.$/],
      ['spawn_app', { prompt: 'x', appType: 'desktop' }, /^Error \[usage\]: "appType" must be one of webapp, react, api, script, python-api, streamlit\.$/],
      ['get_app_logs', { appId: '../../etc' }, /^Error \[usage\]: "\.\.\/\.\.\/etc" is not an app id/],
      ['deploy_app', { appId: 'nope' }, /^Error \[usage\]: There is no app "nope"/],
      ['refine_app', { appId: 'nope', followUp: 'bigger' }, /^Error \[usage\]: There is no app "nope"/],
      ['destroy_sandbox', {}, /^Error \[usage\]: destroy_sandbox needs "sandboxId" or "appId"\.$/],
      ['destroy_sandbox', { sandboxId: 'local-0000000000' }, /^Error \[deploy\.not_found\]/],
      ['frobnicate', {}, /^Error \[usage\]: There is no tool named frobnicate\.$/],
    ];
    for (const [name, args, expected] of cases) {
      const res = await client.callTool({ name, arguments: args });
      assert.equal((res as Text).isError, true, name);
      assert.match(textOf(res), expected, `${name} ${JSON.stringify(args)}`);
    }
  });

  it('refuses to run a model-written or edited app unsandboxed; --allow-local-unsandboxed lets it run (the hostile app)', async () => {
    env.SPAWN_APP_SANDBOX = 'off'; // the local runner without bubblewrap: the case that needs a person's say-so
    const marker = path.join(tmp, 'pwned');
    const hostile = `require('fs').writeFileSync(${JSON.stringify(marker)}, 'ran');\nrequire('http').createServer((q, s) => s.end('hostile')).listen(process.env.PORT);\n`;
    const { client } = await connect();
    // 1. A template app the agent edited after spawn_app wrote it: the manifest still says "templates".
    const spawned = textOf(await client.callTool({ name: 'spawn_app', arguments: { prompt: 'a counter', deploy: false } }));
    assert.match(spawned, /Not deployed; run it with deploy_app \{"appId": "counter"\}/);
    writeFileSync(path.join(appsDir, 'counter', 'server.js'), hostile);
    assert.equal(JSON.parse(readFileSync(path.join(appsDir, 'counter', 'spawn-app.json'), 'utf8')).generator, 'templates');
    // 2. A folder a model wrote, dropped in by hand.
    mkdirSync(path.join(appsDir, 'by-model'), { recursive: true });
    writeFileSync(path.join(appsDir, 'by-model', 'spawn-app.json'), JSON.stringify({ appType: 'webapp', startCommand: 'node server.js', dependencies: [], port: 3000, generator: 'claude' }));
    writeFileSync(path.join(appsDir, 'by-model', 'server.js'), hostile);
    for (const appId of ['counter', 'by-model']) {
      const res = await client.callTool({ name: 'deploy_app', arguments: { appId } });
      assert.equal((res as Text).isError, true);
      assert.match(textOf(res), /^Error \[refused\.unsandboxed\]: This code was not generated from a built-in template just now \(it was read from a folder, restored or edited\), and the local runner would run it unsandboxed on this machine, with your permissions.*\. Nothing was run\. .*--allow-local-unsandboxed/);
    }
    assert.equal(existsSync(marker), false, 'the hostile code never ran');
    assert.equal(sandboxesLeft(), 0, 'no sandbox was created');
    await client.close();

    const allowed = await connect(['--allow-local-unsandboxed']);
    const res = textOf(await allowed.client.callTool({ name: 'deploy_app', arguments: { appId: 'by-model' } }));
    assert.equal((await request(urlIn(res) + '/')).body, 'hostile');
    assert.equal(readFileSync(marker, 'utf8'), 'ran', 'with the flag it runs, so the refusal above was the flag\'s doing');
  });

  it('--env-file: a secret reaches the app’s environment, never a tool result nor the server’s log (SDK client)', async () => {
    const secret = 'wx-7f3a9c1e5b2d44';
    const envFile = path.join(tmp, 'app.env');
    writeFileSync(envFile, `WEATHER_API_KEY=${secret}\n`);
    mkdirSync(path.join(appsDir, 'weather'), { recursive: true });
    writeFileSync(path.join(appsDir, 'weather', 'spawn-app.json'), JSON.stringify({ appType: 'api', startCommand: 'node server.js', dependencies: [], port: 3000, generator: 'claude' }));
    writeFileSync(
      path.join(appsDir, 'weather', 'server.js'),
      `const k = String(process.env.WEATHER_API_KEY);\nconsole.log('my key is ' + k);\nrequire('http').createServer((q, s) => s.end('key=' + k)).listen(process.env.PORT, process.env.HOST);\n`,
    );
    // Unsandboxed where bubblewrap is missing: the flag is about trust, this test is about the secret.
    const { client, stderr } = await connect(['--env-file', envFile, '--allow-local-unsandboxed']);
    const deployed = await client.callTool({ name: 'deploy_app', arguments: { appId: 'weather' } });
    const text = textOf(deployed);
    assert.equal((deployed as Text).isError, false, text);
    assert.equal((await request(urlIn(text) + '/')).body, `key=${secret}`, 'the app read its secret from its environment');
    const logs = textOf(await client.callTool({ name: 'get_app_logs', arguments: { appId: 'weather' } }));
    assert.match(logs, /my key is \[redacted\]/);
    const listed = textOf(await client.callTool({ name: 'list_apps_and_sandboxes', arguments: {} }));
    for (const t of [text, logs, listed, stderr()]) assert.ok(!t.includes(secret), `a value leaked: ${t}`);
    assert.match(stderr(), /app secrets: WEATHER_API_KEY/, 'the server names the secrets it holds, never their values');
  });

  it('a stopped app is restarted in place by deploy_app: the same sandbox, no new one (the extension’s rule)', async () => {
    mkdirSync(path.join(appsDir, 'stopper'), { recursive: true });
    writeFileSync(path.join(appsDir, 'stopper', 'spawn-app.json'), JSON.stringify({ appType: 'webapp', startCommand: 'node server.js', dependencies: [], port: 3000, generator: 'user' }));
    writeFileSync(
      path.join(appsDir, 'stopper', 'server.js'),
      `require('http').createServer((q, s) => { s.end(q.url === '/exit' ? 'bye' : 'up'); if (q.url === '/exit') setImmediate(() => process.exit(3)); }).listen(process.env.PORT, process.env.HOST);\n`,
    );
    const { client } = await connect(['--allow-local-unsandboxed']);
    const first = textOf(await client.callTool({ name: 'deploy_app', arguments: { appId: 'stopper' } }));
    assert.match(first, /^Started/m, first);
    const sandboxId = sandboxIn(first);
    assert.equal((await request(urlIn(first) + '/exit')).body, 'bye');
    // The server sees the app's exit (its list says so) before the next deploy.
    await until(async () => /stopper .* not running/.test(textOf(await client.callTool({ name: 'list_apps_and_sandboxes', arguments: {} }))), 'the list to say the app is not running', 15_000, 50);
    const again = textOf(await client.callTool({ name: 'deploy_app', arguments: { appId: 'stopper' } }));
    assert.match(again, /^Restarted in place \(same sandbox\)/m, again);
    assert.equal(sandboxIn(again), sandboxId, 'the same sandbox');
    assert.equal(sandboxesLeft(), 1, 'no second sandbox');
    assert.equal((await request(urlIn(again) + '/')).body, 'up');
  });

  it('the bubblewrap-sandboxed local runner needs no flag for a model-written app', async function () {
    requireSandbox(this); // skips where bubblewrap cannot sandbox (the refusal above covers that), fails in CI
    mkdirSync(path.join(appsDir, 'by-model'), { recursive: true });
    writeFileSync(path.join(appsDir, 'by-model', 'spawn-app.json'), JSON.stringify({ appType: 'webapp', startCommand: 'node server.js', dependencies: [], port: 3000, generator: 'claude' }));
    writeFileSync(path.join(appsDir, 'by-model', 'server.js'), `require('http').createServer((q, s) => s.end('model-written')).listen(process.env.PORT, process.env.HOST);\n`);
    const { client } = await connect();
    const res = textOf(await client.callTool({ name: 'deploy_app', arguments: { appId: 'by-model' } }));
    assert.equal((await request(urlIn(res) + '/')).body, 'model-written');
  });

  it('raw JSON-RPC lines: initialize, tools/list, tools/call; stdout carries only JSON-RPC; disconnect destroys what it started', async () => {
    const s = new RawSession([], env, tmp);
    const init = await s.request(1, 'initialize', { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '0' } });
    assert.equal((init.result as { serverInfo: { name: string } }).serverInfo.name, 'spawn-app');
    s.send({ method: 'notifications/initialized' });
    const list = await s.request(2, 'tools/list');
    assert.equal((list.result as { tools: unknown[] }).tools.length, 6);
    const call = await s.request(3, 'tools/call', { name: 'spawn_app', arguments: { prompt: 'a todo list', appType: 'webapp' } });
    const url = urlIn(textOf(call.result));
    assert.equal((await request(url + '/')).status, 200);
    assert.equal(sandboxesLeft(), 1);
    s.child.stdin.end(); // the client goes away
    assert.equal(await s.exited, 0, s.stderr);
    assert.ok(await isDown(url + '/'), 'the app died with the session');
    assert.equal(sandboxesLeft(), 0);
    assert.ok(s.stdoutLines.length >= 3);
    for (const line of s.stdoutLines) assert.equal((JSON.parse(line) as { jsonrpc: string }).jsonrpc, '2.0', line);
    assert.match(s.stderr, /\[mcp\] stopping: the client disconnected/);
    assert.match(s.stderr, /\[mcp\] destroying local-/);
  });

  it('destroy_sandbox leaves a sandbox another process started (a CLI run) running; --allow-destroy-any stops it, and the run says so', async () => {
    const run = startCli(['run', 'a counter', '--json', '--provider', 'local'], env, tmp);
    try {
      const ready = await run.waitFor((e) => e.event === 'ready');
      const id = String(ready.sandboxId);
      const { client } = await connect();
      const refused = await client.callTool({ name: 'destroy_sandbox', arguments: { sandboxId: id } });
      assert.equal((refused as Text).isError, true);
      assert.equal(
        textOf(refused),
        `Error [refused.not_ours]: Sandbox ${id} was not started by this server (another process runs it: a spawn-app run, an editor, another agent), so it was left running. Stop it there, or start the server with --allow-destroy-any to let destroy_sandbox stop any of your sandboxes.`,
      );
      assert.equal((await request(String(ready.url))).status, 200, 'still serving');
      assert.equal(run.child.exitCode, null, 'the run still runs');

      const { client: any } = await connect(['--allow-destroy-any']);
      const destroyed = await any.callTool({ name: 'destroy_sandbox', arguments: { sandboxId: id } });
      assert.match(textOf(destroyed), new RegExp(`^Destroyed sandbox ${id} and its data(, \\d+ KB)?\\.$`));
      const res = await run.done;
      assert.equal(res.code, 5, res.stdout + res.stderr);
      const last = JSON.parse(res.stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;
      assert.deepEqual(last, { event: 'error', code: 'deploy.not_found', message: `Sandbox ${id} was destroyed by another process (spawn-app destroy, an MCP client or the editor), so the app stopped.` });
      assert.ok(await isDown(String(ready.url)));
    } finally {
      if (run.child.exitCode === null && run.child.signalCode === null) run.child.kill('SIGINT');
    }
  });

  it('destroy_sandbox may stop a kept sandbox of an app in its own --dir, started by an earlier server; not one of another --dir', async () => {
    const first = new RawSession([], env, tmp);
    await first.request(1, 'initialize', { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '0' } });
    first.send({ method: 'notifications/initialized' });
    const text = textOf((await first.request(2, 'tools/call', { name: 'spawn_app', arguments: { prompt: 'a counter', keep: true } })).result);
    const id = sandboxIn(text);
    first.child.stdin.end();
    await first.stderrMatches(/kept local app\(s\) still running/);
    try {
      const { client: other } = await connect(['--dir', path.join(tmp, 'other-apps')]);
      assert.match(textOf(await other.callTool({ name: 'destroy_sandbox', arguments: { sandboxId: id } })), /^Error \[refused\.not_ours\]/);
      const { client: same } = await connect();
      assert.match(textOf(await same.callTool({ name: 'destroy_sandbox', arguments: { sandboxId: id } })), new RegExp(`^Destroyed sandbox ${id} and its data(, \\d+ KB)?\\.$`));
      assert.equal(await first.exited, 0, 'the first server ends once its kept app is gone');
    } finally {
      if (first.child.exitCode === null) first.child.kill('SIGTERM');
    }
  });

  it('keep: true keeps a local app after the client disconnects, until it is destroyed', async () => {
    const s = new RawSession([], env, tmp);
    await s.request(1, 'initialize', { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '0' } });
    s.send({ method: 'notifications/initialized' });
    const call = await s.request(2, 'tools/call', { name: 'spawn_app', arguments: { prompt: 'a counter', keep: true } });
    const text = textOf(call.result);
    assert.match(text, /Kept after this session ends/);
    const url = urlIn(text);
    s.child.stdin.end();
    await s.stderrMatches(/kept local app\(s\) still running/);
    assert.equal((await request(url + '/')).status, 200, 'still running after the disconnect');
    const destroyed = await runCli(['destroy', sandboxIn(text)], env, tmp);
    assert.equal(destroyed.code, 0, destroyed.stderr);
    assert.equal(await s.exited, 0, 'the server ends once its kept app is gone');
    assert.ok(await isDown(url + '/'));
  });

  describe('with Claude (fake Anthropic) and E2B (fake E2B)', () => {
    let anthropic: FakeAnthropic;
    let e2b: FakeE2B;
    before(async () => {
      anthropic = await FakeAnthropic.start();
      e2b = await FakeE2B.start();
    });
    after(async () => {
      await anthropic.close();
      await e2b.close();
    });
    /** The settings a user of self-hosted E2B would set, pointing at the fake. */
    const e2bEnv = () => ({ E2B_API_KEY: e2b.apiKey, E2B_API_URL: e2b.url, E2B_SANDBOX_URL: e2b.url, E2B_DOMAIN: e2b.domain });

    it('a model-written app runs in E2B without any flag, and the sandbox is destroyed on disconnect', async () => {
      const { client } = await connect([], { ANTHROPIC_API_KEY: 'x', ANTHROPIC_BASE_URL: anthropic.url, ...e2bEnv() });
      const res = await client.callTool({ name: 'spawn_app', arguments: { prompt: 'a todo list', appType: 'webapp' } });
      const text = textOf(res);
      assert.equal((res as Text).isError, false, text);
      assert.match(text, /written by claude for \$/);
      for (const f of DEFAULT_WEBAPP.files) assert.match(text, new RegExp(`^\\s+${f.path.replace('.', '\\.')}$`, 'm'));
      assert.match(text, /in an E2B sandbox/);
      const id = sandboxIn(text);
      assert.equal(e2b.created.length, 1);
      const host = new URL(urlIn(text)).host;
      const page = await request(`${e2b.url}/`, { headers: { host } });
      assert.equal(page.status, 200);
      await client.close();
      const listed = await runCli(['list', '--json'], { ...e2bEnv(), ...env }, tmp);
      assert.doesNotMatch(listed.stdout, new RegExp(id), 'destroyed when the client disconnected');
    });

    it('--budget: past today’s cap spawn_app and deploy_app on E2B are refused before any paid call (no model request, no sandbox)', async () => {
      spent(5);
      mkdirSync(path.join(appsDir, 'by-hand'), { recursive: true });
      writeFileSync(path.join(appsDir, 'by-hand', 'spawn-app.json'), JSON.stringify({ appType: 'webapp', startCommand: 'node server.js', dependencies: [], port: 3000, generator: 'user' }));
      writeFileSync(path.join(appsDir, 'by-hand', 'server.js'), `require('http').createServer((q, s) => s.end('hi')).listen(process.env.PORT);\n`);
      const sandboxes = e2b.created.length;
      const asked = anthropic.messageRequests().length;
      const keys = { ANTHROPIC_API_KEY: 'x', ANTHROPIC_BASE_URL: anthropic.url, ...e2bEnv() };
      // The flag, and the CLI's environment variable without it: the same cap.
      for (const [args, extra] of [[['--budget', '1'], {}], [[], { SPAWN_APP_BUDGET_USD: '1' }]] as const) {
        const { client } = await connect([...args], { ...keys, ...extra });
        const res = await client.callTool({ name: 'spawn_app', arguments: { prompt: 'a todo list', appType: 'webapp' } });
        assert.equal((res as Text).isError, true);
        assert.match(textOf(res), /^Error \[usage\]: Today's spending cap is reached \(\$5[.0-9]* \/ \$1[.0-9]* today\): no generation or E2B sandbox was started; raise the budget or wait until tomorrow\.$/);
        const dep = await client.callTool({ name: 'deploy_app', arguments: { appId: 'by-hand' } });
        assert.equal((dep as Text).isError, true);
        assert.match(textOf(dep), /^Error \[usage\]: Today's spending cap is reached .*: no E2B sandbox was started/);
        await client.close();
      }
      assert.equal(e2b.created.length, sandboxes, 'no sandbox was created');
      assert.equal(anthropic.messageRequests().length, asked, 'the model was never asked');
      assert.deepEqual(readdirSync(appsDir), ['by-hand'], 'nothing was written');
      // With no cap the same call runs: the refusal above was the cap's doing.
      const open = await connect(['--budget', '0'], keys);
      const ok = await open.client.callTool({ name: 'spawn_app', arguments: { prompt: 'a todo list', appType: 'webapp' } });
      assert.equal((ok as Text).isError, false, textOf(ok));
      assert.equal(e2b.created.length, sandboxes + 1);
      // The generation's cost went to the same spend file the CLI uses (the E2B seconds are metered as it runs).
      const record = JSON.parse(readFileSync(path.join(env.SPAWN_APP_STATE_DIR!, 'spend.json'), 'utf8')) as { usd: number };
      assert.ok(record.usd > 5, `charged: ${record.usd}`);
    });

    it('deploy_app of an app that fails its verification: the fix round, its cost and the verified result (local runner)', async function () {
      if (!findBrowser().path && process.env.SPAWN_APP_REQUIRE_BROWSER !== '1') this.skip();
      const dir = path.join(appsDir, 'greeting');
      mkdirSync(dir, { recursive: true });
      writeFileSync(path.join(dir, 'spawn-app.json'), JSON.stringify({ appType: 'webapp', title: 'Greeting', startCommand: 'node server.js', dependencies: [], port: 3000 }));
      writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>Greeting</title><h1>Hello</h1><script src="/app.js"></script>');
      writeFileSync(path.join(dir, 'app.js'), 'undefinedFunction();\n');
      writeFileSync(
        path.join(dir, 'server.js'),
        "const fs = require('fs');\nrequire('http').createServer((q, s) => { const f = q.url === '/' ? 'index.html' : q.url.slice(1); " +
          "fs.readFile(__dirname + '/' + f, (e, b) => e ? s.writeHead(404).end() : s.writeHead(200, { 'content-type': f.endsWith('.js') ? 'text/javascript' : 'text/html' }).end(b)); })" +
          ".listen(Number(process.env.PORT) || 3000, process.env.HOST || '127.0.0.1');\n",
      );
      const { client } = await connect(['--allow-local-unsandboxed'], { ANTHROPIC_API_KEY: 'x', ANTHROPIC_BASE_URL: anthropic.url, ...VERIFY });
      anthropic.enqueue({ kind: 'ok', input: { summary: 'Removed the call to a missing function.', changes: [{ path: 'app.js', content: 'document.title = "Greeting";\n' }], deletions: [] } });
      const res = await client.callTool({ name: 'deploy_app', arguments: { appId: 'greeting' } });
      const text = textOf(res);
      assert.equal((res as Text).isError, false, text);
      assert.match(text, /^Fix round 1: Removed the call to a missing function\. \(app\.js; \$0\.\d+\) → verified\.$/m);
      assert.match(text, /^Verification: verified \(\d+ ms\)\.$/m);
      assert.equal(readFileSync(path.join(dir, 'app.js'), 'utf8'), 'document.title = "Greeting";\n');
      const image = (res as { content: { type: string }[] }).content.find((c) => c.type === 'image');
      assert.ok(image, 'the screenshot of the fixed app');
    });

    it('spawn_app pre-warms its E2B sandbox while the model writes, as the CLI’s run does: one create, the deploy goes into it; a failed generation kills it; --no-prewarm creates at deploy time', async () => {
      const keys = { ANTHROPIC_API_KEY: 'x', ANTHROPIC_BASE_URL: anthropic.url, ...e2bEnv() };
      const { client } = await connect([], keys);
      const before = e2b.created.length;
      // The model's answer is held until a sandbox exists: it can only, if it was made while the model wrote.
      let release!: () => void;
      anthropic.enqueue({ kind: 'ok', holdUntil: new Promise<void>((r) => (release = r)) });
      const call = client.callTool({ name: 'spawn_app', arguments: { prompt: 'a todo list', appType: 'webapp' } });
      const prewarmed = await until(() => e2b.live().find((sb) => sb.metadata.prewarm === 'true'), 'a pre-warmed sandbox while the model writes');
      assert.equal(e2b.created.length, before + 1);
      release();
      const res = await call;
      const text = textOf(res);
      assert.equal((res as Text).isError, false, text);
      assert.equal(sandboxIn(text), prewarmed.id, 'the deploy went into the pre-warmed sandbox');
      assert.equal(e2b.created.length, before + 1, 'no second sandbox');

      // A generation that fails: its pre-warmed sandbox is killed, nothing is left running for it.
      anthropic.enqueue({ kind: 'auth', holdUntil: new Promise<void>((r) => (release = r)) });
      const failing = client.callTool({ name: 'spawn_app', arguments: { prompt: 'a counter', appType: 'webapp' } });
      const doomed = await until(() => e2b.live().find((sb) => sb.metadata.prewarm === 'true' && sb.id !== prewarmed.id), 'the second pre-warmed sandbox');
      release();
      assert.equal(((await failing) as Text).isError, true);
      await until(() => !e2b.live().some((sb) => sb.id === doomed.id), 'the unused pre-warmed sandbox killed');
      await client.close();

      const off = await connect(['--no-prewarm'], keys);
      const plain = await off.client.callTool({ name: 'spawn_app', arguments: { prompt: 'a todo list', appType: 'webapp' } });
      assert.equal((plain as Text).isError, false, textOf(plain));
      const made = e2b.live().find((sb) => sb.id === sandboxIn(textOf(plain)));
      assert.ok(made && made.metadata.prewarm === undefined, 'created at deploy time');
    });

    it('refine_app writes the changed files and updates the running app in place', async () => {
      const { client } = await connect([], { ANTHROPIC_API_KEY: 'x', ANTHROPIC_BASE_URL: anthropic.url, ...e2bEnv() });
      const before = e2b.created.length;
      const text = textOf(await client.callTool({ name: 'spawn_app', arguments: { prompt: 'a todo list', appType: 'webapp' } }));
      const appId = /App "([^"]+)"/.exec(text)![1]!;
      const host = new URL(urlIn(text)).host;
      anthropic.enqueue({ kind: 'ok', input: { summary: 'Made the title red.', changes: [{ path: 'index.html', content: '<h1 style="color:red">Todos, refined</h1>' }], deletions: [] } });
      const refined = await client.callTool({ name: 'refine_app', arguments: { appId, followUp: 'make the title red' } });
      const rt = textOf(refined);
      assert.equal((refined as Text).isError, false, rt);
      assert.match(rt, /^Made the title red\. \(claude-haiku-4-5, \$/);
      assert.match(rt, /^\s+M index\.html$/m);
      assert.match(rt, /Updated in place \(no restart needed\)/);
      assert.equal(readFileSync(path.join(appsDir, appId, 'index.html'), 'utf8'), '<h1 style="color:red">Todos, refined</h1>');
      assert.match((await request(`${e2b.url}/`, { headers: { host } })).body, /Todos, refined/);
      assert.equal(e2b.created.length, before + 1, 'one new sandbox for this test\'s app, none for the refine');
    });
  });
});
