import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AppCheck, AppType } from '../../src/core/app/spec';
import { parseSpec } from '../../src/core/app/spec';
import { findBrowser, formatProblem, Verifier } from '../../src/core/verify';
import { referencedAssets } from '../../src/core/verify/httpChecks';
import type { VerifyResult } from '../../src/core/verify';
import { requireBrowser } from '../helpers/browser';
import { ensureBuilt, startCli } from '../helpers/cli';
import { pngSize } from '../helpers/png';

type Route = { status?: number; type?: string; body: string };

/** A loopback server answering from a table of routes (404 for the rest). */
async function serve(routes: Record<string, Route>): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    const key = `${req.method} ${req.url}`;
    const r = routes[key] ?? routes[req.url ?? ''];
    if (!r) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    res.writeHead(r.status ?? 200, { 'content-type': r.type ?? 'text/html; charset=utf-8' }).end(r.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const page = (body: string, head = '') => `<!doctype html><html><head><meta charset="utf-8"><title>Gallery</title>${head}</head><body>${body}</body></html>`;
const js = (body: string): Route => ({ type: 'text/javascript', body });

/** The broken apps: each one's routes and the sentence (with file/line) verification must find. */
const GALLERY: { name: string; appType?: AppType; checks?: AppCheck[]; routes: Record<string, Route>; expect: { kind: string; message: RegExp; file?: string; line?: number }[] }[] = [
  {
    name: 'a script that throws at load leaves the page blank',
    routes: { '/': { body: page('<script src="/app.js"></script>') }, '/app.js': js('// line 1\nconst el = null;\nel.textContent = "hi";\n') },
    expect: [
      { kind: 'exception', message: /^The page threw an uncaught TypeError: Cannot set properties of null/, file: 'app.js', line: 3 },
      { kind: 'blank', message: /^The page shows nothing: no visible text or element in its body\.$/ },
    ],
  },
  {
    name: 'a module that 404s',
    routes: { '/': { body: page('<h1>Shop</h1><script type="module" src="/main.js"></script>') }, '/main.js': js('import { cart } from "./cart.js";\ncart();\n') },
    expect: [{ kind: 'request', message: /^GET \/cart\.js \(a script\) answered 404\.$/, file: 'cart.js' }],
  },
  {
    name: 'a React-like component that throws in render leaves #root empty',
    routes: {
      '/': {
        body: page(
          '<div id="root"></div>\n<script type="module">\nfunction App(props) {\n  return `<p>${props.items.map((i) => i.name).join()}</p>`;\n}\ndocument.getElementById("root").innerHTML = App({});\n</script>',
        ),
      },
    },
    expect: [
      { kind: 'exception', message: /^The page threw an uncaught TypeError: Cannot read properties of undefined \(reading 'map'\)\.$/, file: 'index.html', line: 4 },
      { kind: 'blank', message: /^The page shows nothing: its React root \(#root\) is empty\.$/ },
    ],
  },
  {
    name: 'an asset path that 404s',
    routes: { '/': { body: page('<h1>Gallery</h1><img src="/img/logo.png" alt="logo">', '<link rel="stylesheet" href="/styles/site.css">') } },
    expect: [
      { kind: 'request', message: /^GET \/styles\/site\.css \(a stylesheet\) answered 404\.$/, file: 'styles/site.css' },
      { kind: 'request', message: /^GET \/img\/logo\.png \(an image\) answered 404\.$/, file: 'img/logo.png' },
    ],
  },
  {
    name: 'an API route that answers 500',
    appType: 'api',
    checks: [{ method: 'GET', path: '/api/items', status: 200 }, { method: 'POST', path: '/api/items', status: 201, body: '{"name":"x"}' }],
    routes: {
      '/': { body: page('<h1>Items API</h1>') },
      'GET /api/items': { status: 500, type: 'application/json', body: '{"error":"db"}' },
      'POST /api/items': { status: 201, type: 'application/json', body: '{"id":1}' },
    },
    expect: [{ kind: 'check', message: /^GET \/api\/items answered 500; the app declares 200\.$/ }],
  },
  {
    name: 'a page that renders but logs console.error',
    routes: { '/': { body: page('<h1>Weather</h1><script src="/w.js"></script>') }, '/w.js': js('\nconsole.error("forecast failed: no data");\n') },
    expect: [{ kind: 'console', message: /^The page logged an error: forecast failed: no data\.$/, file: 'w.js', line: 2 }],
  },
];

function assertFound(r: VerifyResult, expect: (typeof GALLERY)[number]['expect']): void {
  const shown = r.problems.map(formatProblem).join('\n');
  assert.equal(r.state, 'problems', shown);
  for (const e of expect) {
    const p = r.problems.find((x) => x.kind === e.kind && e.message.test(x.message));
    assert.ok(p, `expected ${e.kind} ${e.message} among:\n${shown}`);
    if (e.file !== undefined) assert.equal(p.file ?? '', e.file, shown);
    if (e.line !== undefined) assert.equal(p.line, e.line, shown);
  }
  assert.equal(r.problems.length, expect.length, `only the expected problems:\n${shown}`);
}


describe('verify: the broken-app gallery in a real browser', function () {
  this.timeout(60_000);
  let verifier: Verifier;
  before(function () {
    verifier = new Verifier({ browserPath: requireBrowser(this) });
  });
  after(() => verifier?.close());

  it('a working page is verified, with its title and screenshots at 1280×800 and 390×844', async () => {
    const app = await serve({ '/': { body: page('<div id="root"><h1>Hello</h1></div><script src="/ok.js"></script>', '<link rel="stylesheet" href="/s.css">') }, '/ok.js': js('console.log("fine");'), '/s.css': { type: 'text/css', body: 'h1{color:teal}' } });
    try {
      const r = await verifier.verify({ url: app.url, spec: { appType: 'webapp' } });
      assert.equal(r.state, 'verified', r.problems.map(formatProblem).join('\n'));
      assert.deepEqual(r.problems, []);
      assert.equal(r.title, 'Gallery');
      assert.deepEqual(pngSize(r.screenshots!.wide), { width: 1280, height: 800 });
      assert.deepEqual(pngSize(r.screenshots!.narrow), { width: 390, height: 844 });
      assert.ok(r.ms >= 0);
    } finally {
      await app.close();
    }
  });

  for (const g of GALLERY) {
    it(g.name, async () => {
      const app = await serve(g.routes);
      try {
        assertFound(await verifier.verify({ url: app.url, spec: { appType: g.appType ?? 'webapp', checks: g.checks } }), g.expect);
      } finally {
        await app.close();
      }
    });
  }

  it('an app that does not answer at all is a load problem', async () => {
    const app = await serve({});
    await app.close();
    const r = await verifier.verify({ url: app.url, spec: { appType: 'webapp' } });
    assert.equal(r.state, 'problems');
    assert.match(r.problems[0]!.message, /^The page did not load: .*ERR_CONNECTION_REFUSED/, r.note);
  });

  it('a cancelled check stops with CancelledError and leaves the browser usable', async () => {
    const app = await serve({ '/': { body: page('<h1>slow</h1>') } });
    try {
      const ac = new AbortController();
      ac.abort();
      await assert.rejects(verifier.verify({ url: app.url, spec: { appType: 'webapp' }, signal: ac.signal }), { name: 'CancelledError' });
      assert.equal((await verifier.verify({ url: app.url, spec: { appType: 'webapp' } })).state, 'verified');
    } finally {
      await app.close();
    }
  });
});

describe('verify: without a browser, the HTTP checks only', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'spawn-verify-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('browser discovery: a path that is not an executable file is said so; an empty PATH and no install path finds none', () => {
    assert.match(findBrowser({ browserPath: path.join(dir, 'nope') }).reason!, /is not an executable file\.$/);
    const fake = path.join(dir, 'chromium');
    writeFileSync(fake, '#!/bin/sh\n');
    chmodSync(fake, 0o755);
    assert.equal(findBrowser({ env: { PATH: dir }, platform: 'linux' }).path, fake);
    assert.equal(findBrowser({ browserPath: fake }).path, fake);
    assert.equal(findBrowser({ env: { PATH: '' }, platform: 'darwin' }).path, undefined);
  });

  it('a clean page passes, with the sentence that says how to get the full check', async () => {
    const app = await serve({ '/': { body: page('<h1>Hi</h1><script src="/a.js"></script>', '<link rel="stylesheet" href="s.css">') }, '/a.js': js(''), '/s.css': { type: 'text/css', body: '' } });
    try {
      const r = await new Verifier({ browserPath: path.join(dir, 'no-browser') }).verify({ url: app.url, spec: { appType: 'webapp' } });
      assert.equal(r.state, 'http-only');
      assert.deepEqual(r.problems, []);
      assert.equal(r.screenshots, undefined);
      assert.match(r.note!, /is not an executable file\. Only the HTTP checks ran\. Install Chromium, Chrome or Edge, or set spawnApp\.browserPath \(SPAWN_APP_BROWSER/);
    } finally {
      await app.close();
    }
  });

  it('finds a missing script, a non-HTML index, an empty body, a failing index and a failing declared check', async () => {
    const broken = await serve({ '/': { body: page('<script src="/gone.js"></script>', '<link href="/x.css" rel="stylesheet">') }, '/x.css': { type: 'text/css', body: '' } });
    const text = await serve({ '/': { type: 'text/plain', body: '' } });
    const failing = await serve({ '/': { status: 500, body: 'boom' }, 'GET /api/x': { status: 500, body: '' } });
    const v = new Verifier({ browserPath: path.join(dir, 'no-browser') });
    try {
      const a = await v.verify({ url: broken.url, spec: { appType: 'webapp' } });
      assert.equal(a.state, 'problems');
      assert.deepEqual(a.problems.map(formatProblem), ['GET /gone.js (referenced by the page) answered 404. (gone.js)']);
      assert.deepEqual((await v.verify({ url: text.url, spec: { appType: 'webapp' } })).problems.map((p) => p.message), [
        'GET / is not an HTML page (content type text/plain).',
        'GET / answered with an empty body.',
      ]);
      const api = await v.verify({ url: failing.url, spec: { appType: 'api', checks: [{ method: 'GET', path: '/api/x', status: 200 }] } });
      assert.deepEqual(api.problems.map((p) => p.message), ['GET / answered 500.', 'GET /api/x answered 500; the app declares 200.']);
    } finally {
      await Promise.all([broken.close(), text.close(), failing.close()]);
    }
  });

  it('referencedAssets: same-origin scripts and stylesheets only', () => {
    const html = '<script src="a.js"></script><script src="https://cdn.example/x.js"></script><link rel="icon" href="/f.ico"><link rel=stylesheet href=/s.css><script>inline()</script>';
    assert.deepEqual(referencedAssets(html, 'http://127.0.0.1:9/'), ['/a.js', '/s.css']);
  });
});

describe('manifest checks', () => {
  const base = { appType: 'api', files: [{ path: 'server.js', content: '' }], startCommand: 'node server.js' };
  it('parses method, path, status and body; leaves them out when absent', () => {
    assert.equal(parseSpec(base).checks, undefined);
    assert.deepEqual(parseSpec({ ...base, checks: [{ method: 'post', path: '/api/a', status: 201, body: '{}' }, { path: '/', status: 200 }] }).checks, [
      { method: 'POST', path: '/api/a', status: 201, body: '{}' },
      { method: 'GET', path: '/', status: 200 },
    ]);
  });
  it('refuses a bad check with one sentence', () => {
    assert.throws(() => parseSpec({ ...base, checks: {} }), /^TypeError: checks must be an array/);
    assert.throws(() => parseSpec({ ...base, checks: [{ path: 'api', status: 200 }] }), /checks\[0\]\.path must be a path starting with "\/"/);
    assert.throws(() => parseSpec({ ...base, checks: [{ path: '/', status: 99 }] }), /checks\[0\]\.status must be an HTTP status/);
    assert.throws(() => parseSpec({ ...base, checks: [{ method: 'TRACE', path: '/', status: 200 }] }), /checks\[0\]\.method/);
  });
});

describe('verify: the CLI prints the problems, writes --screenshot and exits 6', function () {
  this.timeout(120_000);
  let tmp: string;
  before(function () {
    requireBrowser(this);
    ensureBuilt();
    tmp = mkdtempSync(path.join(os.tmpdir(), 'spawn-verify-cli-'));
  });
  after(() => tmp && rmSync(tmp, { recursive: true, force: true }));

  it('deploy DIR of an app whose script throws: the problems, the screenshot, and exit 6 when stopped', async () => {
    const app = path.join(tmp, 'broken');
    mkdirSync(app);
    writeFileSync(path.join(app, 'spawn-app.json'), JSON.stringify({ appType: 'webapp', startCommand: 'node server.js', dependencies: [], port: 3000 }));
    writeFileSync(path.join(app, 'index.html'), page('<h1>Broken</h1><script src="/app.js"></script>'));
    writeFileSync(path.join(app, 'app.js'), 'undefinedFunction();\n');
    writeFileSync(
      path.join(app, 'server.js'),
      "const fs = require('fs');\nrequire('http').createServer((q, s) => { const f = q.url === '/' ? 'index.html' : q.url.slice(1); " +
        "fs.readFile(__dirname + '/' + f, (e, b) => e ? s.writeHead(404).end() : s.writeHead(200, { 'content-type': f.endsWith('.js') ? 'text/javascript' : 'text/html' }).end(b)); })" +
        ".listen(Number(process.env.PORT) || 3000, process.env.HOST || '127.0.0.1');\n",
    );
    const shot = path.join(tmp, 'shot.png');
    const cli = startCli(['deploy', app, '--yes', '--json', '--screenshot', shot], { SPAWN_APP_LOCAL_ROOT: path.join(tmp, 'sandboxes') });
    const verified = await cli.waitFor((e) => e.event === 'verify' && e.status === 'finished');
    assert.equal(verified.state, 'problems');
    assert.deepEqual(verified.problems, [{ kind: 'exception', message: 'The page threw an uncaught ReferenceError: undefinedFunction is not defined.', file: 'app.js', line: 1 }]);
    cli.child.kill('SIGINT');
    const res = await cli.done;
    assert.equal(res.code, 6, res.stderr);
    const png = readFileSync(shot);
    assert.deepEqual([png.subarray(1, 4).toString('latin1'), png.readUInt32BE(16), png.readUInt32BE(20)], ['PNG', 1280, 800]);
  });
});
