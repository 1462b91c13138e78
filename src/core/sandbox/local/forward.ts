/**
 * The host side of a sandboxed run: `127.0.0.1:<port>` forwarded to the Unix socket the in-sandbox forwarder
 * serves the app on (so the app is reachable from this machine only, whatever address it binds inside its network
 * namespace), and an HTTP proxy on a Unix socket that gives the app outbound access when the network is on.
 *
 * Both face code of the app's: the socket sits in a folder the app can write, and the proxy serves whatever the
 * app asks. So the forwarder connects only to the socket it checked (never a link the app put there), and the
 * proxy decides on the address it connects to (addresses.ts), never on how a host name is spelled.
 */
import dns from 'node:dns';
import { closeSync, constants, fstatSync, openSync, rmSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import { classifyAddress, describeClass, formatAddress, mayReach, parseAddress, unmapped } from './addresses';

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

/** Linux's O_PATH: a descriptor that names an inode without opening it (what connect() then goes through). */
const O_PATH = 0o10000000;

/**
 * Connects to the Unix socket at `sockPath` only if the entry there is a socket of this user's, not a link (nor a
 * FIFO, a file, another user's socket or a second name of one), and connects to that very inode.
 *
 * Why this way: the socket's folder must be writable inside the sandbox (the in-sandbox forwarder creates the
 * socket there), so the app can put anything at that path, e.g. a link to another Unix socket of the user's that
 * it cannot reach itself; and a read-only mount would not stop connect() on a socket anyway. The entry is opened
 * with O_PATH | O_NOFOLLOW (a link is opened as the link, never followed), checked with fstat, and the connection
 * goes through `/proc/self/fd/<fd>`, which is that descriptor's inode whatever the path holds by then: no window
 * between the check and the connect. (Turning the direction round, a host listener the sandbox connects out to,
 * would need a pool of waiting connections and add a round trip to every request.)
 */
export function connectChecked(sockPath: string): net.Socket {
  let fd: number | undefined;
  let why: string | undefined;
  try {
    fd = openSync(sockPath, O_PATH | constants.O_NOFOLLOW);
    const st = fstatSync(fd);
    const me = process.getuid?.();
    if (st.isSymbolicLink()) why = 'is a symbolic link';
    else if (!st.isSocket()) why = 'is not a socket';
    else if (me !== undefined && st.uid !== me) why = `is owned by another user (uid ${st.uid})`;
    else if (st.nlink !== 1) why = 'has more than one name (a hard link)';
  } catch (err) {
    why = `cannot be opened (${(err as NodeJS.ErrnoException).code ?? 'error'})`;
  }
  if (why !== undefined || fd === undefined) {
    if (fd !== undefined) closeSync(fd);
    const s = new net.Socket();
    process.nextTick(() => s.destroy(Object.assign(new Error(`The app's socket ${sockPath} ${why}; not connected.`), { code: 'EREFUSED' })));
    return s;
  }
  const s = net.connect(`/proc/self/fd/${fd}`);
  const done = () => {
    if (fd === undefined) return;
    closeSync(fd);
    fd = undefined;
  };
  s.once('connect', done);
  s.once('close', done);
  return s;
}

/**
 * At most this much of a connection's first request is read for its head; a longer head is refused (431), never
 * passed on unchecked: a page can make its handshake that long (a URL may be 2 MB in Chromium), and some servers
 * take such heads (Go's take 1 MB).
 */
const HEAD_LIMIT = 64 * 1024;

const LOOPBACK_NAMES = new Set(['127.0.0.1', 'localhost', '[::1]', '::1', '0.0.0.0']);

/**
 * A name a browser reaches this machine by without asking DNS (`*.localhost` and a trailing dot included). Only for
 * the rebinding check: `a.localhost` and `b.localhost` are two origins (code-server's subdomain proxy serves two
 * apps so), so only LOOPBACK_NAMES count as one another.
 */
function isLoopbackName(host: string): boolean {
  const h = host.replace(/\.$/, '');
  return LOOPBACK_NAMES.has(h) || h.endsWith('.localhost');
}

/**
 * "host:port" of a Host header or an origin's URL, lower-cased, with the scheme's default port filled in (a Host
 * header without a port takes the Origin's scheme's: a TLS proxy on 443, e.g. Codespaces', keeps Host as it came).
 */
function hostPort(host: string, defaultPort: string): string {
  const h = host.trim().toLowerCase();
  return /:\d+$/.test(h) ? h : `${h}:${defaultPort}`;
}

/**
 * Whether a websocket handshake may reach the app: a page of another site open in the user's browser can open a
 * websocket to a local port (websockets have no CORS) and drive the app (Streamlit answers any Origin once its own
 * check is off, which its preview in a webview frame needs). Allowed: no Origin (not a browser), or an Origin whose
 * host and port are the request's own Host (the app's page itself, also behind a remote's port proxy, which keeps
 * both), loopback spellings counting as one. Anything else is refused before the app sees it.
 *
 * `ownPort` (the port the forwarder listens on) closes DNS rebinding: a site whose name it points at 127.0.0.1 sends
 * that name as both Host and Origin, with this very port, as a browser that came straight here. A port proxy keeps
 * its own port (or none) in Host, so a name that is not loopback with `ownPort` is refused.
 */
export function upgradeAllowed(head: string, ownPort?: number): boolean {
  const lines = head.split('\r\n');
  const headers = new Map<string, string>();
  for (const line of lines.slice(1)) {
    const i = line.indexOf(':');
    if (i > 0) headers.set(line.slice(0, i).trim().toLowerCase(), line.slice(i + 1).trim());
  }
  if (!/(^|,)\s*websocket\s*($|,)/i.test(headers.get('upgrade') ?? '')) return true;
  const origin = headers.get('origin');
  if (origin === undefined) return true;
  let o: URL;
  try {
    o = new URL(origin);
  } catch {
    return false; // "null" (a sandboxed frame, a file: page) or junk
  }
  const host = headers.get('host');
  if (!host || (o.protocol !== 'http:' && o.protocol !== 'https:')) return false;
  const defaultPort = o.protocol === 'https:' ? '443' : '80';
  const from = hostPort(o.host, defaultPort);
  const to = hostPort(host, defaultPort);
  const split = (hp: string) => [hp.slice(0, hp.lastIndexOf(':')), hp.slice(hp.lastIndexOf(':') + 1)] as const;
  const [fh, fp] = split(from);
  const [th, tp] = split(to);
  if (ownPort !== undefined && tp === String(ownPort) && !isLoopbackName(th)) return false;
  if (from === to) return true;
  return fp === tp && LOOPBACK_NAMES.has(fh) && LOOPBACK_NAMES.has(th);
}

function refusal(status: string, sentence: string): string {
  return `HTTP/1.1 ${status}\r\nContent-Type: text/plain\r\nContent-Length: ${sentence.length + 1}\r\nConnection: close\r\n\r\n${sentence}\n`;
}

/**
 * Forwards one client connection to the app's socket: its first request's head is read first (a longer one than
 * HEAD_LIMIT is refused), and a websocket handshake from another site's page (upgradeAllowed) is answered 403 without
 * reaching the app. Browsers open a connection of its own for each websocket (Chromium's websocket socket pool,
 * Firefox's upgrade requests never take an idle connection), so the first request is the handshake.
 */
function forwardChecked(client: net.Socket, sockPath: string): void {
  let head = Buffer.alloc(0);
  const onData = (chunk: Buffer) => {
    head = Buffer.concat([head, chunk]);
    const end = head.indexOf('\r\n\r\n');
    if (end < 0 && head.length < HEAD_LIMIT) return;
    client.off('data', onData);
    client.pause();
    if (end < 0) {
      client.end(refusal('431 Request Header Fields Too Large', `A request head over ${HEAD_LIMIT / 1024} KB is refused (it could not be checked).`));
      return;
    }
    if (!upgradeAllowed(head.subarray(0, end).toString('latin1'), client.localPort)) {
      client.end(refusal('403 Forbidden', "A websocket from another site's page is refused (Origin)."));
      return;
    }
    const app = connectChecked(sockPath);
    app.write(head);
    pipe(client, app);
    client.resume();
  };
  client.on('data', onData);
  client.on('error', () => client.destroy());
}

/**
 * Serves 127.0.0.1:<port> by forwarding each connection to the app's Unix socket `sockPath` (checked each time).
 * `held` is the listening socket the sandbox held since its create (ports.ts), taken over as it is (never bound
 * again, so no other program can have the port in between).
 */
export function forwardPortToSocket(held: net.Server, sockPath: string): Closer {
  // The holder closed each connection at once: from here on they are forwarded. It keeps the process alive now.
  held.removeAllListeners('connection');
  held.on('connection', (client: net.Socket) => forwardChecked(client, sockPath));
  held.ref();
  return tracked(held);
}

export interface ProxyOptions {
  /**
   * Exact `host:port` pairs reached whatever their address (the package registries of an install step, which may
   * be on this machine). Matched on the host as written (case-insensitive, brackets dropped) or, for an address,
   * on its bytes.
   */
  allow?: { host: string; port: number }[];
  /** Private ranges (the LAN: 10/8, 172.16/12, 192.168/16, 100.64/10, fc00::/7) may be reached; default false. */
  allowLan?: boolean;
  /** Name resolution (tests); default dns.lookup (every address, in the system's order). */
  lookup?: (host: string) => Promise<{ address: string; family: number }[]>;
}

/** Where the proxy connects for one request, or why it does not. */
export type ProxyTarget = { ok: true; address: string; port: number; allowed: boolean } | { ok: false; status: 400 | 403 | 502; why: string };

const HOST_NAME = /^(?=.{1,253}\.?$)[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?(?:\.[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?)*\.?$/i;

function sameAddress(a: string, b: string): boolean {
  const x = parseAddress(a);
  const y = parseAddress(b);
  return !!x && !!y && formatAddress(unmapped(x)) === formatAddress(unmapped(y));
}

const systemLookup = (host: string) => dns.promises.lookup(host, { all: true, verbatim: true });

/**
 * The addresses of this machine's own interfaces: a connection to one of them is local traffic (it reaches what
 * listens on 0.0.0.0 here, past firewall rules made for the network), so it counts as this machine, LAN or not.
 */
function ownAddresses(): Set<string> {
  const out = new Set<string>();
  for (const list of Object.values(os.networkInterfaces())) {
    for (const a of list ?? []) {
      const b = parseAddress(a.address);
      if (b) out.add(formatAddress(unmapped(b)));
    }
  }
  return out;
}

/** Whether the proxy may connect to this address: by its class, and never to one of this machine's own. */
function reachable(bytes: Uint8Array, opts: ProxyOptions): { ok: boolean; why: string } {
  const cls = classifyAddress(bytes);
  if (!mayReach(cls, opts)) return { ok: false, why: describeClass(cls) };
  if (ownAddresses().has(formatAddress(unmapped(bytes)))) return { ok: false, why: 'this machine (one of its own addresses)' };
  return { ok: true, why: '' };
}

/**
 * Decides a request's target: an address literal (any spelling) is taken as its bytes; a name is looked up here,
 * once. The first address that may be reached is the one to connect to (by address, never the name again).
 */
export async function resolveTarget(hostText: string, port: number, opts: ProxyOptions = {}): Promise<ProxyTarget> {
  const host = hostText.trim().replace(/^\[(.*)\]$/, '$1').toLowerCase();
  if (!Number.isInteger(port) || port < 1 || port > 65535) return { ok: false, status: 400, why: `port ${port} is not a port` };
  const allowed = (opts.allow ?? []).some((a) => a.port === port && (a.host.replace(/^\[(.*)\]$/, '$1').toLowerCase() === host || sameAddress(a.host, host)));
  const literal = parseAddress(host);
  let addresses: string[];
  if (literal) addresses = [formatAddress(literal)];
  else if (!HOST_NAME.test(host)) return { ok: false, status: 400, why: `${JSON.stringify(hostText.slice(0, 80))} is not a host name` };
  else {
    try {
      addresses = (await (opts.lookup ?? systemLookup)(host)).map((a) => a.address);
    } catch (err) {
      return { ok: false, status: 502, why: `${host} could not be resolved (${(err as NodeJS.ErrnoException).code ?? 'error'})` };
    }
  }
  let refused: string | undefined;
  for (const a of addresses) {
    const bytes = parseAddress(a);
    if (!bytes) continue;
    const r = allowed ? { ok: true, why: '' } : reachable(bytes, opts);
    // An IPv4-mapped address is connected to as the IPv4 address it is.
    if (r.ok) return { ok: true, address: formatAddress(unmapped(bytes)), port, allowed };
    refused ??= `${literal ? host : `${host} (${a})`} is ${r.why}`;
  }
  return { ok: false, status: 403, why: refused ?? `${host} has no address` };
}

/** Connects to a decided target, and checks the peer address of the connection before anything is sent. */
function connectTarget(t: Extract<ProxyTarget, { ok: true }>, opts: ProxyOptions, onReady: (up: net.Socket) => void, onFail: (status: number) => void): void {
  const up = net.connect({ host: t.address, port: t.port });
  up.once('connect', () => {
    const peer = parseAddress(up.remoteAddress ?? '');
    if (!t.allowed && (!peer || !reachable(peer, opts).ok)) {
      up.destroy();
      onFail(403);
      return;
    }
    onReady(up);
  });
  up.once('error', () => onFail(502));
}

function refuse(res: http.ServerResponse | net.Socket, status: number, why?: string): void {
  const text = status === 403 ? 'Forbidden' : status === 400 ? 'Bad Request' : 'Bad Gateway';
  const body = why ? `Refused by the Spawn App sandbox: ${why}.\n` : '';
  if (res instanceof net.Socket) res.end(`HTTP/1.1 ${status} ${text}\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
  else if (!res.headersSent) res.writeHead(status, { 'Content-Type': 'text/plain' }).end(body);
  else res.destroy();
}

/**
 * An HTTP proxy (CONNECT tunnels and plain `http://` requests) on the Unix socket `sockPath`, for a sandbox's
 * outbound traffic: public addresses only (private ones with `allowLan`), plus the exact `allow` pairs.
 */
export function outboundProxy(sockPath: string, opts: ProxyOptions = {}): Promise<Closer> {
  const server = http.createServer((req, res) => {
    let target: URL;
    try {
      target = new URL(req.url ?? '');
    } catch {
      res.writeHead(400).end('Only absolute http:// URLs go through this proxy.\n');
      return;
    }
    if (target.protocol !== 'http:') {
      refuse(res, 403, 'only http:// URLs (use CONNECT for https)');
      return;
    }
    void resolveTarget(target.hostname, Number(target.port || 80), opts).then((t) => {
      if (!t.ok) return refuse(res, t.status, t.why);
      connectTarget(
        t,
        opts,
        (socket) => {
          const up = http.request({ createConnection: () => socket, path: `${target.pathname}${target.search}`, method: req.method, headers: req.headers }, (r) => {
            res.writeHead(r.statusCode ?? 502, r.headers);
            r.pipe(res);
          });
          up.on('error', () => refuse(res, 502));
          req.pipe(up);
        },
        (status) => refuse(res, status, status === 403 ? 'the address connected to is not allowed' : undefined),
      );
    });
  });
  server.on('connect', (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
    client.on('error', () => undefined);
    const m = /^(\[[^\]]+\]|[^:[\]]+):(\d{1,5})$/.exec(req.url ?? '');
    if (!m) return refuse(client, 400, 'CONNECT takes host:port');
    void resolveTarget(m[1]!, Number(m[2]), opts).then((t) => {
      if (!t.ok) return refuse(client, t.status, t.why);
      connectTarget(
        t,
        opts,
        (up) => {
          client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
          if (head.length) up.write(head);
          pipe(client, up);
        },
        (status) => refuse(client, status, status === 403 ? 'the address connected to is not allowed' : undefined),
      );
    });
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
