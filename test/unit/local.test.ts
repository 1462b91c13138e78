import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LocalProvider } from '../../src/core/sandbox/local';
import { isAlive, isSameProcess, killGroupSync, processStartTime } from '../../src/core/sandbox/processes';
import { isDown, request } from '../helpers/http';

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
    let ready = false;
    for (let i = 0; i < 100 && !ready; i++) {
      ready = await sb.probe(3000);
      if (!ready) await new Promise((r) => setTimeout(r, 50));
    }
    assert.ok(ready);
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
    for (let i = 0; i < 100 && !(await sb.probe(3000)); i++) await new Promise((r) => setTimeout(r, 50));
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
    const t0 = Date.now();
    setTimeout(() => ac.abort(), 100);
    await assert.rejects(sb.run('sleep 30', { signal: ac.signal }), { name: 'CancelledError' });
    assert.ok(Date.now() - t0 < 3000);
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
      for (let i = 0; i < 100 && isAlive(pid); i++) await new Promise((r) => setTimeout(r, 20));
      assert.ok(!isAlive(pid), 'killed');
    } finally {
      killGroupSync(pid);
    }
  });

  it('unsandboxed: an owner killed with SIGKILL leaves an orphan that another provider lists and stops', async () => {
    const script = `
      const { LocalProvider } = require(${JSON.stringify(path.resolve(__dirname, '../../src/core/sandbox/local.ts'))});
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
