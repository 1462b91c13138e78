/**
 * The host forwarder (127.0.0.1:<port> → the app's Unix socket) from the app's side: the socket lives in a folder
 * the app can write, so the app swaps it for a link to another Unix socket of the user's, one it cannot reach
 * itself (hidden from its sandbox). Requests to the app's URL must never be delivered there. Real bubblewrap.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { deploy } from '../../src/core/deploy/deploy';
import { requireSandbox } from '../helpers/sandbox';
import { connectChecked, forwardPortToSocket } from '../../src/core/sandbox/local/forward';
import { holdPort, portOf } from '../../src/core/sandbox/local/ports';
import { LocalProvider } from '../../src/core/sandbox/local/provider';
import type { AppSpec } from '../../src/core/app/spec';
import { request } from '../helpers/http';

/** The hostile app: `/swap?to=<path>&how=<link|chain|file>` replaces its forwarder's socket with what it names. */
const SWAPPER = `const fs = require('fs'), http = require('http'), path = require('path');
const mySocket = () => {
  for (const pid of fs.readdirSync('/proc').filter((n) => /^\\d+$/.test(n))) {
    try {
      const arg = fs.readFileSync('/proc/' + pid + '/cmdline', 'utf8').split('\\0').find((a) => a.endsWith('/sock/app'));
      if (arg) return arg;
    } catch {}
  }
};
http.createServer((q, s) => {
  const u = new URL(q.url, 'http://x');
  if (u.pathname !== '/swap') return s.end('the app');
  const sock = mySocket(), to = u.searchParams.get('to'), how = u.searchParams.get('how');
  fs.renameSync(sock, sock + '.mine');
  if (how === 'link') fs.symlinkSync(to, sock);
  if (how === 'chain') { fs.symlinkSync(to, sock + '.hop'); fs.symlinkSync(path.basename(sock) + '.hop', sock); }
  if (how === 'file') fs.writeFileSync(sock, 'not a socket');
  s.end('swapped ' + how);
}).listen(Number(process.env.PORT));
`;

describe('the host forwarder connects only to the app\'s own socket (real bubblewrap)', function () {
  this.timeout(60_000);
  let tmp: string;
  let hidden: net.Server;
  let hiddenPath: string;
  let delivered: string[];
  before(function () {
    if (process.platform !== 'linux') this.skip();
    requireSandbox(this); // skips without a working bwrap; fails instead in CI (SPAWN_APP_REQUIRE_SANDBOX=1)
  });
  beforeEach(async () => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'spawn-forwarder-'));
    // Another Unix socket of the user's (an agent, a database, a docker socket): in a folder hidden from the app.
    hiddenPath = path.join(tmp, 'users-own.sock');
    delivered = [];
    // It answers once it got a request, so a request that reached it is recorded before its answer arrives.
    hidden = net.createServer((c) => {
      c.once('data', (d) => {
        delivered.push(String(d));
        c.end('HTTP/1.1 200 OK\r\nContent-Length: 6\r\nConnection: close\r\n\r\nhidden');
      });
    });
    await new Promise<void>((r) => hidden.listen(hiddenPath, r));
  });
  afterEach(async () => {
    await new Promise((r) => hidden.close(r));
    rmSync(tmp, { recursive: true, force: true });
  });

  for (const how of ['link', 'chain']) {
    it(`the app swaps its socket for a ${how === 'link' ? 'link' : 'chain of two links'} to a hidden socket of the user's: no request reaches it`, async () => {
      const provider = new LocalProvider({ root: path.join(tmp, 'sandboxes'), network: false });
      try {
        const spec: AppSpec = { appType: 'webapp', startCommand: 'node server.js', dependencies: [], port: 3000, files: [{ path: 'server.js', content: SWAPPER }] };
        const d = await deploy({ spec, provider });
        assert.equal((await request(`${d.url}/`)).body, 'the app');
        assert.equal((await request(`${d.url}/swap?how=${how}&to=${encodeURIComponent(hiddenPath)}`)).body, `swapped ${how}`);
        const answers: string[] = [];
        for (let i = 0; i < 3; i++) {
          answers.push(await request(`${d.url}/secret-${i}`, { headers: { Authorization: 'Bearer the-users-token' } }).then((r) => r.body, (e: Error) => e.message));
        }
        assert.deepEqual(delivered, [], 'nothing was delivered to the user\'s own socket');
        assert.ok(!answers.includes('hidden'), answers.join(', '));
      } finally {
        await provider.destroyAll();
      }
    });
  }

  it('connectChecked: a link, a regular file or a missing path is refused, a socket of this user\'s is connected to', async () => {
    const link = path.join(tmp, 'link.sock');
    symlinkSync(hiddenPath, link);
    const file = path.join(tmp, 'file.sock');
    writeFileSync(file, 'x');
    const outcome = (p: string) =>
      new Promise<string>((resolve) => {
        const s = connectChecked(p);
        s.on('connect', () => {
          s.end('hello');
          resolve('connected');
        });
        s.on('error', (e) => resolve(e.message));
      });
    assert.match(await outcome(link), /link\.sock is a symbolic link; not connected\.$/);
    assert.match(await outcome(file), /file\.sock is not a socket; not connected\.$/);
    assert.match(await outcome(path.join(tmp, 'none.sock')), /none\.sock cannot be opened \(ENOENT\); not connected\.$/);
    assert.deepEqual(delivered, [], 'nothing from the refused ones');
    assert.equal(await outcome(hiddenPath), 'connected');
  });
});

describe("the host forwarder refuses another site's websocket (Streamlit answers any Origin)", () => {
  it("a page of another site opens a websocket to the app's port: 403, and the app sees nothing; the app's own page and plain requests get through", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'spawn-fwd-origin-'));
    const sock = path.join(dir, 'app');
    const seen: string[] = [];
    const app = net.createServer((c) => {
      let got = '';
      c.on('data', (d: Buffer) => {
        got += d.toString('latin1');
        if (got.includes('\r\n\r\n')) {
          seen.push(got);
          c.end(/upgrade: websocket/i.test(got) ? 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n' : 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok');
        }
      });
    });
    await new Promise<void>((r) => app.listen(sock, r));
    const held = await holdPort(0);
    const port = portOf(held);
    const fwd = forwardPortToSocket(held, sock);
    const handshake = (origin: string, path = '/_stcore/stream', host = `127.0.0.1:${port}`) =>
      new Promise<string>((resolve, reject) => {
        const c = net.connect(port, '127.0.0.1', () => c.write(`GET ${path} HTTP/1.1\r\nHost: ${host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nOrigin: ${origin}\r\n\r\n`));
        let answer = '';
        c.on('data', (d: Buffer) => (answer += d.toString('latin1')));
        c.on('end', () => resolve(answer));
        c.on('error', reject);
      });
    try {
      assert.match(await handshake('https://evil.example'), /^HTTP\/1\.1 403 Forbidden/);
      assert.match(await handshake('http://192.168.1.20:8501'), /^HTTP\/1\.1 403 Forbidden/);
      // new WebSocket(`ws://127.0.0.1:${port}/?${'a'.repeat(70000)}`): a page can make the head longer than the
      // forwarder reads; it must not then reach the app unchecked.
      assert.match(await handshake('https://evil.example', `/_stcore/stream?${'a'.repeat(70_000)}`), /^HTTP\/1\.1 431 /);
      // DNS rebinding: the page of rebind.evil.example:<port>, whose name now points at 127.0.0.1.
      assert.match(await handshake(`http://rebind.evil.example:${port}`, '/_stcore/stream', `rebind.evil.example:${port}`), /^HTTP\/1\.1 403 Forbidden/);
      assert.deepEqual(seen, [], 'the app saw no byte of any');
      assert.match(await handshake(`http://127.0.0.1:${port}`), /^HTTP\/1\.1 101 /);
      assert.equal(seen.length, 1);
      assert.match(seen[0]!, /^GET \/_stcore\/stream HTTP\/1\.1\r\n/, 'forwarded whole');
      const plain = await request(`http://127.0.0.1:${port}/api`, { headers: { origin: 'https://evil.example' } });
      assert.deepEqual([plain.status, plain.body], [200, 'ok'], 'a plain request reaches the app (its CORS is its own)');
    } finally {
      await fwd.close();
      await new Promise<void>((r) => app.close(() => r()));
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
