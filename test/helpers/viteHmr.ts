/**
 * A Vite HMR client for tests, speaking what the browser's /@vite/client speaks: an HTTP upgrade to a websocket
 * with subprotocol `vite-hmr` and the token the client script carries, then JSON text frames from the server.
 */
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';
import { request } from './http';

export interface HmrMessage {
  type: string;
  updates?: { type: string; path: string; acceptedPath: string }[];
  [k: string]: unknown;
}

export interface HmrClient {
  readonly messages: HmrMessage[];
  /** Resolves with the first message (already received or to come) that matches. */
  next(match: (m: HmrMessage) => boolean, timeoutMs?: number): Promise<HmrMessage>;
  close(): void;
}

/** The websocket token Vite ≥ 6.0.9 embeds in /@vite/client (`const wsToken = "…"`), as the browser reads it. */
export async function viteWsToken(baseUrl: string, headers: Record<string, string> = {}): Promise<string> {
  const res = await request(`${baseUrl}/@vite/client`, { headers });
  if (res.status !== 200) throw new Error(`/@vite/client answered ${res.status}`);
  const m = /const wsToken = "([^"]+)"/.exec(res.body);
  if (!m) throw new Error('no wsToken in /@vite/client');
  return m[1]!;
}

/** Connects like the browser's HMR client; `headers` may set Host (a request through a fake edge). */
export function connectHmr(baseUrl: string, token: string, headers: Record<string, string> = {}): Promise<HmrClient> {
  const u = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: u.hostname,
      port: u.port,
      path: `${u.pathname.replace(/\/$/, '')}/?token=${encodeURIComponent(token)}`,
      agent: false,
      headers: {
        Connection: 'Upgrade',
        Upgrade: 'websocket',
        'Sec-WebSocket-Version': '13',
        'Sec-WebSocket-Key': randomBytes(16).toString('base64'),
        'Sec-WebSocket-Protocol': 'vite-hmr',
        ...headers,
      },
    });
    req.on('upgrade', (_res, socket: Socket, head: Buffer) => resolve(client(socket, head)));
    req.on('response', (res) => reject(new Error(`no websocket upgrade: HTTP ${res.statusCode}`)));
    req.on('error', reject);
    req.setTimeout(5000, () => req.destroy(new Error('websocket upgrade timed out')));
    req.end();
  });
}

function client(socket: Socket, head: Buffer): HmrClient {
  const messages: HmrMessage[] = [];
  const waiters = new Set<() => void>();
  let buf = head;
  const parse = () => {
    for (;;) {
      if (buf.length < 2) return;
      const opcode = buf[0]! & 0x0f;
      let len = buf[1]! & 0x7f;
      let off = 2;
      if (len === 126) {
        if (buf.length < 4) return;
        len = buf.readUInt16BE(2);
        off = 4;
      } else if (len === 127) {
        if (buf.length < 10) return;
        len = Number(buf.readBigUInt64BE(2));
        off = 10;
      }
      if (buf.length < off + len) return;
      const payload = buf.subarray(off, off + len);
      buf = buf.subarray(off + len);
      if (opcode === 1) {
        try {
          messages.push(JSON.parse(payload.toString('utf8')) as HmrMessage);
        } catch {
          // not JSON: ignore
        }
        for (const w of [...waiters]) w();
      }
    }
  };
  socket.on('data', (d: Buffer) => {
    buf = Buffer.concat([buf, d]);
    parse();
  });
  socket.on('error', () => undefined);
  parse();
  return {
    messages,
    next(match, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const m = messages.find(match);
          if (m) {
            waiters.delete(check);
            clearTimeout(timer);
            resolve(m);
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no matching HMR message within ${timeoutMs} ms; got ${JSON.stringify(messages)}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    close() {
      socket.destroy();
    },
  };
}

/**
 * Loads a page and its module graph as the browser does before its HMR client gets any update: the HTML, then every
 * same-origin module it imports (script `src`, inline and static `import`s), transitively. Vite only sends `update`
 * for modules some client has requested; without this, whether an edit reaches HMR depends on Vite's pre-transform
 * of the HTML's entry having finished. Returns the paths loaded.
 */
export async function loadPage(baseUrl: string, headers: Record<string, string> = {}, page = '/'): Promise<string[]> {
  const seen = new Set<string>();
  const refs = (text: string, html: boolean): string[] => {
    const out: string[] = [];
    if (html) for (const m of text.matchAll(/<script\b[^>]*\bsrc="([^"]+)"/g)) out.push(m[1]!);
    for (const m of text.matchAll(/(?:\bimport\s*|\bfrom\s*|\bimport\s*\(\s*)["']([^"']+)["']/g)) out.push(m[1]!);
    return out.filter((p) => p.startsWith('/') && !p.startsWith('//'));
  };
  const load = async (p: string, html: boolean): Promise<void> => {
    if (seen.has(p)) return;
    seen.add(p);
    const res = await request(`${baseUrl.replace(/\/$/, '')}${p}`, { headers });
    if (res.status !== 200) throw new Error(`${p} answered ${res.status}`);
    await Promise.all(refs(res.body, html).map((r) => load(r, false)));
  };
  await load(page, true);
  return [...seen];
}
