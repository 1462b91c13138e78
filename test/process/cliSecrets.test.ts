/**
 * App secrets and the spending cap through the built `spawn-app` (real child processes, fake Messages API, fake
 * E2B): the app reads its secret; the value reaches no model request, no --json event, no written file and no log
 * line; a tiny budget refuses the second generation (exit 2); at the cap the fake E2B sees a pause.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { ensureBuilt, NO_VERIFY, runCli, startCli } from '../helpers/cli';
import { request } from '../helpers/http';
import type { FakeSpec } from '../fakes/fakeAnthropic';
import { FakeAnthropic } from '../fakes/fakeAnthropic';
import { FakeE2B } from '../fakes/fakeE2B';
import { readTree } from '../helpers/files';

const SECRET = 'wk-live-7f3a9c1e5b2d4f60';

/** An app that reads its secret: it serves a proof at /secret, prints the value (hostile) and writes seen.txt. */
const READS_SECRET: FakeSpec = {
  appType: 'webapp',
  title: 'Weather',
  description: 'Shows the weather.',
  startCommand: 'node server.js',
  dependencies: [],
  port: 3000,
  files: [
    { path: 'index.html', content: '<!doctype html><h1>Weather</h1>' },
    {
      path: 'server.js',
      content: [
        "const http = require('http');",
        "const fs = require('fs');",
        'const key = process.env.WEATHER_API_KEY || "";',
        "fs.writeFileSync('seen.txt', key);",
        "console.log('my key is ' + key);",
        "console.error('stderr key ' + key);",
        "http.createServer((req, res) => res.end(req.url === '/secret' ? key : 'hi')).listen(Number(process.env.PORT) || 3000, process.env.HOST || '127.0.0.1');",
      ].join('\n'),
    },
  ],
};

function findFile(dir: string, name: string): string | undefined {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isFile() && e.name === name) return p;
    if (e.isDirectory() && e.name !== 'node_modules') {
      const f = findFile(p, name);
      if (f) return f;
    }
  }
  return undefined;
}

describe('spawn-app: app secrets and the spending cap (real process)', function () {
  this.timeout(90_000);
  let anthropic: FakeAnthropic;
  let tmp: string;
  let envFile: string;
  let env: NodeJS.ProcessEnv;
  before(async () => {
    ensureBuilt();
    anthropic = await FakeAnthropic.start();
  });
  after(async () => anthropic.close());
  beforeEach(() => {
    anthropic.reset();
    tmp = mkdtempSync(path.join(os.tmpdir(), 'spawn-cli-secrets-'));
    envFile = path.join(tmp, '.env');
    writeFileSync(envFile, `# the app's secrets\nWEATHER_API_KEY="${SECRET}"\nexport UNITS=metric\n`);
    env = {
      ANTHROPIC_API_KEY: 'x',
      ANTHROPIC_BASE_URL: anthropic.url,
      SPAWN_APP_LOCAL_ROOT: path.join(tmp, 'sandboxes'),
      SPAWN_APP_STATE_DIR: path.join(tmp, 'state'),
      // No test here looks at the page: no browser check (the verification suites test it).
      ...NO_VERIFY,
    };
  });
  afterEach(() => rmSync(tmp, { recursive: true, force: true }));

  const modelSaw = () => JSON.stringify(anthropic.messageRequests().map((r) => r.body));

  for (const mode of ['bubblewrap', 'unsandboxed'] as const) {
    it(`run --env-file (${mode}): the app reads the value; no model request, event or log line holds it`, async () => {
      anthropic.enqueue({ kind: 'ok', spec: READS_SECRET });
      const cli = startCli(['run', 'the weather', '--generator', 'claude', '--provider', 'local', '--env-file', envFile, '--json', '--yes'], {
        ...env,
        ...(mode === 'unsandboxed' ? { SPAWN_APP_SANDBOX: 'off' } : {}),
      });
      const ready = (await cli.waitFor((e) => e.event === 'ready')) as { url: string };
      const res = await request(`${ready.url}/secret`);
      assert.equal(res.body, SECRET, 'the app read its secret from its environment');
      await cli.waitFor((e) => e.event === 'log' && e.stream === 'stderr');
      cli.child.kill('SIGINT');
      const r = await cli.done;
      assert.equal(r.code, 0, r.stderr);
      const iso = cli.lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((e) => e.event === 'isolation');
      assert.equal(iso?.sandboxed, mode === 'bubblewrap' ? true : false);
      // The model was told the name, never the value.
      assert.match(modelSaw(), /process\.env\.WEATHER_API_KEY/);
      assert.ok(!modelSaw().includes(SECRET), 'the value reached the model');
      // Nothing printed holds it: the app's own lines are redacted.
      assert.ok(!r.stdout.includes(SECRET) && !r.stderr.includes(SECRET), 'the value was printed');
      assert.match(r.stdout, /my key is \[redacted\]/);
      assert.match(r.stdout, /stderr key \[redacted\]/);
    });
  }

  it('generate --out --env-file: the files and manifest never hold the value; the prompt names it', async () => {
    const out = path.join(tmp, 'out');
    const r = await runCli(['generate', 'the weather', '--generator', 'claude', '--out', out, '--env-file', envFile, '--json'], env);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(!readTree(out).includes(SECRET));
    assert.ok(!r.stdout.includes(SECRET) && !r.stderr.includes(SECRET));
    const system = String((anthropic.messageRequests()[0]?.body as { system?: unknown }).system);
    assert.match(system, /process\.env\.WEATHER_API_KEY, process\.env\.UNITS/);
  });

  it('a value written into a file is reported by name (never shown), and a secret read in the browser is warned about', async () => {
    const app = path.join(tmp, 'leaky');
    mkdirSync(app);
    writeFileSync(path.join(app, 'spawn-app.json'), JSON.stringify({ appType: 'webapp', startCommand: 'node server.js', dependencies: [], port: 3000 }));
    writeFileSync(path.join(app, 'server.js'), `const k = "${SECRET}";\nrequire('http').createServer((q, s) => s.end('x')).listen(3000);\n`);
    writeFileSync(path.join(app, 'index.html'), '<script>fetch("https://api.example/w?k=" + process.env.WEATHER_API_KEY)</script>');
    const r = await runCli(['validate', app, '--env-file', envFile, '--json'], env);
    assert.equal(r.code, 0, r.stderr);
    const rules = r.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { rule: string; path: string; message: string });
    assert.ok(rules.some((f) => f.rule === 'secret.value_in_file' && f.path === 'server.js' && /WEATHER_API_KEY/.test(f.message)));
    assert.ok(rules.some((f) => f.rule === 'secret.client_side' && f.path === 'index.html'));
    assert.ok(!r.stdout.includes(SECRET));
  });

  describe('refine --env-file (the model\'s patch)', () => {
    const appDir = () => {
      const dir = path.join(tmp, 'app');
      mkdirSync(dir);
      writeFileSync(path.join(dir, 'spawn-app.json'), JSON.stringify({ appType: 'webapp', startCommand: 'node server.js', dependencies: [], port: 3000 }));
      writeFileSync(path.join(dir, 'server.js'), "require('http').createServer((q, s) => s.end('x')).listen(process.env.PORT);\n");
      return dir;
    };

    it('a summary holding the value is printed redacted', async () => {
      const dir = appDir();
      anthropic.enqueue({ kind: 'ok', input: { summary: `Uses the key ${SECRET} now.`, changes: [{ path: 'index.html', content: '<h1>hi</h1>' }], deletions: [] } });
      const r = await runCli(['refine', dir, 'add a page', '--env-file', envFile], env);
      assert.equal(r.code, 0, r.stderr);
      assert.ok(!r.stdout.includes(SECRET) && !r.stderr.includes(SECRET), 'the value was printed');
      assert.match(r.stderr, /Uses the key \[redacted\] now\./);
    });

    it('a change that writes the value into a file is reported by name (secret.value_in_file)', async () => {
      const dir = appDir();
      anthropic.enqueue({ kind: 'ok', input: { summary: 'Adds the key.', changes: [{ path: 'server.js', content: `const k = "${SECRET}";\nrequire('http').createServer((q, s) => s.end('x')).listen(process.env.PORT);\n` }], deletions: [] } });
      const r = await runCli(['refine', dir, 'use the key', '--env-file', envFile, '--json'], env);
      assert.equal(r.code, 0, r.stderr);
      const events = r.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { event: string; rule?: string; path?: string; message?: string });
      assert.ok(events.some((e) => e.event === 'finding' && e.rule === 'secret.value_in_file' && e.path === 'server.js' && /WEATHER_API_KEY/.test(e.message ?? '')), r.stdout);
      assert.ok(!r.stdout.includes(SECRET) && !r.stderr.includes(SECRET));
    });
  });

  it('a bad env file is one sentence (exit 2), without the values', async () => {
    writeFileSync(envFile, `PATH=${SECRET}\n`);
    const r = await runCli(['validate', tmp, '--env-file', envFile], env);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /^Error: In .*\.env: PATH is set by the runner itself; choose another name\.\n$/);
    const missing = await runCli(['validate', tmp, '--env-file', path.join(tmp, 'nope.env')], env);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /does not exist/);
  });

  describe('an env file that is not a small regular text file: one sentence (exit 2), never a hang, a growing read or E2BIG', () => {
    const live: ReturnType<typeof startCli>[] = [];
    afterEach(() => {
      // Before the fix a FIFO hung the CLI: never leave one behind.
      for (const c of live.splice(0)) if (c.child.exitCode === null && c.child.signalCode === null) c.child.kill('SIGKILL');
    });
    const run = (args: string[]) => {
      const c = startCli(args, env);
      live.push(c);
      return c.done;
    };
    const appDir = () => {
      const dir = path.join(tmp, 'app');
      mkdirSync(dir, { recursive: true });
      writeFileSync(path.join(dir, 'spawn-app.json'), JSON.stringify({ appType: 'webapp', startCommand: 'node server.js', dependencies: [], port: 3000 }));
      writeFileSync(path.join(dir, 'server.js'), "require('http').createServer((q, s) => s.end('x')).listen(process.env.PORT)");
      return dir;
    };
    const oneSentence = (r: { code: number | null; stderr: string }, re: RegExp) => {
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr.trim(), re);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
      assert.doesNotMatch(r.stderr, /Unexpected error|E2BIG|\n\s+at /);
    };

    it('a FIFO: refused at once, though nothing ever writes to it (the CLI exits by itself)', async () => {
      const fifo = path.join(tmp, 'secrets.fifo');
      execFileSync('mkfifo', [fifo]);
      oneSentence(await run(['validate', appDir(), '--env-file', fifo]), /^Error: The env file .*secrets\.fifo is not a regular file \(a FIFO, socket or device\); Spawn App reads only regular files\.$/);
    });

    it('a character device (/dev/zero, /dev/urandom): refused, not read', async () => {
      for (const dev of ['/dev/zero', '/dev/urandom']) {
        oneSentence(await run(['validate', appDir(), '--env-file', dev]), new RegExp(`^Error: The env file ${dev} is not a regular file \\(a FIFO, socket or device\\); Spawn App reads only regular files\\.$`));
      }
    });

    it('a 200 KB value: deploy refuses the file by its size (before: "Unexpected error: spawn E2BIG", exit 1)', async () => {
      writeFileSync(envFile, `BIG=${'x'.repeat(200 * 1024)}\n`);
      oneSentence(await run(['deploy', appDir(), '--env-file', envFile, '--provider', 'local', '--yes']), /^Error: The env file .*\.env is larger than 64 KB, the most Spawn App reads\.$/);
      assert.ok(!existsSync(env.SPAWN_APP_LOCAL_ROOT!) || readdirSync(env.SPAWN_APP_LOCAL_ROOT!).filter((n) => n.startsWith('local-')).length === 0, 'nothing started');
    });

    it('one value over 32 KB, or a value holding a NUL: refused by name, the value never shown', async () => {
      writeFileSync(envFile, `SMALL=${SECRET}\nBLOB=${'y'.repeat(40 * 1024)}\n`);
      oneSentence(await run(['validate', appDir(), '--env-file', envFile]), /^Error: In .*\.env: the value of BLOB is 40 KB; a secret's value may be at most 32 KB\.$/);
      writeFileSync(envFile, `NULLY="a\0b${SECRET}"\n`);
      const r = await run(['validate', appDir(), '--env-file', envFile]);
      oneSentence(r, /^Error: In .*\.env: the value of NULLY holds a NUL byte, which no environment variable can\.$/);
      assert.ok(!r.stderr.includes(SECRET));
    });
  });

  it('a tiny budget: the first generation runs and reaches the cap, the second is refused (exit 2, one sentence); the spend file is 0600', async () => {
    const out = path.join(tmp, 'a');
    const first = await runCli(['generate', 'a todo list', '--generator', 'claude', '--out', out, '--budget', '0.0001', '--json'], env);
    assert.equal(first.code, 0, first.stderr);
    const budget = first.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>).find((e) => e.event === 'budget');
    assert.equal(budget?.status, 'reached');
    const second = await runCli(['generate', 'a todo list', '--generator', 'claude', '--out', path.join(tmp, 'b'), '--budget', '0.0001'], env);
    assert.equal(second.code, 2);
    assert.match(second.stderr, /^Error: Today's spending cap is reached \(\$0\.\d+ \/ \$0\.0001 today\): no generation was started; raise the budget or wait until tomorrow\.\n$/);
    assert.equal(anthropic.messageRequests().length, 1, 'the refused generation sent nothing');
    const file = path.join(env.SPAWN_APP_STATE_DIR!, 'spend.json');
    assert.equal(statSync(file).mode & 0o777, 0o600);
    // A higher budget lets it run again; --budget 0 is no cap.
    const third = await runCli(['generate', 'a todo list', '--generator', 'claude', '--out', path.join(tmp, 'c'), '--budget', '0'], env);
    assert.equal(third.code, 0, third.stderr);
    const bad = await runCli(['generate', 'x', '--out', path.join(tmp, 'd'), '--budget', 'lots'], env);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /The budget must be a number of dollars/);
  });

  it('the built-in templates cost nothing and are never refused', async () => {
    writeFileSync(path.join(tmp, 'x'), '');
    mkdirSync(env.SPAWN_APP_STATE_DIR!, { recursive: true });
    writeFileSync(path.join(env.SPAWN_APP_STATE_DIR!, 'spend.json'), JSON.stringify({ day: new Date().toLocaleDateString('sv'), usd: 5, unknown: 0, warned: true, capped: true }));
    const r = await runCli(['generate', 'a todo list', '--generator', 'templates', '--out', path.join(tmp, 't')], env);
    assert.equal(r.code, 0, r.stderr);
    const refused = await runCli(['generate', 'a todo list', '--generator', 'claude', '--out', path.join(tmp, 'u')], env);
    assert.equal(refused.code, 2, 'a spend file from today at $5 is past the default $2.00 cap');
  });

  describe('E2B (fake)', () => {
    let e2b: FakeE2B;
    before(async () => (e2b = await FakeE2B.start()));
    after(async () => e2b.close());

    it('deploy --env-file: the sandbox app gets the value through envs; its seconds are counted; at the cap it is paused, not killed', async () => {
      const app = path.join(tmp, 'weather');
      mkdirSync(app);
      writeFileSync(path.join(app, 'spawn-app.json'), JSON.stringify({ appType: 'webapp', title: 'Weather', startCommand: 'node server.js', dependencies: [], port: 3000 }));
      for (const f of READS_SECRET.files) writeFileSync(path.join(app, f.path), f.content);
      // $0.0002 is about 7 s of the fake's 2 vCPU / 512 MB sandbox; the meter ticks every 50 ms.
      const cli = startCli(['deploy', app, '--provider', 'e2b', '--env-file', envFile, '--budget', '0.0002', '--json'], { ...env, ...e2b.env(), SPAWN_APP_METER_MS: '50' });
      const ready = (await cli.waitFor((e) => e.event === 'ready')) as { sandboxId: string };
      const capped = await cli.waitFor((e) => e.event === 'budget' && e.status === 'reached', 30_000);
      const r = await cli.done;
      assert.equal(r.code, 0, r.stderr);
      assert.match(String(capped.message), new RegExp(`sandbox ${ready.sandboxId} is paused, not deleted`));
      assert.deepEqual(e2b.paused(), [ready.sandboxId], 'the fake E2B saw one pause request');
      assert.equal(e2b.liveCount, 1, 'paused, not killed');
      const seen = findFile(e2b.live()[0]!.dir, 'seen.txt');
      assert.ok(seen && existsSync(seen));
      assert.equal(readFileSync(seen, 'utf8'), SECRET, 'the app read its secret (E2B envs)');
      assert.ok(!r.stdout.includes(SECRET) && !r.stderr.includes(SECRET));
      const spend = JSON.parse(readFileSync(path.join(env.SPAWN_APP_STATE_DIR!, 'spend.json'), 'utf8')) as { usd: number };
      assert.ok(spend.usd >= 0.0002, `sandbox seconds were charged: ${spend.usd}`);
      assert.equal((await runCli(['destroy', '--all'], { ...env, ...e2b.env() })).code, 0);
    });
  });
});
