/**
 * A local sandbox's port on this machine: held from the sandbox's create until its app is served there, so that no
 * other program (another window, the CLI, a second test run, anything) can take it in between and answer the
 * sandbox's URL with its own page. A port picked free and let go at once was taken so: the forwarder or the app bound
 * it only seconds later, after the install.
 *
 * Sandboxed, the socket held at create becomes the forwarder's (forward.ts): handed over, never bound again.
 * Unsandboxed, the app binds the port itself: the sandbox lets it go right before the app starts, holds it again
 * once the app stopped, and checks that what answers there is the app's (whoListens) before calling it ready.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { randomInt } from 'node:crypto';
import net from 'node:net';
import { SpawnError } from '../../base/errors';

/**
 * Listens on 127.0.0.1:`port` (0: a free port) without serving anything (each connection is closed at once), so no
 * other program can listen on it; rejects when it is taken. It keeps no process alive (the forwarder's does).
 */
export function holdPort(port: number): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const server = net.createServer((c) => c.destroy());
    server.unref();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      // A failed accept (out of descriptors) is the server's 'error': without a listener it would end this process.
      server.on('error', () => undefined);
      resolve(server);
    });
  });
}

/** Ports a sandbox is given from: above the usual servers' (3000, 5000, 8000, 8080, 8888, 9000…). */
const FIRST_OWN_PORT = 20_000;

/**
 * The ports the kernel hands out on its own here (ip_local_port_range: a listen on port 0, an outgoing connection's
 * source port), or undefined where that cannot be read (not Linux).
 */
function kernelsOwnPorts(): { low: number; high: number } | undefined {
  try {
    const [low, high] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    return low! > 0 && high! >= low! ? { low: low!, high: high! } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Holds a free port for a new sandbox: one the kernel never hands out on its own. Unsandboxed, the port is free from
 * right before the app starts until it listens (seconds, for some stacks), and after its exit: a port of the kernel's
 * own range would then be given to the first program that asked for any port (every outgoing connection does), and
 * the app's start fail. Where no such port is free (or the range cannot be read), any free port.
 */
export async function holdNewPort(): Promise<net.Server> {
  const own = kernelsOwnPorts();
  const below = own ? Math.max(0, own.low - FIRST_OWN_PORT) : 0;
  const above = own ? Math.max(0, 65_535 - Math.max(own.high, FIRST_OWN_PORT - 1)) : 0;
  for (let i = 0; own && below + above > 0 && i < 20; i++) {
    const n = randomInt(below + above);
    const port = n < below ? FIRST_OWN_PORT + n : Math.max(own.high, FIRST_OWN_PORT - 1) + 1 + n - below;
    const held = await holdPort(port).catch(() => undefined);
    if (held) return held;
  }
  return holdPort(0);
}

/** The port of a held (listening) server. */
export function portOf(server: net.Server): number {
  return (server.address() as net.AddressInfo).port;
}

/** Lets a held port go (the listening socket is closed at once; this resolves once the server is closed). */
export function letGo(server: net.Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

/** The one sentence for a sandbox's port that another program has. */
export function portTaken(port: number, cause?: unknown): SpawnError {
  return new SpawnError(
    'deploy.failed',
    `Port ${port} of this sandbox was taken by another program on this machine before the app could listen on it, so what answers there is not this app. A deploy in a new sandbox gets another port.`,
    undefined,
    { cause },
  );
}

/** /proc/net/tcp and tcp6 addresses that answer a connection to 127.0.0.1 (0.0.0.0, 127.0.0.1, mapped or not). */
const V4_ANSWERS = new Set(['00000000', '0100007F', '0000000000000000FFFF000000000000', '0000000000000000FFFF00000100007F']);
const V6_ANY = '00000000000000000000000000000000';
const LISTEN = '0A';

/** A listening socket: its inode and the user id that owns it. */
interface Listener {
  inode: string;
  uid: number;
}

/**
 * The listening sockets that answer 127.0.0.1:`port` in this network namespace: the IPv4 ones when there are any,
 * else those on `::` (dual stack). Undefined where the kernel's tables cannot be read (not Linux).
 */
function listeners(port: number): Listener[] | undefined {
  const hex = port.toString(16).toUpperCase().padStart(4, '0');
  const v4: Listener[] = [];
  const any6: Listener[] = [];
  let read = false;
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(table, 'utf8');
      read = true;
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      const [addr, p] = (f[1] ?? '').split(':');
      if (f[3] !== LISTEN || p !== hex || !f[9]) continue;
      const found = { inode: f[9], uid: Number(f[7]) };
      if (V4_ANSWERS.has(addr!)) v4.push(found);
      else if (addr === V6_ANY) any6.push(found);
    }
  }
  return read ? (v4.length ? v4 : any6) : undefined;
}

/**
 * The socket inodes `pid` has open (none when it is gone), or undefined when its descriptors are not this user's to
 * read: a process that made itself not dumpable (prctl, an interpreter with file capabilities) shows them to root only.
 */
function socketsOf(pid: number): Set<string> | undefined {
  const out = new Set<string>();
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return code === 'EACCES' || code === 'EPERM' ? undefined : out;
  }
  for (const fd of fds) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m) out.add(m[1]!);
    } catch {
      // closed meanwhile
    }
  }
  return out;
}

/**
 * Who listens on 127.0.0.1:`port`: `app` when every socket that answers there is open in one of `pids` (the app's
 * processes), `other` when one is not (another program has the port), `nobody`, or undefined where this cannot be
 * told (no /proc: not Linux; or a socket of this user's not found while a process of the app hides its descriptors:
 * it may be that one's). A socket of another user's is never the app's.
 */
export function whoListens(port: number, pids: readonly number[]): 'app' | 'other' | 'nobody' | undefined {
  const found = listeners(port);
  if (found === undefined) return undefined;
  if (found.length === 0) return 'nobody';
  const each = pids.map(socketsOf);
  const ours = new Set(each.flatMap((s) => [...(s ?? [])]));
  const unknown = found.filter((l) => !ours.has(l.inode));
  if (unknown.length === 0) return 'app';
  const me = process.getuid?.();
  if (unknown.some((l) => me !== undefined && l.uid !== me)) return 'other';
  return each.includes(undefined) ? undefined : 'other';
}
