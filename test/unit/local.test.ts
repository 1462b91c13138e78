import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LocalProvider } from '../../src/core/sandbox/local';
import { isAlive, isSameProcess, processStartTime } from '../../src/core/sandbox/processes';
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
});
