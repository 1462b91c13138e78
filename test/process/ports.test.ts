/**
 * A local sandbox's port from the side of another program on this machine (another Spawn App window, the CLI, a
 * second test lane, anything): the port a sandbox is given at create must stay its own until its app is served
 * there, so that its URL never shows another program's page. Before, the port was picked free and let go at once;
 * whoever listened on it in the seconds before the forwarder (or the unsandboxed app) bound it served the sandbox's
 * URL: "the deployed page read was another app's calculator".
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { Deployment } from '../../src/core/deploy/deploy';
import { restartInPlace, startIn } from '../../src/core/deploy/deploy';
import { SpawnError } from '../../src/core/base/errors';
import { LocalProvider } from '../../src/core/sandbox/local/provider';
import type { AppSpec } from '../../src/core/app/spec';
import type { Sandbox } from '../../src/core/sandbox/types';
import { request } from '../helpers/http';
import { until } from '../helpers/poll';
import { requireSandbox } from '../helpers/sandbox';

/** Another program that wants `port` on loopback for its own page: its server, or the error code it got. */
function squat(port: number, page = 'another app'): Promise<http.Server | string> {
  return new Promise((resolve) => {
    const s = http.createServer((_q, r) => r.end(page));
    s.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'error'));
    s.listen(port, '127.0.0.1', () => resolve(s));
  });
}

/** What another program got when it tried to listen on the port: 'listening' or its error code. */
async function tryToTake(port: number, squatters: http.Server[]): Promise<string> {
  const s = await squat(port);
  if (typeof s === 'string') return s;
  squatters.push(s);
  return 'listening';
}

/** The sockets a process has open, as /proc names them (`socket:[inode]`); none when it is gone or not ours. */
function socketsOf(pid: string): Set<string> {
  const out = new Set<string>();
  try {
    for (const fd of readdirSync(`/proc/${pid}/fd`)) out.add(readlinkSync(`/proc/${pid}/fd/${fd}`));
  } catch {
    // gone, or another user's
  }
  return out;
}

/**
 * Whether `port` is some other program's now (a socket on it, listener or connection, in /proc/net/tcp or tcp6):
 * held neither by this process (which runs the provider, so holds the sandbox's port) nor by a process running in the
 * sandboxes' folder `root` (an app the kill missed).
 */
function someoneElsesPort(port: number, root: string): boolean {
  const hex = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  const on = ['/proc/net/tcp', '/proc/net/tcp6'].flatMap((table) =>
    readFileSync(table, 'utf8').split('\n').slice(1).map((line) => line.trim().split(/\s+/)).filter((f) => f[1]?.endsWith(hex)).map((f) => `socket:[${f[9]}]`),
  );
  const ours = readdirSync('/proc').filter((pid) => {
    if (pid === 'self') return true;
    try {
      return /^\d+$/.test(pid) && readlinkSync(`/proc/${pid}/cwd`).startsWith(root);
    } catch {
      return false;
    }
  });
  const held = new Set(ours.flatMap((pid) => [...socketsOf(pid)]));
  return on.length > 0 && on.every((s) => !held.has(s));
}

const portOf = (sandbox: Sandbox) => Number(new URL(sandbox.url(3000)).port);

const spec = (server: string): AppSpec => ({ appType: 'webapp', startCommand: 'node server.js', dependencies: [], port: 3000, files: [{ path: 'server.js', content: server }] });

const MINE = spec("require('http').createServer((q, s) => s.end('mine')).listen(Number(process.env.PORT), process.env.HOST);");

describe('a local sandbox\'s port against another program on this machine', function () {
  this.timeout(60_000);
  let root: string;
  let provider: LocalProvider | undefined;
  const squatters: http.Server[] = [];

  beforeEach(function () {
    if (process.platform !== 'linux') this.skip();
    root = mkdtempSync(path.join(os.tmpdir(), 'spawn-ports-'));
  });
  afterEach(async () => {
    await provider?.destroyAll();
    provider = undefined;
    for (const s of squatters.splice(0)) s.close();
    rmSync(root, { recursive: true, force: true });
  });

  for (const mode of ['sandboxed', 'fallback'] as const) {
    describe(mode, () => {
      beforeEach(function () {
        if (mode === 'sandboxed') requireSandbox(this);
        provider = new LocalProvider({ root, sandbox: mode === 'sandboxed' ? 'auto' : 'off' });
      });

      it('from create on, nobody else can listen on the port the sandbox was given; its URL then serves its own app', async () => {
        const sandbox = await provider!.create({ appName: 'mine', appType: 'webapp' });
        assert.equal(await tryToTake(portOf(sandbox), squatters), 'EADDRINUSE', 'another program took the port of a sandbox between its create and its app');
        const d = await startIn(sandbox, MINE, { provider: provider! });
        assert.equal((await request(d.url)).body, 'mine');
      });

      it('while its app is stopped the port stays the sandbox\'s, and a restart in place serves the app there again', async function () {
        const sandbox = await provider!.create({ appName: 'mine', appType: 'webapp' });
        const first = await startIn(sandbox, MINE, { provider: provider! });
        await first.process.kill();
        assert.equal(await tryToTake(portOf(sandbox), squatters), 'EADDRINUSE', 'another program took the port of a stopped app');
        let again: Deployment;
        try {
          again = await restartInPlace({ sandbox, spec: MINE, process: first.process }, MINE, { provider: provider! });
        } catch (err) {
          // Unsandboxed, between the app's exit and the sandbox's hold again (milliseconds) another program on this
          // machine can be given the port (a listen on port 0, a connection's source port; seen once under load, with
          // other runs on the machine). The restart then says so, which is right: only that case is let pass, and only
          // when a socket of another process is seen on the port.
          if (mode === 'fallback' && err instanceof SpawnError && someoneElsesPort(portOf(sandbox), root)) this.skip();
          throw err;
        }
        assert.equal(again.url, first.url, 'the same URL');
        assert.equal((await request(again.url)).body, 'mine');
      });
    });
  }

  it('fallback: another program that takes the port in the moment the app is to bind it is never reported as the app', async () => {
    provider = new LocalProvider({ root, sandbox: 'off' });
    const sandbox = await provider.create({ appName: 'mine', appType: 'webapp' });
    const port = portOf(sandbox);
    // The app listens once told to (a file), and when its port is taken it logs and keeps running (as many servers do).
    const slow = spec(`const fs = require('fs'), http = require('http');
const go = () => fs.existsSync('go')
  ? http.createServer((q, s) => s.end('mine')).on('error', (e) => { console.error('listen: ' + e.code); setInterval(() => {}, 1000); }).listen(Number(process.env.PORT), process.env.HOST)
  : setTimeout(go, 20);
go();`);
    const outcome = startIn(sandbox, slow, { provider, readyTimeoutMs: 20_000 }).then(async (d) => (await request(d.url)).body, (err: unknown) => err);
    // The other program gets the port as soon as it is free (for the unsandboxed app, right before the app starts)…
    const squatter = await until(async () => {
      const s = await squat(port);
      return typeof s === 'string' ? undefined : s;
    }, 'the port to be free for another program');
    squatters.push(squatter);
    // …and only then the app tries to listen on it.
    writeFileSync(path.join(root, sandbox.id, 'app', 'go'), '');
    const result = await outcome;
    assert.notEqual(result, 'another app', "the deploy reported another program's page as the app's");
    assert.ok(result instanceof SpawnError, `the deploy fails with a sentence: ${String(result)}`);
    assert.match(result.message, new RegExp(`port ${port}.*another program`, 'i'));
  });

  it('fallback: a program that asks the kernel for any port (a listen on port 0, an outgoing connection) is never given the port the app is to bind', function () {
    // The unsandboxed app's port is free from right before the app starts until it listens (seconds, for some
    // stacks). A port the kernel hands out on its own (ip_local_port_range) was then given to whichever program asked
    // for one first, and the deploy failed with "taken by another program". Played in a network namespace of the
    // test's own whose kernel hands out only two ports, so that the other program is given the app's when it can be.
    const ip = ['/usr/sbin/ip', '/sbin/ip'].find((p) => existsSync(p));
    if (!ip || spawnSync('unshare', ['-rn', 'true']).status !== 0) this.skip();
    const script = `${ip} link set lo up && echo "40000 40001" > /proc/sys/net/ipv4/ip_local_port_range && exec "$1" --import tsx "$2"`;
    const out = execFileSync('unshare', ['-rn', 'sh', '-c', script, 'sh', process.execPath, path.resolve('test/helpers/ephemeralTaker.ts')], { encoding: 'utf8', timeout: 60_000 });
    const r = JSON.parse(out.trim().split('\n').pop()!) as { body?: string; error?: string; port: number; taken: number[] };
    assert.ok(!r.taken.includes(r.port), `another program was given the app's port ${r.port} by the kernel`);
    assert.equal(r.body, 'mine', `the app serves its URL: ${r.error ?? ''}`);
  });

  it("fallback: an app whose processes' descriptors this user cannot read (made not dumpable) is not reported as another program", async () => {
    // A process made not dumpable (prctl(PR_SET_DUMPABLE, 0), as programs that hold secrets do, or an interpreter
    // with file capabilities) has its /proc/<pid>/fd readable by root only: as any other user the health check found
    // none of the app's sockets and said another program had taken the port.
    provider = new LocalProvider({ root, sandbox: 'off' });
    const sandbox = await provider.create({ appName: 'mine', appType: 'webapp' });
    const app = `import ctypes, http.server, os
ctypes.CDLL(None).prctl(4, 0, 0, 0, 0)  # PR_SET_DUMPABLE: 0
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200); self.end_headers(); self.wfile.write(b'mine')
http.server.HTTPServer((os.environ['HOST'], int(os.environ['PORT'])), H).serve_forever()
`;
    const d = await startIn(sandbox, { appType: 'webapp', startCommand: 'exec /usr/bin/python3 app.py', dependencies: [], port: 3000, files: [{ path: 'app.py', content: app }] }, { provider, readyTimeoutMs: 20_000 });
    assert.equal((await request(d.url)).body, 'mine');
  });
});
