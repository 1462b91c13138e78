/**
 * The verifier's browser runs the app's own (untrusted) JavaScript on the host, with the host's network. From the
 * attacker's side: a hostile app page tries every way a page has to reach a second loopback listener (a "host
 * service" on another port); that listener must see no connection at all, while the app's own origin still works.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import dgram from 'node:dgram';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo, Socket } from 'node:net';
import { Verifier } from '../../src/core/verify';
import { mayReach } from '../../src/core/verify/browser';
import { requireBrowser } from '../helpers/browser';
import { until } from '../helpers/poll';

interface Listener {
  url: string;
  port: number;
  /** Every connection it accepted, and the request lines it read. */
  connections: number;
  requests: string[];
  close(): Promise<void>;
}

/** An HTTP listener on loopback that records what reaches it; `answer` serves the app's routes (none: 200 "secret"). */
async function listen(answer?: (req: http.IncomingMessage, res: http.ServerResponse) => void): Promise<Listener> {
  const sockets = new Set<Socket>();
  const l = { connections: 0, requests: [] as string[] } as Listener;
  const server = http.createServer((req, res) => {
    l.requests.push(`${req.method} ${req.url}`);
    if (answer) answer(req, res);
    else res.writeHead(200, { 'content-type': 'text/plain', 'access-control-allow-origin': '*' }).end('secret');
  });
  server.on('connection', (s) => {
    l.connections++;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  // A websocket handshake: recorded by 'connection' and here (no answer: the page would wait for one).
  server.on('upgrade', (req, socket) => {
    l.requests.push(`UPGRADE ${req.url}`);
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  l.port = (server.address() as AddressInfo).port;
  l.url = `http://127.0.0.1:${l.port}`;
  l.close = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
  return l;
}

/** The hostile page: every way to reach `target` (and `localhost` for it), then a same-origin /done. */
function hostilePage(target: string, targetPort: number): string {
  const named = `http://localhost:${targetPort}`;
  const ws = `ws://127.0.0.1:${targetPort}`;
  return `<!doctype html><html><head><meta charset="utf-8"><title>Hostile</title>
<link rel="prefetch" href="${target}/prefetch">
<link rel="preconnect" href="${named}">
<link rel="dns-prefetch" href="${named}">
<link rel="stylesheet" href="${target}/style.css">
<script src="${target}/script.js"></script>
</head><body><h1>Hostile</h1>
<img src="${target}/img.png" alt="">
<iframe src="${target}/iframe"></iframe>
<iframe name="sink"></iframe>
<form id="f" method="POST" action="${target}/form" target="sink"><input name="a" value="b"></form>
<a id="pinged" href="/x" ping="${target}/ping">x</a>
<script>
  const tries = [];
  const attempt = (f) => { try { const p = f(); if (p && p.catch) tries.push(p.catch(() => undefined)); } catch (e) {} };
  attempt(() => fetch('${target}/fetch', { mode: 'no-cors' }));
  attempt(() => fetch('${named}/fetch-named', { mode: 'no-cors' }));
  attempt(() => fetch('${target}/fetch-post', { method: 'POST', mode: 'no-cors', body: 'x' }));
  attempt(() => fetch('/redirect', { mode: 'no-cors' }));
  attempt(() => { const x = new XMLHttpRequest(); x.open('GET', '${target}/xhr'); x.send(); });
  attempt(() => navigator.sendBeacon('${target}/beacon', 'x'));
  attempt(() => { new WebSocket('${ws}/ws'); });
  attempt(() => { new EventSource('${target}/events'); });
  attempt(() => { const i = new Image(); i.src = '/redirect-img'; });
  attempt(() => { const w = new Worker(URL.createObjectURL(new Blob(["fetch('${target}/worker', {mode: 'no-cors'}).catch(() => 0); try { new WebSocket('${ws}/worker-ws'); } catch (e) {}"], { type: 'text/javascript' }))); });
  attempt(() => document.getElementById('f').submit());
  attempt(() => window.open('${target}/popup'));
  attempt(() => { const s = document.createElement('iframe'); document.body.append(s); s.contentWindow.location = '${target}/navigate'; });
  attempt(() => { const pc = new RTCPeerConnection({ iceServers: [{ urls: 'stun:127.0.0.1:${targetPort}' }] }); pc.createDataChannel('x'); pc.createOffer().then((o) => pc.setLocalDescription(o)); });
  attempt(() => navigator.serviceWorker && navigator.serviceWorker.register('/sw.js'));
  Promise.all(tries).then(() => fetch('/done'));
</script></body></html>`;
}

describe('verify: the page reaches only the app’s own origin (the browser runs on the host)', function () {
  this.timeout(60_000);
  let verifier: Verifier;
  let browser: string;
  const open: Listener[] = [];

  before(function () {
    browser = requireBrowser(this);
    verifier = new Verifier({ browserPath: browser });
  });
  after(async () => {
    await verifier?.close();
    for (const l of open) await l.close();
  });

  it('a hostile page (fetch, XHR, img, script, iframe, websocket, form post, navigation, prefetch, beacon, a worker, a redirect) reaches no host service', async () => {
    const host = await listen();
    open.push(host);
    const app = await listen((req, res) => {
      switch (req.url) {
        case '/':
          res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(hostilePage(host.url, host.port));
          return;
        // A same-origin answer that sends the browser elsewhere (a route sees only the first URL).
        case '/redirect':
        case '/redirect-img':
          res.writeHead(302, { location: `${host.url}${req.url}-target` }).end();
          return;
        case '/sw.js':
          res.writeHead(200, { 'content-type': 'text/javascript' }).end(`fetch('${host.url}/sw');`);
          return;
        default:
          res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      }
    });
    open.push(app);

    const result = await verifier.verify({ url: app.url, spec: { appType: 'webapp' } });
    // The page ran its attempts (it asks for /done once every promise settled), and its own origin answered it.
    await until(() => app.requests.includes('GET /done'), 'the hostile page to finish its attempts');
    assert.equal(result.title, 'Hostile');
    assert.ok(app.requests.includes('GET /redirect'), app.requests.join(', '));
    assert.deepEqual(host.requests, [], `the host service was reached: ${host.requests.join(', ')}`);
    assert.equal(host.connections, 0, 'the host service accepted a connection');
  });

  it('a hostile page cannot write a download onto the host’s disk (outside every sandbox limit)', async () => {
    // Every file the browser's downloads could be in (Playwright's artifacts folders in the temp folder), with its size.
    const downloads = () => {
      const out = new Map<string, number>();
      for (const d of readdirSync(os.tmpdir()).filter((n) => n.startsWith('playwright-artifacts-'))) {
        try {
          for (const f of readdirSync(path.join(os.tmpdir(), d))) out.set(`${d}/${f}`, statSync(path.join(os.tmpdir(), d, f)).size);
        } catch {
          // another run's folder, gone meanwhile
        }
      }
      return out;
    };
    const before = downloads();
    const seen = new Map<string, number>();
    const total = 512 * 2 ** 20;
    let sent = 0;
    let finished = false;
    const app = await listen((req, res) => {
      // The page saves a same-origin attachment twice (a navigation, a link with download): 512 MB each, streamed.
      if (req.url === '/') {
        res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>Downloads</title><h1>x</h1><a id="a" href="/big?a" download="a.bin">a</a><script>document.getElementById("a").click(); setTimeout(() => { location = "/big?b"; }, 100);</script>');
        return;
      }
      if (!req.url?.startsWith('/big')) return void res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-disposition': 'attachment; filename="big.bin"' });
      const chunk = Buffer.alloc(2 ** 20, 7);
      let mine = 0;
      const pump = () => {
        while (mine < total) {
          mine += chunk.length;
          sent += chunk.length;
          for (const [f, size] of downloads()) if (before.get(f) !== size) seen.set(f, size);
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end(() => (finished = true));
      };
      pump();
    });
    open.push(app);
    await verifier.verify({ url: app.url, spec: { appType: 'webapp' } });
    await until(() => app.requests.some((r) => r.startsWith('GET /big')), 'the page to ask for its download');
    for (const [f, size] of downloads()) if (before.get(f) !== size) seen.set(f, size);
    assert.deepEqual([...seen.keys()], [], `the page wrote downloads onto the host (${sent} bytes sent): ${[...seen].map(([f, n]) => `${f} ${n} B`).join(', ')}`);
    assert.equal(finished, false, 'a whole 512 MB download was taken by the browser');
  });

  it('a hostile page sends no WebRTC UDP (STUN, TURN) to a host port: not from the page, an about:blank, srcdoc, data: or blob: frame, or a popup', async () => {
    // A UDP "host service" on loopback: any datagram at all is a way out (the per-check proxy holds TCP only).
    const udp = dgram.createSocket('udp4');
    const datagrams: string[] = [];
    udp.on('message', (m, from) => datagrams.push(`${m.length} B from ${from.address}:${from.port}`));
    await new Promise<void>((resolve) => udp.bind(0, '127.0.0.1', resolve));
    const port = udp.address().port;
    try {
      // The page shows nothing until its attempts had 1.5 s (the check waits for a page that fills itself), then asks for /done.
      const page = `<!doctype html><title>RTC</title><body><script>
  const servers = { iceServers: [{ urls: 'stun:127.0.0.1:${port}' }, { urls: 'turn:127.0.0.1:${port}?transport=udp', username: 'u', credential: 'c' }] };
  const go = (w) => { try { const pc = new w.RTCPeerConnection(servers); pc.createDataChannel('x'); pc.createOffer().then((o) => pc.setLocalDescription(o)); } catch (e) {} };
  go(window);
  const frame = () => { const f = document.createElement('iframe'); f.style.display = 'none'; return f; };
  const blank = frame(); document.body.append(blank); go(blank.contentWindow);
  const doc = frame(); doc.srcdoc = '<p>x'; doc.onload = () => go(doc.contentWindow); document.body.append(doc);
  const popup = window.open('about:blank'); if (popup) go(popup);
  // Documents of their own (an opaque data: origin, a blob: one) that run the attempt themselves.
  const inner = '<script>const servers = ' + JSON.stringify(servers) + '; try { const pc = new RTCPeerConnection(servers); pc.createDataChannel("x"); pc.createOffer().then((o) => pc.setLocalDescription(o)); } catch (e) {}<' + '/script>';
  const data = frame(); data.src = 'data:text/html,' + encodeURIComponent(inner); document.body.append(data);
  const blob = frame(); blob.src = URL.createObjectURL(new Blob([inner], { type: 'text/html' })); document.body.append(blob);
  setTimeout(() => { document.body.append('tried'); fetch('/done'); }, 1500);
</script>`;
      const app = await listen((req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(req.url === '/' ? page : 'ok'));
      open.push(app);
      await verifier.verify({ url: app.url, spec: { appType: 'webapp' } });
      await until(() => app.requests.includes('GET /done'), 'the page to finish its attempts');
      assert.deepEqual(datagrams, [], 'WebRTC sent UDP to a port of this machine');
    } finally {
      udp.close();
    }
  });

  it('a hostile page makes the browser look up no name it chose (a lookup would carry its data out through the resolver)', async function () {
    // A namespace of the test's own (user, mount, network): its resolver file points at a DNS listener on its loopback.
    const ip = ['/usr/sbin/ip', '/sbin/ip'].find((p) => existsSync(p));
    if (!ip || spawnSync('unshare', ['-rmn', 'true']).status !== 0) this.skip();
    const tmp = mkdtempSync(path.join(os.tmpdir(), 'spawn-verify-dns-'));
    try {
      const resolv = path.join(tmp, 'resolv.conf');
      writeFileSync(resolv, 'nameserver 127.0.0.1\n');
      const script = `${ip} link set lo up && mount --bind "$1" /etc/resolv.conf && exec "$2" --import tsx "$3" "$1" "$4"`;
      const out = execFileSync('unshare', ['-rmn', 'sh', '-c', script, 'sh', resolv, process.execPath, path.resolve('test/helpers/dnsLeakCheck.ts'), browser], { encoding: 'utf8', timeout: 60_000 });
      const r = JSON.parse(out.trim().split('\n').pop()!) as { title: string; names: string[] };
      assert.equal(r.title, 'DNS', 'the hostile page was checked');
      assert.deepEqual(r.names.filter((n) => n.endsWith('-leak.example')), [], 'the browser looked up names the page chose');
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });

  it('the app’s own origin is reached: its scripts, fetches and a second check of the same origin', async () => {
    const app = await listen((req, res) => {
      if (req.url === '/') res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>Own</title><h1>Own</h1><script src="/a.js"></script><script>fetch("/api").then((r) => r.text()).then((t) => { document.body.append(t); });</script>');
      else if (req.url === '/a.js') res.writeHead(200, { 'content-type': 'text/javascript' }).end('document.title = "Own app";');
      else res.writeHead(200, { 'content-type': 'text/plain' }).end('from the api');
    });
    open.push(app);
    for (let i = 0; i < 2; i++) {
      const r = await verifier.verify({ url: app.url, spec: { appType: 'webapp' } });
      assert.equal(r.state, 'verified', JSON.stringify(r.problems));
      assert.equal(r.title, 'Own app');
    }
    assert.equal(app.requests.filter((r) => r === 'GET /api').length, 2);
  });

  it('mayReach: the origin only (scheme, host and port), data: URLs stay in the page', () => {
    const origin = 'http://127.0.0.1:4000';
    assert.ok(mayReach('http://127.0.0.1:4000/a?b', origin));
    assert.ok(mayReach('data:image/png;base64,AAAA', origin));
    for (const u of ['http://127.0.0.1:4001/', 'https://127.0.0.1:4000/', 'http://localhost:4000/', 'http://169.254.169.254/latest/meta-data/', 'ws://127.0.0.1:4000/', 'not a url']) {
      assert.ok(!mayReach(u, origin), u);
    }
  });
});
