/**
 * The host side of a sandboxed run: `127.0.0.1:<port>` forwarded to the Unix socket the in-sandbox forwarder
 * serves the app on (so the app is reachable from this machine only, whatever address it binds inside its network
 * namespace), and an HTTP proxy on a Unix socket that gives the app outbound access when the network is on.
 */
import dns from 'node:dns';
import { rmSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';

export interface Closer {
  close(): Promise<void>;
}

function pipe(a: net.Socket, b: net.Socket): void {
  a.on('error', () => b.destroy());
  b.on('error', () => a.destroy());
  a.pipe(b).pipe(a);
}

function tracked(server: net.Server): Closer {
  const sockets = new Set<net.Socket>();
  server.on('connection', (s: net.Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  return {
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Listens on 127.0.0.1:`port` and forwards each connection to the Unix socket `sockPath`. */
export function forwardPortToSocket(port: number, sockPath: string): Promise<Closer> {
  const server = net.createServer((client) => pipe(client, net.connect(sockPath)));
  const closer = tracked(server);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve(closer);
    });
  });
}

/** Loopback and unspecified addresses: a sandboxed app never reaches services on this machine's loopback through the proxy. */
function isLocalHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h.endsWith('.localhost') || /^127\./.test(h) || h === '::1' || h === '0.0.0.0' || h === '::' || /^::ffff:127\./.test(h);
}

/** A DNS lookup that refuses names resolving to loopback (so a name pointing at 127.0.0.1 does not get through). */
const safeLookup: net.LookupFunction = (hostname, options, callback) => {
  dns.lookup(hostname, { ...options, all: true }, (err, addresses) => {
    if (err) return (callback as (e: Error | null, a: string, f?: number) => void)(err, '', undefined);
    const list = (addresses as dns.LookupAddress[]).filter((a) => !isLocalHost(a.address));
    if (list.length === 0) {
      return (callback as (e: Error | null, a: string, f?: number) => void)(Object.assign(new Error(`${hostname} is this machine`), { code: 'EREFUSED' }), '', undefined);
    }
    if (options.all) (callback as (e: Error | null, a: dns.LookupAddress[]) => void)(null, list);
    else (callback as (e: Error | null, a: string, f: number) => void)(null, list[0]!.address, list[0]!.family);
  });
};

/**
 * An HTTP proxy (CONNECT tunnels and plain `http://` requests) on the Unix socket `sockPath`, for the app's
 * outbound traffic. It refuses loopback: the sandbox reaches the network, not the host's local-only services.
 */
export function outboundProxy(sockPath: string, _opts?: { allow?: { host: string; port: number }[] }): Promise<Closer> {
  const server = http.createServer((req, res) => {
    let target: URL;
    try {
      target = new URL(req.url ?? '');
    } catch {
      res.writeHead(400).end('Only absolute http:// URLs go through this proxy.\n');
      return;
    }
    if (target.protocol !== 'http:' || isLocalHost(target.hostname)) {
      res.writeHead(403).end('Refused by the Spawn App sandbox.\n');
      return;
    }
    const up = http.request({ host: target.hostname, port: target.port || 80, path: `${target.pathname}${target.search}`, method: req.method, headers: req.headers, lookup: safeLookup }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    up.on('error', () => res.writeHead(502).end());
    req.pipe(up);
  });
  server.on('connect', (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
    const m = /^(\[[^\]]+\]|[^:]+):(\d+)$/.exec(req.url ?? '');
    if (!m || isLocalHost(m[1]!)) {
      client.end('HTTP/1.1 403 Forbidden\r\n\r\n');
      return;
    }
    const up = net.connect({ port: Number(m[2]), host: m[1]!.replace(/^\[|\]$/g, ''), lookup: safeLookup }, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length) up.write(head);
      pipe(client, up);
    });
    up.on('error', () => client.end('HTTP/1.1 502 Bad Gateway\r\n\r\n'));
  });
  const closer = tracked(server);
  rmSync(sockPath, { force: true });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(sockPath, () => {
      server.off('error', reject);
      resolve(closer);
    });
  });
}
