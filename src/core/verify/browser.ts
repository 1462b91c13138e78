/**
 * The headless browser: one per process, started on the first check and reused (playwright-core over the DevTools
 * protocol, with a browser found on the machine; nothing is downloaded). A page check collects, with a bounded
 * wait, uncaught exceptions, console errors, failed same-origin requests, whether the page shows nothing, the
 * title and two screenshots. Every check closes its page when it ends or its signal aborts.
 */
import net from 'node:net';
import type { Browser, BrowserContext, ConsoleMessage, Page, Request, Response } from 'playwright-core';
import { CancelledError } from '../base/errors';
import type { Screenshots, VerifyProblem } from '../base/verification';
import { NARROW_VIEWPORT, WIDE_VIEWPORT } from '../base/verification';

export interface PageCheck {
  problems: VerifyProblem[];
  title?: string;
  screenshots?: Screenshots;
}

export interface PageCheckOptions {
  signal?: AbortSignal;
  /** How long the page may take to load; default 10 s. */
  loadTimeoutMs?: number;
  /** How long to wait for the network to go quiet after the load (module graphs, fetches); default 2.5 s. */
  settleMs?: number;
  /**
   * How long a page that still shows nothing once the network is quiet may take to show something (a page filled
   * over a websocket, as Streamlit's is, or by a timer) before it is judged blank; default 15 s (none after an uncaught
   * exception: such a page will not fill itself).
   */
  contentMs?: number;
}

/** A file path from the app's root and a line, from a URL on the app's origin (`http://h/src/App.tsx?t=1` → `src/App.tsx`). */
function appFile(url: string | undefined, origin: string): string | undefined {
  if (!url) return undefined;
  try {
    const u = new URL(url);
    if (u.origin !== origin) return undefined;
    // The page itself (an inline script): its index.html.
    const p = decodeURIComponent(u.pathname).replace(/^\/+/, '');
    return !p || p.endsWith('/') ? `${p}index.html` : p;
  } catch {
    return undefined;
  }
}

/** The first frame of a stack that points into the app: `at f (http://h/app.js:12:5)` → app.js, 12. */
export function whereInStack(stack: string | undefined, origin: string): { file?: string; line?: number } {
  for (const m of (stack ?? '').matchAll(/(https?:\/\/[^\s()]+?):(\d+):(\d+)/g)) {
    const file = appFile(m[1], origin);
    if (file) return { file, line: Number(m[2]) };
  }
  return {};
}

/** What a request was for, in the words of a sentence. */
function what(req: Request): string {
  switch (req.resourceType()) {
    case 'script':
      return 'a script';
    case 'stylesheet':
      return 'a stylesheet';
    case 'image':
      return 'an image';
    case 'font':
      return 'a font';
    case 'fetch':
    case 'xhr':
      return 'a request';
    case 'document':
      return 'the page';
    default:
      return 'a file';
  }
}

function oneLine(s: string, max = 300): string {
  const t = s.replace(/\s+/g, ' ').trim();
  return t.length > max ? `${t.slice(0, max - 1)}…` : t;
}

/** Waits until no request is in flight for QUIET_MS (modules, fetches the page starts after its load), at most `maxMs`. */
async function quiet(page: Page, inflight: Set<Request>, maxMs: number): Promise<void> {
  const deadline = Date.now() + maxMs;
  let calmSince = Date.now();
  while (Date.now() < deadline && !page.isClosed()) {
    if (inflight.size > 0) calmSince = Date.now();
    else if (Date.now() - calmSince >= QUIET_MS) return;
    await new Promise((r) => setTimeout(r, 25));
  }
}

/**
 * The page at 1280×800 and at 390×844. Straight over the DevTools protocol (Playwright's screenshot first waits for
 * fonts and animation frames), else Playwright's (a browser error page may not take the former); none if both fail.
 */
async function screenshots(page: Page): Promise<Screenshots | undefined> {
  const cdp = await page.context().newCDPSession(page).catch(() => undefined);
  const shot = async () => {
    const fast = await cdp?.send('Page.captureScreenshot', { format: 'png', optimizeForSpeed: true }).catch(() => undefined);
    return new Uint8Array(fast ? Buffer.from(fast.data, 'base64') : await page.screenshot({ type: 'png' }));
  };
  try {
    const wide = await shot();
    await page.setViewportSize(NARROW_VIEWPORT);
    return { wide, narrow: await shot() };
  } catch {
    return undefined;
  } finally {
    await cdp?.detach().catch(() => undefined);
  }
}

/** How long the network must stay quiet after the load before the page is judged. */
const QUIET_MS = 150;

/**
 * In the page (a string, so no compiler helper leaks into it): its title, and whether it shows nothing — `root` for
 * an empty React root, `body` for no visible text or element in the body — else null.
 */
const BLANK_CHECK = `(() => {
  const blank = () => {
    const root = document.getElementById('root');
    if (root && root.childElementCount === 0 && !(root.textContent || '').trim()) return 'root';
    const body = document.body;
    if (!body) return 'body';
    if (body.innerText.trim()) return null;
    for (const el of body.querySelectorAll('img,svg,canvas,video,iframe,input,button,select,textarea,object,embed,picture')) {
      const r = el.getBoundingClientRect();
      if (r.width > 0 && r.height > 0 && getComputedStyle(el).visibility !== 'hidden') return null;
    }
    return 'body';
  };
  return { blank: blank(), title: document.title };
})()`;

/** A fresh context and its page, made ahead of the next check (a page costs a renderer process: ~0.5 s). */
interface Tab {
  context: BrowserContext;
  page: Page;
  /** The only origin the tab's page may reach. */
  origin: string;
}

/**
 * Switches the browser never needs: the ones that reach out without a page's request (background updates, DNS
 * prefetch, hyperlink pings) and WebRTC's UDP past the proxy.
 */
const QUIET_ARGS = ['--disable-background-networking', '--dns-prefetch-disable', '--no-pings', '--force-webrtc-ip-handling-policy=disable_non_proxied_udp', '--disable-features=NetworkPrediction'];

/**
 * Run in every document of the check's context before its own scripts (the page, every frame, about:blank and srcdoc
 * ones included, popups): no WebRTC. Its UDP (STUN, TURN) passes no proxy and no route, so a page could send datagrams
 * to any UDP port of this machine; the switch that should stop it (`--force-webrtc-ip-handling-policy`) is not in
 * current Chromium builds (the policy is a profile preference there). Without the constructor nothing opens a peer
 * connection: workers have none.
 */
const NO_WEBRTC = `for (const k of ['RTCPeerConnection', 'webkitRTCPeerConnection', 'RTCDataChannel', 'RTCIceTransport', 'RTCSctpTransport', 'RTCDtlsTransport', 'RTCRtpSender', 'RTCRtpReceiver', 'RTCRtpTransceiver']) { try { delete globalThis[k]; } catch (e) {} }`;

/** A proxy that answers nothing: every connection is closed at once (what the page may not reach is sent here). */
async function refusingProxy(): Promise<net.Server> {
  const server = net.createServer((socket) => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  server.unref();
  return server;
}

/** `host:port` of an origin, the port always written (a proxy bypass rule). */
function hostPort(origin: string): string {
  const u = new URL(origin);
  return `${u.hostname}:${u.port || (u.protocol === 'https:' ? '443' : '80')}`;
}

/** Whether a page's request may leave the browser: to the app's own origin only (data: stays in the page). */
export function mayReach(url: string, origin: string): boolean {
  if (url.startsWith('data:')) return true;
  try {
    return new URL(url).origin === origin;
  } catch {
    return false;
  }
}

/**
 * One browser for the process: launched on first use, relaunched if it died, closed by `close()`. It keeps one
 * spare tab (its own context) ready for the next check.
 */
export class BrowserHost {
  private browser?: Promise<Browser>;
  private proxy?: Promise<net.Server>;
  private spare?: Promise<Tab | undefined>;

  constructor(private readonly executablePath: string) {}

  /** Whether the browser is running already (a check then pays no start-up). */
  get warm(): boolean {
    return this.browser !== undefined;
  }

  private launch(): Promise<Browser> {
    if (!this.browser) {
      this.browser = import('playwright-core').then(async ({ chromium }) => {
        // The process's signals are its owner's (the CLI's Ctrl-C stops the app): Playwright's own handlers would exit.
        const options = {
          executablePath: this.executablePath,
          headless: true,
          handleSIGINT: false,
          handleSIGTERM: false,
          handleSIGHUP: false,
          args: ['--disable-gpu', '--no-first-run', '--no-default-browser-check', '--disable-extensions', ...QUIET_ARGS],
        };
        // Chromium's own sandbox for the page, except as root (Chromium refuses it there); then only the network
        // rules below hold the page (docs/security.md). A sandbox the machine cannot give falls back the same way.
        const asRoot = process.getuid?.() === 0;
        const b = asRoot
          ? await chromium.launch({ ...options, chromiumSandbox: false })
          : await chromium.launch({ ...options, chromiumSandbox: true }).catch(() => chromium.launch({ ...options, chromiumSandbox: false }));
        b.on('disconnected', () => (this.browser = undefined));
        return b;
      });
      this.browser.catch(() => (this.browser = undefined));
    }
    return this.browser;
  }

  /** Starts the browser now (a front may warm it while the app deploys). */
  async start(): Promise<void> {
    await this.launch();
  }

  private refusing(): Promise<net.Server> {
    if (!this.proxy) {
      this.proxy = refusingProxy();
      this.proxy.catch(() => (this.proxy = undefined));
    }
    return this.proxy;
  }

  /**
   * A context whose page reaches only `origin` (the app runs untrusted code, and this browser runs on the host, with
   * its network): every request to another origin is aborted before it leaves (`route`), and what a route does not
   * see (websockets, a same-origin answer's redirect elsewhere, a worker's connections) goes to a proxy that answers
   * nothing: only the app's host:port bypasses it, loopback included (Playwright proxies loopback unless bypassed).
   * Service workers are blocked, downloads refused (they would land on the host's disk, outside every limit), and
   * WebRTC removed (NO_WEBRTC).
   */
  private async newTab(origin: string): Promise<Tab> {
    const browser = await this.launch();
    const proxy = (await this.refusing()).address() as net.AddressInfo;
    const context = await browser.newContext({
      viewport: WIDE_VIEWPORT,
      serviceWorkers: 'block',
      // A download would be written to the host's disk (Playwright's temp folder), unbounded: the page saves nothing.
      acceptDownloads: false,
      proxy: { server: `http://127.0.0.1:${proxy.port}`, bypass: hostPort(origin) },
    });
    try {
      await context.addInitScript(NO_WEBRTC);
      await context.route('**/*', (route) => (mayReach(route.request().url(), origin) ? route.continue() : route.abort('blockedbyclient')));
      return { context, page: await context.newPage(), origin };
    } catch (err) {
      await context.close().catch(() => undefined);
      throw err;
    }
  }

  /** The spare tab if it is alive and made for this origin (a new one is made for the check after), else a new one. */
  private async takeTab(origin: string): Promise<Tab> {
    const spare = await this.spare?.catch(() => undefined);
    this.spare = undefined;
    if (spare && !spare.page.isClosed() && spare.origin === origin) return spare;
    void spare?.context.close().catch(() => undefined);
    return await this.newTab(origin);
  }

  async close(): Promise<void> {
    const b = this.browser;
    const spare = this.spare;
    const proxy = this.proxy;
    this.browser = undefined;
    this.spare = undefined;
    this.proxy = undefined;
    await (await spare)?.context.close().catch(() => undefined);
    await (await b?.catch(() => undefined))?.close().catch(() => undefined);
    const server = await proxy?.catch(() => undefined);
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  }

  /** Loads `url` in a fresh context and reports what went wrong, with the title and screenshots. */
  async check(url: string, opts: PageCheckOptions = {}): Promise<PageCheck> {
    const { signal } = opts;
    if (signal?.aborted) throw new CancelledError();
    const origin = new URL(url).origin;
    const { context, page } = await this.takeTab(origin);
    const onAbort = () => void context.close().catch(() => undefined);
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      if (signal?.aborted) throw new CancelledError();
      return await this.checkIn(page, url, opts);
    } catch (err) {
      if (signal?.aborted) throw new CancelledError();
      throw err;
    } finally {
      signal?.removeEventListener('abort', onAbort);
      // Closed and replaced after the check, not during it (a new renderer competes with the page for the CPU).
      void context.close().catch(() => undefined).then(() => {
        // For the same origin: a redeploy's check is the next one, usually.
        if (this.browser && !this.spare) this.spare = this.newTab(origin).catch(() => undefined);
      });
    }
  }

  private async checkIn(page: Page, url: string, opts: PageCheckOptions): Promise<PageCheck> {
    const origin = new URL(url).origin;
    const problems: VerifyProblem[] = [];
    const seen = new Set<string>();
    const add = (p: VerifyProblem) => {
      const key = `${p.kind}|${p.message}|${p.file ?? ''}|${p.line ?? ''}`;
      if (!seen.has(key)) {
        seen.add(key);
        problems.push(p);
      }
    };
    page.on('pageerror', (err) => add({ kind: 'exception', message: `The page threw an uncaught ${oneLine(`${err.name}: ${err.message}`)}.`, ...whereInStack(err.stack, origin) }));
    page.on('console', (msg: ConsoleMessage) => {
      if (msg.type() !== 'error') return;
      const text = msg.text();
      // A failed load is reported once, by its response or failure below.
      if (/^Failed to load resource\b/.test(text)) return;
      const loc = msg.location();
      const file = appFile(loc.url, origin);
      add({ kind: 'console', message: `The page logged an error: ${oneLine(text)}.`, ...(file ? { file, line: loc.lineNumber + 1 } : {}) });
    });
    const inflight = new Set<Request>();
    page.on('request', (req) => inflight.add(req));
    page.on('requestfinished', (req) => inflight.delete(req));
    page.on('requestfailed', (req) => inflight.delete(req));
    const answered = new Set<Request>(); // a failed answer is reported once (the browser may also abort its load)
    page.on('response', (res: Response) => {
      const req = res.request();
      if (res.status() < 400 || new URL(req.url()).origin !== origin) return;
      answered.add(req);
      const u = new URL(req.url());
      add({ kind: 'request', message: `${req.method()} ${u.pathname}${u.search} (${what(req)}) answered ${res.status()}.`, file: appFile(req.url(), origin) });
    });
    page.on('requestfailed', (req: Request) => {
      // The page's own load is reported by goto below.
      if (answered.has(req) || new URL(req.url()).origin !== origin || req.isNavigationRequest()) return;
      const errorText = req.failure()?.errorText ?? 'failed';
      if (/ERR_ABORTED/.test(errorText) && req.resourceType() !== 'script') return; // navigations and media the page itself cancelled
      const u = new URL(req.url());
      add({ kind: 'request', message: `Loading ${u.pathname}${u.search} (${what(req)}) failed (${errorText}).`, file: appFile(req.url(), origin) });
    });
    try {
      const res = await page.goto(url, { waitUntil: 'load', timeout: opts.loadTimeoutMs ?? 10_000 });
      if (res && res.status() >= 400) add({ kind: 'load', message: `The page answered ${res.status()}.` });
    } catch (err) {
      if (opts.signal?.aborted) throw new CancelledError();
      add({ kind: 'load', message: `The page did not load: ${oneLine((err as Error).message.split('\n')[0] ?? String(err))}.` });
    }
    await quiet(page, inflight, opts.settleMs ?? 2500);
    if (opts.signal?.aborted) throw new CancelledError();
    const judge = () => page.evaluate<{ blank: 'root' | 'body' | null; title: string }>(BLANK_CHECK).catch(() => ({ blank: null, title: '' }));
    let { blank, title: rawTitle } = await judge();
    // A page that threw is judged at once: it will not fill itself.
    const threw = () => problems.some((p) => p.kind === 'exception');
    for (const until = Date.now() + (opts.contentMs ?? 15_000); blank && !threw() && Date.now() < until && !page.isClosed();) {
      await new Promise((r) => setTimeout(r, 100));
      if (opts.signal?.aborted) throw new CancelledError();
      ({ blank, title: rawTitle } = await judge());
    }
    if (blank === 'root') add({ kind: 'blank', message: 'The page shows nothing: its React root (#root) is empty.' });
    else if (blank === 'body') add({ kind: 'blank', message: 'The page shows nothing: no visible text or element in its body.' });
    const title = rawTitle.trim() || undefined;
    return { problems, title, screenshots: await screenshots(page) };
  }
}
