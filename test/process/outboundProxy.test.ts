/**
 * The sandbox's outbound proxy decides on addresses, not on how they are written. From the app's side: every
 * spelling of this machine's loopback (IPv4-mapped, compatible, zero-padded, octal, hex, one number, unspecified)
 * is refused, and so are names that resolve there; the LAN and link-local (the cloud metadata address) are refused
 * on their classification, which is tested without ever connecting to such an address.
 */
import assert from 'node:assert/strict';
import dns from 'node:dns';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { classifyAddress, formatAddress, parseAddress } from '../../src/core/sandbox/local/addresses';
import type { Closer } from '../../src/core/sandbox/local/forward';
import { outboundProxy, resolveTarget } from '../../src/core/sandbox/local/forward';
import { LocalProvider } from '../../src/core/sandbox/local/provider';

describe('address classification (bytes, every spelling)', () => {
  const cases: [string, string][] = [
    // this machine
    ['127.0.0.1', 'loopback'], ['127.1', 'loopback'], ['0x7f.1', 'loopback'], ['0x7f000001', 'loopback'], ['2130706433', 'loopback'],
    ['017700000001', 'loopback'], ['0177.0.0.1', 'loopback'], ['127.255.255.254', 'loopback'], ['127.0.1', 'loopback'],
    ['::1', 'loopback'], ['[::1]', 'loopback'], ['0:0:0:0:0:0:0:1', 'loopback'], ['[0:0:0:0:0:0:0:1]', 'loopback'], ['::0:1', 'loopback'],
    ['0000:0000::0001', 'loopback'], ['::ffff:127.0.0.1', 'loopback'], ['::ffff:7f00:1', 'loopback'], ['[::FFFF:7F00:0001]', 'loopback'],
    ['::127.0.0.1', 'loopback'], ['::ffff:0:127.0.0.1', 'loopback'], ['64:ff9b::127.0.0.1', 'loopback'], ['2002:7f00:1::', 'loopback'],
    ['0.0.0.0', 'unspecified'], ['0', 'unspecified'], ['0.1.2.3', 'unspecified'], ['::', 'unspecified'], ['::0', 'unspecified'], ['[::0]', 'unspecified'],
    ['0:0:0:0:0:0:0:0', 'unspecified'], ['::ffff:0.0.0.0', 'unspecified'], ['::ffff:0:0', 'unspecified'],
    // link-local, the cloud metadata address
    ['169.254.169.254', 'link-local'], ['0xa9fea9fe', 'link-local'], ['2852039166', 'link-local'], ['::ffff:169.254.169.254', 'link-local'],
    ['::ffff:a9fe:a9fe', 'link-local'], ['fe80::1', 'link-local'], ['fe80::1%eth0', 'link-local'], ['FEBF::1', 'link-local'],
    // private ranges (the LAN)
    ['10.0.0.1', 'private'], ['10.1', 'private'], ['012.0.0.1', 'private'], ['172.16.0.1', 'private'], ['172.31.255.255', 'private'], ['192.168.1.1', 'private'],
    ['100.64.0.1', 'private'], ['100.127.255.255', 'private'], ['::ffff:10.0.0.1', 'private'], ['::ffff:c0a8:101', 'private'], ['fc00::1', 'private'],
    ['fd12:3456::1', 'private'], ['fec0::1', 'private'], ['64:ff9b:1::a00:1', 'private'],
    // multicast, broadcast, reserved
    ['224.0.0.1', 'multicast'], ['239.255.255.250', 'multicast'], ['ff02::1', 'multicast'], ['::ffff:224.0.0.1', 'multicast'],
    ['255.255.255.255', 'broadcast'], ['240.0.0.1', 'reserved'], ['192.0.2.1', 'reserved'], ['198.18.0.1', 'reserved'], ['203.0.113.9', 'reserved'],
    ['192.0.0.170', 'reserved'], ['2001:db8::1', 'reserved'], ['2001::1', 'reserved'], ['100::1', 'reserved'], ['4000::1', 'reserved'], ['1::1', 'reserved'], ['::2', 'unspecified'],
    // public
    ['8.8.8.8', 'public'], ['1.1', 'public'], ['172.32.0.1', 'public'], ['100.128.0.1', 'public'], ['169.255.0.1', 'public'], ['::ffff:8.8.8.8', 'public'],
    ['2606:4700::1111', 'public'], ['64:ff9b::808:808', 'public'], ['2002:808:808::1', 'public'],
  ];
  for (const [ip, cls] of cases) it(`${ip} is ${cls}`, () => assert.equal(classifyAddress(ip), cls));

  it('names and malformed text are not addresses (the proxy looks names up, then classifies what they resolve to)', () => {
    for (const s of ['localhost', 'example.com', '127.0.0.1.', '1.2.3.4.5', '256.1.1.1', '1.256.1.1', '4294967296', '08', '0x', '::ffff:127.0.0.1.', '1::2::3', '[::1', 'ffff::ffff::', '']) {
      assert.equal(classifyAddress(s), undefined, s);
    }
  });

  it('agrees with the C library on every IPv4 spelling it takes (what dns.lookup, and so net.connect, would reach)', async () => {
    for (const s of ['127.1', '0x7f.1', '2130706433', '017700000001', '0177.0.0.1', '0x7f.0.0.1', '127.0.1', '0', '10.1', '0xa9fea9fe']) {
      const [{ address }] = await dns.promises.lookup(s, { all: true });
      assert.equal(formatAddress(parseAddress(s)!), address, s);
    }
  });
});

describe('resolveTarget: the address the proxy would connect to, decided before any connection', () => {
  const lookup = (table: Record<string, string[]>) => async (host: string) => {
    const a = table[host];
    if (!a) throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
    return a.map((address) => ({ address, family: net.isIP(address) }));
  };

  it('refuses names that resolve to loopback, link-local or the LAN; the LAN only with allowLan', async () => {
    const l = lookup({ 'evil.example': ['127.0.0.1'], 'meta.example': ['169.254.169.254'], 'lan.example': ['192.168.1.20'], 'v6.example': ['::ffff:7f00:1'] });
    for (const h of ['evil.example', 'meta.example', 'lan.example', 'v6.example']) {
      const t = await resolveTarget(h, 80, { lookup: l });
      assert.equal(t.ok, false, h);
      assert.equal(!t.ok && t.status, 403);
    }
    assert.deepEqual(await resolveTarget('lan.example', 80, { lookup: l, allowLan: true }), { ok: true, address: '192.168.1.20', port: 80, allowed: false });
    assert.equal((await resolveTarget('meta.example', 80, { lookup: l, allowLan: true })).ok, false, 'link-local stays refused with the LAN allowed');
    assert.equal((await resolveTarget('evil.example', 80, { lookup: l, allowLan: true })).ok, false, 'loopback stays refused with the LAN allowed');
  });

  it('connects to the address it classified, never the name again; a refused address is skipped for an allowed one', async () => {
    const l = lookup({ 'mixed.example': ['127.0.0.1', '10.0.0.5', '93.184.215.14'] });
    assert.deepEqual(await resolveTarget('mixed.example', 443, { lookup: l }), { ok: true, address: '93.184.215.14', port: 443, allowed: false });
    assert.deepEqual(await resolveTarget('[::ffff:8.8.8.8]', 443), { ok: true, address: '8.8.8.8', port: 443, allowed: false });
  });

  it('this machine\'s own interface addresses are this machine, LAN or not (they reach what listens on 0.0.0.0 here)', async () => {
    const own = Object.values(os.networkInterfaces()).flat().filter((a) => a && !a.internal).map((a) => a!.address.replace(/%.*$/, ''));
    for (const a of own) {
      const t = await resolveTarget(a.includes(':') ? `[${a}]` : a, 80, { allowLan: true });
      assert.equal(t.ok, false, a);
      // Refused for its range, or (a public or LAN address, the LAN allowed) for being this machine's own.
      if (['public', 'private'].includes(classifyAddress(a)!)) assert.match(!t.ok ? t.why : '', /is this machine \(one of its own addresses\)$/);
    }
  });

  it('allow: exact host:port pairs only, matched on the name or on the address bytes', async () => {
    const allow = [{ host: '127.0.0.1', port: 4873 }, { host: 'localhost', port: 5000 }];
    assert.deepEqual(await resolveTarget('127.0.0.1', 4873, { allow }), { ok: true, address: '127.0.0.1', port: 4873, allowed: true });
    assert.deepEqual(await resolveTarget('[::ffff:7f00:1]', 4873, { allow }), { ok: true, address: '127.0.0.1', port: 4873, allowed: true });
    assert.equal((await resolveTarget('127.0.0.1', 4874, { allow })).ok, false, 'another port of the same host');
    assert.equal((await resolveTarget('localhost', 4873, { allow, lookup: lookup({ localhost: ['127.0.0.1'] }) })).ok, false, 'another spelling of an allowed name is a name of its own');
    assert.equal((await resolveTarget('LOCALHOST', 5000, { allow, lookup: lookup({ localhost: ['127.0.0.1'] }) })).ok, true);
  });

  it('bad input is refused before any lookup', async () => {
    let looked = 0;
    const l = async () => {
      looked++;
      return [];
    };
    for (const [h, p] of [['a b', 80], ['x'.repeat(300), 80], ['example.com', 0], ['example.com', 70000], ['-x.example', 80]] as const) {
      assert.equal((await resolveTarget(h, p, { lookup: l })).ok, false, h);
    }
    assert.equal(looked, 0);
  });
});

describe('the outbound proxy, from the app\'s side (real proxy, real listeners on this machine\'s loopback)', function () {
  let tmp: string;
  let proxy: Closer | undefined;
  let sock: string;
  const listeners: net.Server[] = [];
  let seen = 0;
  let port4 = 0;
  let port6 = 0;
  beforeEach(async () => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'spawn-proxy-'));
    sock = path.join(tmp, 'proxy.sock');
    seen = 0;
    const listen = (host: string) =>
      new Promise<number>((resolve, reject) => {
        const s = net.createServer((c) => {
          seen++;
          c.end('HTTP/1.1 200 OK\r\nContent-Length: 13\r\nConnection: close\r\n\r\nhost-only svc');
        });
        listeners.push(s);
        s.once('error', reject);
        s.listen(0, host, () => resolve((s.address() as net.AddressInfo).port));
      });
    port4 = await listen('127.0.0.1');
    port6 = await listen('::1').catch(() => 0); // a machine without IPv6 loopback: the IPv4 listener covers the mapped spellings
  });
  afterEach(async () => {
    await proxy?.close();
    proxy = undefined;
    for (const s of listeners.splice(0)) s.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  /** The first line of the proxy's answer to `CONNECT target`. */
  const connect = (target: string) =>
    new Promise<string>((resolve, reject) => {
      const s = net.connect(sock, () => s.write(`CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\n\r\n`));
      let got = '';
      s.on('data', (d) => {
        got += d;
        if (got.includes('\r\n')) {
          resolve(got.split('\r\n')[0]!);
          s.destroy();
        }
      });
      s.on('error', reject);
      s.on('close', () => resolve(got.split('\r\n')[0]!));
    });
  /** A plain `GET http://target/` through the proxy: status and body. */
  const get = (target: string) =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = http.request({ socketPath: sock, path: `http://${target}/`, headers: { Host: target } }, (r) => {
        let body = '';
        r.on('data', (d) => (body += d));
        r.on('end', () => resolve({ status: r.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      req.end();
    });

  const loopbackSpellings = (p4: number, p6: number) => [
    `127.0.0.1:${p4}`, `127.1:${p4}`, `0x7f.1:${p4}`, `0x7f000001:${p4}`, `2130706433:${p4}`, `017700000001:${p4}`, `0177.0.0.1:${p4}`,
    `0.0.0.0:${p4}`, `0:${p4}`, `localhost:${p4}`, `LocalHost:${p4}`, `[::ffff:127.0.0.1]:${p4}`, `[::ffff:7f00:1]:${p4}`,
    `[::FFFF:7F00:0001]:${p4}`, `[::ffff:0.0.0.0]:${p4}`, `[::ffff:0:127.0.0.1]:${p4}`, `[::127.0.0.1]:${p4}`,
    ...(p6 ? [`[::1]:${p6}`, `[0:0:0:0:0:0:0:1]:${p6}`, `[::0:1]:${p6}`, `[0000::0001]:${p6}`, `[::]:${p6}`, `[::0]:${p6}`, `[0:0:0:0:0:0:0:0]:${p6}`] : []),
  ];

  it('CONNECT to every spelling of this machine\'s loopback: 403, and the host-only service sees no connection', async () => {
    proxy = await outboundProxy(sock);
    const answers: Record<string, string> = {};
    for (const t of loopbackSpellings(port4, port6)) answers[t] = await connect(t);
    assert.deepEqual(Object.entries(answers).filter(([, a]) => !/^HTTP\/1\.1 403 /.test(a)), [], 'every spelling refused (403)');
    assert.equal(seen, 0, 'nothing reached the host-only listeners');
  });

  it('plain http:// to the same spellings: 403, never forwarded', async () => {
    proxy = await outboundProxy(sock);
    const answers: [string, number, string][] = [];
    for (const t of loopbackSpellings(port4, port6)) {
      const r = await get(t);
      answers.push([t, r.status, r.body]);
    }
    assert.deepEqual(answers.filter(([, status, body]) => status !== 403 || !/^Refused by the Spawn App sandbox: .+\.\n$/.test(body)), [], 'every spelling refused (403), in one sentence');
    assert.equal(seen, 0);
  });

  it('a name that resolves to loopback (through the lookup) is refused; so is one resolving to link-local or the LAN, without connecting', async () => {
    const lookup = async (h: string) => ({ 'evil.test': [{ address: '127.0.0.1', family: 4 }], 'meta.test': [{ address: '169.254.169.254', family: 4 }], 'lan.test': [{ address: '10.1.2.3', family: 4 }] })[h] ?? [];
    proxy = await outboundProxy(sock, { lookup });
    for (const t of [`evil.test:${port4}`, `meta.test:80`, `lan.test:80`]) assert.match(await connect(t), /^HTTP\/1\.1 403 /, t);
    assert.equal((await get(`evil.test:${port4}`)).status, 403);
    assert.equal(seen, 0);
  });

  it('an allowed host:port on loopback (a registry) is reached, by CONNECT and plain http; its other ports are not', async () => {
    proxy = await outboundProxy(sock, { allow: [{ host: '127.0.0.1', port: port4 }] });
    assert.match(await connect(`127.0.0.1:${port4}`), /^HTTP\/1\.1 200 /);
    assert.deepEqual(await get(`127.0.0.1:${port4}`), { status: 200, body: 'host-only svc' });
    assert.equal(seen, 2);
    assert.match(await connect(`127.0.0.1:${port4 === 65535 ? 1 : port4 + 1}`), /^HTTP\/1\.1 403 /);
    if (port6) assert.match(await connect(`[::1]:${port6}`), /^HTTP\/1\.1 403 /);
    assert.equal(seen, 2);
  });
});

describe('allowing the LAN (off by default)', () => {
  it('the provider option wins; else SPAWN_APP_ALLOW_LAN=1; else off', () => {
    assert.equal(new LocalProvider({ env: {} }).allowLan(), false);
    assert.equal(new LocalProvider({ env: { SPAWN_APP_ALLOW_LAN: '1' } }).allowLan(), true);
    assert.equal(new LocalProvider({ env: { SPAWN_APP_ALLOW_LAN: 'nope' } }).allowLan(), false);
    assert.equal(new LocalProvider({ env: { SPAWN_APP_ALLOW_LAN: '1' }, allowLan: false }).allowLan(), false);
    let setting = false;
    const p = new LocalProvider({ env: {}, allowLan: () => setting });
    assert.equal(p.allowLan(), false);
    setting = true;
    assert.equal(p.allowLan(), true, 'a setting is read when asked (at the proxy\'s start)');
  });
});
