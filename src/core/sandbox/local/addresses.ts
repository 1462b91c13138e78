/**
 * What an address is, decided on its bytes, never on its spelling: the outbound proxy (forward.ts) refuses this
 * machine (loopback, unspecified), link-local (the cloud metadata address 169.254.169.254 included), multicast,
 * broadcast and reserved ranges always, and private ranges (the LAN) unless the user allowed them.
 *
 * - IPv4 is read the way the C library reads it (`inet_aton`, which `getaddrinfo` and so `dns.lookup` use): one to
 *   four parts, each decimal, octal (leading 0) or hex (0x); the last part fills the remaining bytes. So `127.1`,
 *   `0x7f.1`, `2130706433` and `017700000001` all are 127.0.0.1 here, as they are to `net.connect`.
 * - IPv6 in any legal spelling (`[::0:1]`, `0:0:0:0:0:0:0:1`, a dotted IPv4 tail, a `%zone`); an IPv4 address
 *   carried inside one (mapped `::ffff:a.b.c.d`, translated `::ffff:0:a.b.c.d`, compatible `::a.b.c.d`, NAT64
 *   `64:ff9b::/96`, 6to4 `2002::/16`) is classified as that IPv4 address.
 *
 * The proxy classifies the address it is about to connect to (after its own lookup), connects to that address
 * (never the name again), and checks the peer address of the connection too.
 */
import net from 'node:net';

export type AddressClass = 'loopback' | 'unspecified' | 'link-local' | 'private' | 'multicast' | 'broadcast' | 'reserved' | 'public';

/** One part of an inet_aton address: decimal, octal (leading 0) or hex (0x); undefined when it is none of them. */
function atonPart(s: string): number | undefined {
  let n: number;
  if (/^0x[0-9a-f]+$/i.test(s)) n = parseInt(s.slice(2), 16);
  else if (/^0[0-7]*$/.test(s)) n = parseInt(s, 8);
  else if (/^[1-9][0-9]*$/.test(s)) n = parseInt(s, 10);
  else return undefined;
  return Number.isSafeInteger(n) ? n : undefined;
}

/** IPv4 as inet_aton reads it (see the module comment), as 4 bytes; undefined when it is not one. */
function parseIPv4(s: string): Uint8Array | undefined {
  const parts = s.split('.');
  if (parts.length < 1 || parts.length > 4) return undefined;
  const nums: number[] = [];
  for (const p of parts) {
    const n = atonPart(p);
    if (n === undefined) return undefined;
    nums.push(n);
  }
  const last = nums.pop()!;
  if (nums.some((n) => n > 255) || last >= 2 ** (8 * (4 - nums.length))) return undefined;
  let value = last;
  nums.forEach((n, i) => (value += n * 2 ** (8 * (3 - i))));
  return Uint8Array.of(Math.floor(value / 2 ** 24) % 256, Math.floor(value / 2 ** 16) % 256, Math.floor(value / 2 ** 8) % 256, value % 256);
}

/** IPv6 (Node's own check first, then its 16 bytes); undefined when it is not one. */
function parseIPv6(s: string): Uint8Array | undefined {
  const text = s.replace(/%.*$/, '');
  if (!net.isIPv6(text)) return undefined;
  let head = text;
  const tail: number[] = [];
  const dotted = /:(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const v4 = parseIPv4(dotted[1]!);
    if (!v4 || !net.isIPv4(dotted[1]!)) return undefined;
    head = text.slice(0, -dotted[1]!.length) + '0:0'; // two placeholder groups, replaced below
    tail.push(...v4);
  }
  const [left, right] = head.includes('::') ? head.split('::') as [string, string] : [head, undefined];
  const groups = (g: string) => (g === '' ? [] : g.split(':').map((x) => parseInt(x, 16)));
  const l = groups(left);
  const r = right === undefined ? [] : groups(right);
  const all = right === undefined ? l : [...l, ...new Array<number>(8 - l.length - r.length).fill(0), ...r];
  if (all.length !== 8 || all.some((g) => !(g >= 0 && g <= 0xffff))) return undefined;
  const bytes = new Uint8Array(16);
  all.forEach((g, i) => {
    bytes[2 * i] = g >> 8;
    bytes[2 * i + 1] = g & 0xff;
  });
  if (tail.length) bytes.set(tail, 12);
  return bytes;
}

/**
 * An IP address in any spelling `net.connect` or `dns.lookup` would take as one (brackets allowed), as its bytes
 * (4 or 16); undefined for anything else (a host name).
 */
export function parseAddress(text: string): Uint8Array | undefined {
  const s = text.trim().replace(/^\[(.*)\]$/, '$1');
  if (s === '') return undefined;
  return s.includes(':') ? parseIPv6(s) : parseIPv4(s);
}

/** The canonical text of an address's bytes (what the proxy connects to): dotted IPv4, or full IPv6. */
export function formatAddress(bytes: Uint8Array): string {
  if (bytes.length === 4) return bytes.join('.');
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i]! << 8) | bytes[i + 1]!).toString(16));
  return groups.join(':');
}

/** An IPv4-mapped IPv6 address (`::ffff:a.b.c.d`) as the IPv4 address it is (what a connection to it reaches); others as they are. */
export function unmapped(b: Uint8Array): Uint8Array {
  return b.length === 16 && b.subarray(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff ? b.slice(12) : b;
}

/** The IPv4 address an IPv6 address carries (mapped, translated, compatible, NAT64, 6to4), if any. */
function embeddedIPv4(b: Uint8Array): Uint8Array | undefined {
  const zero = (from: number, to: number) => b.subarray(from, to).every((x) => x === 0);
  if (zero(0, 10) && b[10] === 0xff && b[11] === 0xff) return b.slice(12); // ::ffff:a.b.c.d (mapped)
  if (zero(0, 8) && b[8] === 0xff && b[9] === 0xff && b[10] === 0 && b[11] === 0) return b.slice(12); // ::ffff:0:a.b.c.d (translated)
  if (zero(0, 12)) return b.slice(12); // ::a.b.c.d (compatible; :: and ::1 are decided before)
  if (b[0] === 0 && b[1] === 0x64 && b[2] === 0xff && b[3] === 0x9b && zero(4, 12)) return b.slice(12); // 64:ff9b::/96 (NAT64)
  if (b[0] === 0x20 && b[1] === 0x02) return b.slice(2, 6); // 2002::/16 (6to4)
  return undefined;
}

function inV4(b: Uint8Array, net4: readonly number[], bits: number): boolean {
  for (let i = 0; i < 4 && bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if ((b[i]! & mask) !== (net4[i]! & mask)) return false;
  }
  return true;
}

const V4: [readonly number[], number, AddressClass][] = [
  [[255, 255, 255, 255], 32, 'broadcast'],
  [[0, 0, 0, 0], 8, 'unspecified'], // "this network": 0.0.0.0 reaches this machine
  [[127, 0, 0, 0], 8, 'loopback'],
  [[169, 254, 0, 0], 16, 'link-local'],
  [[10, 0, 0, 0], 8, 'private'],
  [[172, 16, 0, 0], 12, 'private'],
  [[192, 168, 0, 0], 16, 'private'],
  [[100, 64, 0, 0], 10, 'private'], // carrier-grade NAT, shared address space
  [[192, 0, 0, 0], 24, 'reserved'], // IETF protocol assignments
  [[192, 0, 2, 0], 24, 'reserved'], // documentation
  [[192, 88, 99, 0], 24, 'reserved'], // 6to4 relay anycast
  [[198, 18, 0, 0], 15, 'reserved'], // benchmarking
  [[198, 51, 100, 0], 24, 'reserved'], // documentation
  [[203, 0, 113, 0], 24, 'reserved'], // documentation
  [[224, 0, 0, 0], 4, 'multicast'],
  [[240, 0, 0, 0], 4, 'reserved'],
];

function classifyV4(b: Uint8Array): AddressClass {
  for (const [n, bits, cls] of V4) if (inV4(b, n, bits)) return cls;
  return 'public';
}

function classifyV6(b: Uint8Array): AddressClass {
  const zero = (from: number, to: number) => b.subarray(from, to).every((x) => x === 0);
  if (zero(0, 16)) return 'unspecified';
  if (zero(0, 15) && b[15] === 1) return 'loopback';
  const v4 = embeddedIPv4(b);
  if (v4) return classifyV4(v4);
  if (b[0] === 0xff) return 'multicast';
  if (b[0] === 0xfe && (b[1]! & 0xc0) === 0x80) return 'link-local'; // fe80::/10
  if (b[0] === 0xfe && (b[1]! & 0xc0) === 0xc0) return 'private'; // fec0::/10, site-local (deprecated)
  if ((b[0]! & 0xfe) === 0xfc) return 'private'; // fc00::/7, unique local
  if (b[0] === 0 && b[1] === 0x64 && b[2] === 0xff && b[3] === 0x9b && b[4] === 0 && b[5] === 1) return 'private'; // 64:ff9b:1::/48, local NAT64
  if (b[0] === 0x20 && b[1] === 0x01 && b[2] === 0x0d && b[3] === 0xb8) return 'reserved'; // 2001:db8::/32, documentation
  if (b[0] === 0x20 && b[1] === 0x01 && b[2] === 0 && b[3] === 0) return 'reserved'; // 2001::/32, Teredo
  if ((b[0]! & 0xe0) !== 0x20) return 'reserved'; // outside 2000::/3, the global unicast space
  return 'public';
}

/** The class of an address (text in any spelling parseAddress takes, or its bytes); undefined: not an address. */
export function classifyAddress(ip: string | Uint8Array): AddressClass | undefined {
  const b = typeof ip === 'string' ? parseAddress(ip) : ip;
  if (!b) return undefined;
  return b.length === 4 ? classifyV4(b) : classifyV6(b);
}

/** Whether the proxy may connect to an address of this class: public always, private only with the LAN allowed. */
export function mayReach(cls: AddressClass | undefined, opts: { allowLan?: boolean } = {}): boolean {
  return cls === 'public' || (cls === 'private' && opts.allowLan === true);
}

/** How a refusal reads: "127.0.0.1 is this machine (loopback)". */
export function describeClass(cls: AddressClass | undefined): string {
  switch (cls) {
    case 'loopback':
    case 'unspecified':
      return `this machine (${cls})`;
    case 'link-local':
      return 'link-local (the local link, the cloud metadata address)';
    case 'private':
      return 'on a private network (the LAN is not allowed; see allowLan)';
    case undefined:
      return 'not an address';
    default:
      return `${cls}`;
  }
}
