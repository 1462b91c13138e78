import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { defaultLocalRoot } from '../../src/core/sandbox/local/records';
import { LocalProvider } from '../../src/core/sandbox/local/provider';
import { isAlive, isSameProcess, killGroupSync, processStartTime } from '../../src/core/sandbox/local/processes';
import { isDown, request } from '../helpers/http';
import { until } from '../helpers/poll';

describe('local provider (real processes, real HTTP)', function () {
  let root: string;
  let provider: LocalProvider;
  beforeEach(() => {
    root = mkdtempSync(path.join(os.tmpdir(), 'spawn-local-test-'));
    provider = new LocalProvider({ root });
  });
  afterEach(async () => {
    await provider.destroyAll();
    rmSync(root, { recursive: true, force: true });
  });

  it('writes files, runs a command with output, and maps $PORT', async () => {
    const sb = await provider.create({ appName: 't', appType: 'webapp' });
    await sb.writeFiles([{ path: 'a/b.txt', content: 'hello' }]);
    const out: string[] = [];
    const res = await sb.run('cat a/b.txt; echo " $PORT"; echo err >&2; exit 3', { onOutput: (_s, t) => out.push(t) });
    assert.equal(res.exitCode, 3);
    assert.match(res.stdout, /^hello \d+\n$/);
    assert.equal(res.stderr, 'err\n');
    assert.ok(out.join('').includes('hello'));
    const port = Number(res.stdout.trim().split(' ')[1]);
    assert.equal(sb.url(3000), `http://127.0.0.1:${port}`);
  });

  it('never writes outside its folder', async () => {
    const sb = await provider.create({ appName: 't', appType: 'webapp' });
    await assert.rejects(sb.writeFiles([{ path: '../escape.txt', content: 'x' }]), /escapes/);
    await assert.rejects(sb.writeFiles([{ path: '/etc/x', content: 'x' }]), /outside/);
    assert.ok(!existsSync(path.join(root, 'escape.txt')));
  });

  it('starts a server in the background, answers over HTTP, and destroy kills the whole process group', async () => {
    const sb = await provider.create({ appName: 't', appType: 'webapp' });
    await sb.writeFiles([{ path: 'server.js', content: "require('http').createServer((q,s)=>s.end('up')).listen(process.env.PORT)" }]);
    // A wrapper shell with a child: both must die.
    const proc = await sb.start('node server.js & wait');
    await until(() => sb.probe(3000), 'the server to answer', 5000, 50);
    assert.equal((await request(sb.url(3000))).body, 'up');
    const list = await provider.list();
    assert.equal(list.length, 1);
    assert.equal(list[0]!.id, sb.id);
    assert.equal(list[0]!.orphan, false);
    await sb.destroy();
    assert.ok(await isDown(sb.url(3000)));
    assert.ok(!isAlive(proc.pid));
    assert.deepEqual(await provider.list(), []);
    assert.ok(!existsSync(path.join(root, sb.id)));
  });

  it('a second provider (another process) lists and destroys a sandbox from its record', async () => {
    const sb = await provider.create({ appName: 'other', appType: 'webapp' });
    await sb.writeFiles([{ path: 's.js', content: "require('http').createServer((q,s)=>s.end('ok')).listen(process.env.PORT)" }]);
    await sb.start('node s.js');
    await until(() => sb.probe(3000), 'the server to answer', 5000, 50);
    const other = new LocalProvider({ root });
    const seen = await other.list();
    assert.equal(seen.length, 1);
    assert.equal(seen[0]!.appName, 'other');
    assert.equal(seen[0]!.orphan, false, 'its owner (this process) is alive');
    assert.equal(await other.destroy(sb.id), true);
    assert.ok(await isDown(sb.url(3000)));
    assert.equal(await other.destroy(sb.id), false);
  });

  it('run() is cancelled by its signal and kills the command', async () => {
    const sb = await provider.create({ appName: 't', appType: 'webapp' });
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 100);
    // `sleep 30` outlasts the test's timeout: a run that waited for the command instead of killing it fails there.
    await assert.rejects(sb.run('sleep 30', { signal: ac.signal }), { name: 'CancelledError' });
  });

  it('run() cancelled while its step is still being set up (the sandbox profile, the system scan) kills the command', async () => {
    const sb = await provider.create({ appName: 't', appType: 'webapp' });
    const ac = new AbortController();
    const running = sb.run('sleep 30', { signal: ac.signal });
    ac.abort(); // before run() has spawned anything: its set-up awaits (before the fix, it waited out the sleep)
    await assert.rejects(running, { name: 'CancelledError' });
  });

  it('a command whose set-up is still under way when the sandbox is destroyed is killed, not left running', async () => {
    const sb = await provider.create({ appName: 't', appType: 'webapp' });
    const marker = `spawn-app-destroyed-${process.pid}-${Date.now()}`;
    const running = sb.run(`sleep 30 # ${marker}`);
    await sb.destroy(); // while run() awaits its set-up
    await assert.rejects(running, /was destroyed/);
    const left = spawnSync('pgrep', ['-f', marker]).stdout.toString().trim();
    assert.equal(left, '', `processes left: ${left}`);
  });

  it('matches processes by pid and start time (a reused pid is not the same process)', () => {
    const st = processStartTime(process.pid);
    assert.ok(st, 'start time readable on Linux');
    assert.ok(isSameProcess(process.pid, st));
    assert.ok(!isSameProcess(process.pid, String(Number(st) + 12345)));
    assert.ok(!isSameProcess(2 ** 22 + 7, undefined));
  });

  /** A pid that ran and is gone now (its owner's, in a record of a window that was killed). */
  function deadPid(): number {
    const r = spawnSync('/bin/sh', ['-c', 'echo $$']);
    return Number(r.stdout.toString().trim());
  }

  /** A record as a killed owner leaves it, naming one process group. */
  function writeRecord(id: string, pid: number, startTime: string | undefined): void {
    mkdirSync(path.join(root, id, 'app'), { recursive: true });
    const record = {
      id, appName: 'ghost', appType: 'webapp', startedAt: Date.now(), port: 1,
      owner: { pid: deadPid(), startTime: '1', cmd: 'gone' },
      processes: [{ pid, startTime, cmd: 'sleep 30' }],
      metadata: { createdBy: 'spawn-app', client: 'vscode' },
    };
    writeFileSync(path.join(root, id, 'sandbox.json'), JSON.stringify(record));
  }

  it('a recorded pid that now belongs to another process (start time differs) is never killed', async () => {
    const other = spawn('sleep', ['30'], { detached: true, stdio: 'ignore' });
    const pid = other.pid!;
    try {
      const real = processStartTime(pid)!;
      // The record says this pid started at another time: it is a reused pid, not our app.
      writeRecord('local-reused', pid, String(Number(real) - 1));
      assert.deepEqual(await provider.list(), [], 'nothing of ours runs: the record is stale and cleaned up');
      assert.ok(!existsSync(path.join(root, 'local-reused')));
      writeRecord('local-reused2', pid, String(Number(real) - 1));
      assert.equal(await new LocalProvider({ root }).destroy('local-reused2'), true, 'the record goes');
      assert.ok(isAlive(pid), 'the process that reuses the pid still runs');
      // The same record with the right start time is ours: listed as an orphan, and destroy stops it.
      writeRecord('local-ours', pid, real);
      const listed = await provider.list();
      assert.deepEqual(listed.map((i) => [i.id, i.orphan]), [['local-ours', true]]);
      assert.equal(await provider.destroy('local-ours'), true);
      await until(() => !isAlive(pid), 'the orphan to be killed', 2000);
    } finally {
      killGroupSync(pid);
    }
  });

  it('unsandboxed: an owner killed with SIGKILL leaves an orphan that another provider lists and stops', async () => {
    const script = `
      const { LocalProvider } = require(${JSON.stringify(path.resolve(__dirname, '../../src/core/sandbox/local/provider.ts'))});
      (async () => {
        const p = new LocalProvider({ root: ${JSON.stringify(root)}, sandbox: 'off' });
        const sb = await p.create({ appName: 'orphaned', appType: 'webapp', metadata: { client: 'vscode' } });
        await sb.writeFiles([{ path: 's.js', content: "require('http').createServer((q,s)=>s.end('still here')).listen(process.env.PORT)" }]);
        await sb.start('node s.js');
        for (let i = 0; i < 200 && !(await sb.probe(3000)); i++) await new Promise((r) => setTimeout(r, 25));
        console.log(sb.url(3000));
        process.kill(process.pid, 'SIGKILL');
      })();`;
    const child = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], { encoding: 'utf8', timeout: 20_000 });
    assert.equal(child.signal, 'SIGKILL', child.stderr);
    const url = child.stdout.trim();
    assert.equal((await request(url)).body, 'still here', 'the app outlived its owner');
    const [orphan] = await provider.list();
    assert.equal(orphan?.orphan, true);
    assert.equal(orphan?.appName, 'orphaned');
    assert.equal(await provider.destroy(orphan!.id), true);
    assert.ok(await isDown(url));
    assert.deepEqual(await provider.list(), []);
  });
});

describe('local provider: a private root (records of other users are never acted on)', function () {
  let tmp: string;
  beforeEach(() => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'spawn-root-test-'));
  });
  afterEach(() => rmSync(tmp, { recursive: true, force: true }));

  it('the default root is per user: $XDG_RUNTIME_DIR/spawn-app, else $TMPDIR/spawn-app-<uid>; created 0700', async () => {
    const xdg = path.join(tmp, 'run');
    mkdirSync(xdg, { mode: 0o700 });
    assert.equal(defaultLocalRoot({ XDG_RUNTIME_DIR: xdg }), path.join(xdg, 'spawn-app'));
    assert.equal(defaultLocalRoot({}), path.join(os.tmpdir(), `spawn-app-${process.getuid!()}`));
    chmodSync(xdg, 0o777);
    assert.equal(defaultLocalRoot({ XDG_RUNTIME_DIR: xdg }), path.join(os.tmpdir(), `spawn-app-${process.getuid!()}`), 'a shared runtime folder is not used');
    chmodSync(xdg, 0o700);
    const p = new LocalProvider({ env: { ...process.env, XDG_RUNTIME_DIR: xdg, SPAWN_APP_LOCAL_ROOT: '' } });
    const sb = await p.create({ appName: 't', appType: 'webapp' });
    assert.equal(p.root, path.join(xdg, 'spawn-app'));
    assert.equal(statSync(p.root).mode & 0o777, 0o700);
    assert.equal(statSync(path.join(p.root, sb.id)).mode & 0o777, 0o700);
    await p.destroyAll();
  });

  it('refuses a root writable by others, or owned by another user, with a sentence', async () => {
    const shared = path.join(tmp, 'shared');
    mkdirSync(shared);
    chmodSync(shared, 0o777);
    const p = new LocalProvider({ root: shared });
    await assert.rejects(p.create({ appName: 't', appType: 'webapp' }), { code: 'blocked', message: /is not safe to use: it is writable by other users \(mode 777\)\. Remove it, or set SPAWN_APP_LOCAL_ROOT/ });
    await assert.rejects(p.list(), /writable by other users/);
    assert.deepEqual(readdirSync(shared), [], 'nothing created in it');
    if (process.getuid!() === 0) {
      const theirs = path.join(tmp, 'theirs');
      mkdirSync(theirs, { mode: 0o700 });
      chownSync(theirs, 4242, 4242);
      await assert.rejects(new LocalProvider({ root: theirs }).create({ appName: 't', appType: 'webapp' }), /owned by another user \(uid 4242\)/);
    }
  });

  /** A record as another user (or anyone, through a world-writable folder) could plant it, naming a live process. */
  function plant(root: string, id: string, victim: number, how: 'chown' | 'chmod'): void {
    const dir = path.join(root, id);
    mkdirSync(path.join(dir, 'app'), { recursive: true, mode: 0o700 });
    const record = {
      id, appName: 'planted', appType: 'webapp', startedAt: Date.now(), port: 1,
      owner: { pid: 2 ** 22 + 11, startTime: '1', cmd: 'gone' },
      processes: [{ pid: victim, startTime: processStartTime(victim), cmd: 'sleep 60' }],
      metadata: { createdBy: 'spawn-app', client: 'vscode' },
    };
    writeFileSync(path.join(dir, 'sandbox.json'), JSON.stringify(record), { mode: 0o600 });
    if (how === 'chown') {
      chownSync(path.join(dir, 'sandbox.json'), 4242, 4242);
      chownSync(dir, 4242, 4242);
    } else {
      chmodSync(dir, 0o777);
    }
  }

  for (const how of ['chown', 'chmod'] as const) {
    it(`a record ${how === 'chown' ? 'owned by another user' : 'in a folder writable by others'} is not listed, stopped or removed`, async function () {
      if (how === 'chown' && process.getuid!() !== 0) this.skip(); // planting another user's file needs root
      const root = path.join(tmp, 'root');
      mkdirSync(root, { mode: 0o700 });
      const victim = spawn('sleep', ['60'], { detached: true, stdio: 'ignore' });
      try {
        plant(root, 'local-planted', victim.pid!, how);
        const p = new LocalProvider({ root });
        assert.deepEqual(await p.list(), [], 'not listed (so neither destroy --all nor the orphan stop sees it)');
        await assert.rejects(p.destroy('local-planted'), { code: 'blocked', message: /Sandbox local-planted was left alone: its record is not safe to act on \((it is owned by another user \(uid 4242\)|it is writable by other users \(mode 777\))\)\./ });
        assert.ok(isAlive(victim.pid!), 'the process the record names still runs');
        assert.ok(existsSync(path.join(root, 'local-planted', 'sandbox.json')), 'the record is left alone');
      } finally {
        killGroupSync(victim.pid!);
      }
    });
  }
});
