/**
 * The checks that need no browser: the index answers (status, content type, a body), the same-origin scripts and
 * styles its HTML references answer 200, and the requests the app declares (`checks`) answer what they declare.
 */
import http from 'node:http';
import https from 'node:https';
import type { AppCheck, AppType } from '../app/spec';
import type { VerifyProblem } from '../base/verification';

export interface HttpAnswer {
  status: number;
  contentType: string;
  body: string;
}

const MAX_BODY = 2 * 1024 * 1024;

/** One request to the app (`*.localhost` is dialled on loopback, as the probes do); rejects on a network error. */
export function request(url: string, init: { method?: string; body?: string; signal?: AbortSignal; timeoutMs?: number } = {}): Promise<HttpAnswer> {
  const u = new URL(url);
  const local = u.hostname === 'localhost' || u.hostname.endsWith('.localhost');
  const secure = u.protocol === 'https:';
  const headers: Record<string, string> = { Host: u.host, 'User-Agent': 'spawn-app-verify' };
  if (init.body !== undefined) {
    headers['Content-Type'] = 'application/json';
    headers['Content-Length'] = String(Buffer.byteLength(init.body));
  }
  return new Promise((resolve, reject) => {
    const req = (secure ? https : http).request(
      {
        method: init.method ?? 'GET',
        hostname: local ? '127.0.0.1' : u.hostname,
        port: u.port || (secure ? 443 : 80),
        path: `${u.pathname}${u.search}`,
        headers,
        ...(secure && !local ? { servername: u.hostname } : {}),
        timeout: init.timeoutMs ?? 5000,
        signal: init.signal,
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          if ((size += c.length) <= MAX_BODY) chunks.push(c);
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, contentType: String(res.headers['content-type'] ?? ''), body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${Math.round((init.timeoutMs ?? 5000) / 1000)} s`)));
    req.on('error', reject);
    req.end(init.body);
  });
}

function reason(err: unknown): string {
  const e = err as { code?: string; message?: string };
  return e.code ?? e.message ?? String(err);
}

/** The same-origin scripts and stylesheets an HTML page references (absolute paths from the root). */
export function referencedAssets(html: string, pageUrl: string): string[] {
  const origin = new URL(pageUrl).origin;
  const found = new Set<string>();
  const tag = /<(script|link)\b[^>]*>/gi;
  for (const m of html.matchAll(tag)) {
    const t = m[0];
    if (m[1]!.toLowerCase() === 'link' && !/\brel\s*=\s*["']?[^"'>]*stylesheet/i.test(t)) continue;
    const ref = /\b(?:src|href)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))/i.exec(t);
    const value = ref?.[1] ?? ref?.[2] ?? ref?.[3];
    if (!value || value.startsWith('data:')) continue;
    try {
      const u = new URL(value, pageUrl);
      if (u.origin === origin) found.add(u.pathname + u.search);
    } catch {
      // not a URL: the browser would ignore it too
    }
  }
  return [...found];
}

/** The index and what it references (web app types), or only that the index answers (api). */
export async function checkIndex(url: string, appType: AppType, signal?: AbortSignal): Promise<VerifyProblem[]> {
  let index: HttpAnswer;
  try {
    index = await request(url, { signal });
  } catch (err) {
    return [{ kind: 'http', message: `GET / did not answer (${reason(err)}).` }];
  }
  if (index.status >= 400) return [{ kind: 'http', message: `GET / answered ${index.status}.` }];
  if (appType === 'api') return [];
  const problems: VerifyProblem[] = [];
  if (!/html/i.test(index.contentType)) problems.push({ kind: 'http', message: `GET / is not an HTML page (content type ${index.contentType || 'none'}).` });
  if (!index.body.trim()) problems.push({ kind: 'http', message: 'GET / answered with an empty body.' });
  const assets = referencedAssets(index.body, url);
  const answers = await Promise.all(assets.map((p) => request(new URL(p, url).href, { signal }).then((a) => a.status, (err: unknown) => reason(err))));
  assets.forEach((p, i) => {
    const a = answers[i]!;
    if (a !== 200) problems.push({ kind: 'request', message: typeof a === 'number' ? `GET ${p} (referenced by the page) answered ${a}.` : `GET ${p} (referenced by the page) failed (${a}).`, file: p.slice(1).split('?')[0] });
  });
  return problems;
}

/** Runs the app's declared checks one after another (a POST may be what a later GET reads). */
export async function runChecks(url: string, checks: readonly AppCheck[], signal?: AbortSignal): Promise<VerifyProblem[]> {
  const problems: VerifyProblem[] = [];
  for (const c of checks) {
    const what = `${c.method} ${c.path}`;
    try {
      const a = await request(new URL(c.path, url).href, { method: c.method, body: c.body, signal });
      if (a.status !== c.status) problems.push({ kind: 'check', message: `${what} answered ${a.status}; the app declares ${c.status}.` });
    } catch (err) {
      problems.push({ kind: 'check', message: `${what} did not answer (${reason(err)}); the app declares ${c.status}.` });
    }
  }
  return problems;
}
