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
import { connectChecked } from '../../src/core/sandbox/local/forward';
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
