/**
 * The Python stacks on the local runner, with the pip index configured on this machine (a local mirror here; the
 * test says in one sentence what it lacks and skips, unless SPAWN_APP_REQUIRE_PYTHON=1): the CLI's built-in notes API
 * (POST a note, GET it back), the Streamlit chart served through the forwarder with its websocket, both verified
 * without a false alarm; the second run (with no network) takes the stack's venv from the dependency cache; a hostile extra's code runs
 * only inside the install sandbox (no host home, no way out).
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { deploy, redeploy } from '../../src/core/deploy/deploy';
import type { SpawnEvent } from '../../src/core/base/events';
import { LocalProvider } from '../../src/core/sandbox/local/provider';
import { templateSpec, withScaffold } from '../../src/core/stacks';
import { pinnedRequirements } from '../../src/core/stacks/python';
import { PYTHON_API_PACKAGES } from '../../src/core/stacks/python-api';
import { STREAMLIT_PACKAGES } from '../../src/core/stacks/streamlit';
import { hasErrors, validateSpec } from '../../src/core/validate';
import { FakePyPI } from '../fakes/fakePyPI';
import { BIN, ensureBuilt, NO_VERIFY, runCli, startCli } from '../helpers/cli';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { LiveCli } from '../helpers/cli';
import { request } from '../helpers/http';
import { requireSandbox } from '../helpers/sandbox';
import { missingFromIndex, PY_TEST_CACHE } from '../helpers/python';

const CACHE = PY_TEST_CACHE;

const phaseOf = (cli: LiveCli, phase: string) => cli.lines.flatMap((l) => {
  try {
    const e = JSON.parse(l) as { event?: string; phase?: string; status?: string; detail?: string };
    return e.event === 'phase' && e.phase === phase ? [`${e.status}${e.detail ? ` ${e.detail}` : ''}`] : [];
  } catch {
    return [];
  }
});

/** Stops a serving `run` (Ctrl-C) and waits for its exit. */
async function stop(cli: LiveCli): Promise<void> {
  cli.child.kill('SIGINT');
  await cli.done;
}

/** A websocket upgrade to the app's URL (what the browser does for Streamlit's `/_stcore/stream`): its status line. */
function upgrade(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { headers: { Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Version': '13', 'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==', 'Sec-WebSocket-Protocol': 'streamlit' } });
    req.on('upgrade', (res, socket) => {
      socket.destroy();
      resolve(res.statusCode ?? 0);
    });
    req.on('response', (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('the Python stacks on the local runner (the pip index configured here)', function () {
  this.timeout(900_000);
  let root: string;
  const env = () => ({ SPAWN_APP_CACHE_DIR: CACHE, SPAWN_APP_LOCAL_ROOT: root });

  before(function () {
    if (process.platform !== 'linux') this.skip();
    requireSandbox(this);
    const missing = missingFromIndex([...pinnedRequirements(PYTHON_API_PACKAGES), ...pinnedRequirements(STREAMLIT_PACKAGES)]);
    if (missing) {
      if (process.env.SPAWN_APP_REQUIRE_PYTHON === '1') throw new Error(`SPAWN_APP_REQUIRE_PYTHON=1, but ${missing}.`);
      console.log(`      Skipped: ${missing}.`);
      this.skip();
    }
    mkdirSync(CACHE, { recursive: true, mode: 0o700 });
    ensureBuilt();
  });
  beforeEach(() => {
    root = mkdtempSync(path.join(os.tmpdir(), 'spawn-py-root-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('CLI, no keys: `run "a notes api" --type python-api` serves the FastAPI notes API, verified; a note POSTed is read back; the second run (--no-network) installs nothing', async () => {
    for (const run of ['first', 'second'] as const) {
      // The second run has no network at all: it still starts, from the cache.
      const cli = startCli(['run', 'a notes api', '--type', 'python-api', '--json', '--yes', ...(run === 'second' ? ['--no-network'] : [])], env());
      try {
        const verified = await cli.waitFor((e) => e.event === 'verify' && e.status === 'finished', 600_000);
        assert.equal(verified.state, 'verified', `no false alarm: ${JSON.stringify(verified.problems)}`);
        const url = String(verified.url);
        const posted = await request(`${url}/api/notes`, { method: 'POST', body: JSON.stringify({ text: `a ${run} note` }), headers: { 'content-type': 'application/json' } });
        assert.equal(posted.status, 201, posted.body);
        const { id } = JSON.parse(posted.body) as { id: number };
        const got = await request(`${url}/api/notes/${id}`);
        assert.equal(got.status, 200);
        assert.equal((JSON.parse(got.body) as { text: string }).text, `a ${run} note`);
        assert.match((await request(url)).body, /<h1>Notes API<\/h1>/);
        if (run === 'second') {
          assert.deepEqual(phaseOf(cli, 'install').map((p) => p.replace(/-[0-9a-f]{12}$/, '-…')), ['skipped cached: python-api-…'], 'the second run took the venv from the cache: no install ran');
          assert.ok(!cli.lines.some((l) => l.includes('"source":"install"')), 'no installer output');
        }
      } finally {
        await stop(cli);
      }
    }
  });

  it('CLI, no keys: deploy DIR (python-api) → POST a note → edit main.py, deploy again → still there → destroy says its data → gone', async () => {
    const dir = path.join(root, 'notes-app');
    assert.equal((await runCli(['generate', 'a notes api', '--type', 'python-api', '--out', dir], env())).code, 0);
    const serve = async () => {
      const cli = startCli(['deploy', dir, '--yes', '--json', '--provider', 'local'], { ...env(), ...NO_VERIFY });
      const ready = await cli.waitFor((e) => e.event === 'ready', 600_000);
      return { cli, url: String(ready.url), id: String(ready.sandboxId) };
    };
    const notes = async (url: string) => (JSON.parse((await request(`${url}/api/notes`)).body) as { text: string }[]).map((n) => n.text);
    let run = await serve();
    assert.equal((await request(`${run.url}/api/notes`, { method: 'POST', body: JSON.stringify({ text: 'kept by the CLI' }), headers: { 'content-type': 'application/json' } })).status, 201);
    run.cli.child.kill('SIGINT');
    assert.equal((await run.cli.done).code, 0);
    writeFileSync(path.join(dir, 'main.py'), readFileSync(path.join(dir, 'main.py'), 'utf8').replace('<h1>Notes API</h1>', '<h1>Edited notes</h1>'));
    run = await serve();
    assert.match((await request(run.url)).body, /Edited notes/);
    assert.deepEqual(await notes(run.url), ['kept by the CLI'], 'the edited app finds the note');
    const destroyed = await runCli(['destroy', run.id], env());
    assert.match(destroyed.stderr, new RegExp(`^Destroyed sandbox ${run.id} and its data, \\d+ KB\\.\\n$`));
    await run.cli.done;
    run = await serve();
    assert.deepEqual(await notes(run.url), [], 'the destroy took the data');
    await stop(run.cli);
  });

  it('MCP, no keys: spawn_app python-api → POST a note → deploy_app after an edit of main.py → still there → destroy_sandbox says its data → deploy_app → gone; spawn_app streamlit serves its page', async () => {
    const tmp = mkdtempSync(path.join(os.tmpdir(), 'spawn-py-mcp-'));
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: ['--', BIN, 'mcp'],
      cwd: tmp,
      env: { ...(process.env as Record<string, string>), ANTHROPIC_API_KEY: '', CLAUDE_API_KEY: '', E2B_API_KEY: '', ...env(), SPAWN_APP_STATE_DIR: path.join(tmp, 'state'), ...NO_VERIFY },
      stderr: 'pipe',
    });
    const client = new Client({ name: 'spawn-app-test', version: '1.0.0' });
    await client.connect(transport);
    const text = (r: unknown) => (r as { content: { type: string; text?: string }[] }).content.map((c) => c.text ?? '').join('\n');
    const notes = async (url: string) => (JSON.parse((await request(`${url}/api/notes`)).body) as { text: string }[]).map((n) => n.text);
    try {
      const spawned = text(await client.callTool({ name: 'spawn_app', arguments: { prompt: 'a notes api', appType: 'python-api' } }, undefined, { timeout: 600_000 }));
      const url = /running at (http:\/\/\S+)/.exec(spawned)?.[1];
      assert.ok(url, spawned);
      const appId = /App: (\S+)/.exec(spawned)?.[1] ?? readdirSync(path.join(tmp, 'spawn-apps'))[0]!;
      assert.equal((await request(`${url}/api/notes`, { method: 'POST', body: JSON.stringify({ text: 'kept by MCP' }), headers: { 'content-type': 'application/json' } })).status, 201);
      const main = path.join(tmp, 'spawn-apps', appId, 'main.py');
      writeFileSync(main, readFileSync(main, 'utf8').replace('<h1>Notes API</h1>', '<h1>Edited notes</h1>'));
      const redeployed = text(await client.callTool({ name: 'deploy_app', arguments: { appId } }, undefined, { timeout: 600_000 }));
      const after = /running at (http:\/\/\S+)/.exec(redeployed)?.[1] ?? url;
      assert.match((await request(after)).body, /Edited notes/, redeployed);
      assert.deepEqual(await notes(after), ['kept by MCP'], 'the note survived the redeploy');
      const sandboxId = /Sandbox: (\S+)/.exec(redeployed)![1]!;
      const destroyed = text(await client.callTool({ name: 'destroy_sandbox', arguments: { appId } }));
      assert.match(destroyed, new RegExp(`^Destroyed sandbox ${sandboxId} and its data, \\d+ KB`));
      const again = text(await client.callTool({ name: 'deploy_app', arguments: { appId } }, undefined, { timeout: 600_000 }));
      assert.deepEqual(await notes(/running at (http:\/\/\S+)/.exec(again)![1]!), [], 'the destroy took the data');
      // The other Python stack through the same server: the Streamlit template runs and serves its page.
      const chart = text(await client.callTool({ name: 'spawn_app', arguments: { prompt: 'a chart of sales', appType: 'streamlit' } }, undefined, { timeout: 600_000 }));
      const chartUrl = /running at (http:\/\/\S+)/.exec(chart)?.[1];
      assert.ok(chartUrl, chart);
      const page = await request(chartUrl);
      assert.equal(page.status, 200);
      assert.match(page.body, /<title>Streamlit<\/title>|streamlit/i);
    } finally {
      await client.close();
      rmSync(tmp, { recursive: true, force: true });
    }
  });

  it('the Streamlit template serves its page and its websocket (/_stcore/stream) through the forwarder, verified in a browser', async () => {
    const cli = startCli(['run', 'a chart of sales', '--type', 'streamlit', '--json', '--yes'], env());
    try {
      const verified = await cli.waitFor((e) => e.event === 'verify' && e.status === 'finished', 600_000);
      assert.equal(verified.state, 'verified', `no false alarm: ${JSON.stringify(verified.problems)}`);
      const url = String(verified.url);
      const page = await request(url);
      assert.equal(page.status, 200);
      assert.match(page.body, /<div id="root">/);
      assert.equal((await request(`${url}/_stcore/health`)).status, 200);
      assert.equal(await upgrade(`${url}/_stcore/stream`), 101, 'the websocket upgrade passes the forwarder');
    } finally {
      await stop(cli);
    }
  });

  it('a hostile extra (a wheel whose .pth runs at every interpreter start) runs only in the sandbox: no host home, no way out; the app still serves', async () => {
    const secret = path.join(os.homedir(), `.spawn-py-attack-${process.pid}`);
    writeFileSync(secret, 'host secret', { mode: 0o600 });
    const attack = [
      'import json, os, socket',
      'r = {"ran": True}',
      `try: r["home"] = open(${JSON.stringify(secret)}).read()`,
      'except Exception as e: r["home"] = type(e).__name__',
      'try: socket.create_connection(("192.0.2.1", 80), timeout=2); r["net"] = "connected"',
      'except Exception as e: r["net"] = type(e).__name__',
      'open(os.path.join(os.environ.get("HOME", "/tmp"), "attack.json"), "w").write(json.dumps(r))',
    ].join('\n');
    const pth = `import base64; exec(base64.b64decode(${JSON.stringify(Buffer.from(attack).toString('base64'))}))\n`;
    const index = await FakePyPI.start([{ name: 'httpx', version: '99.0.0', files: { 'zz_spawn_attack.pth': pth } }]);
    const provider = new LocalProvider({ root, cacheRoot: CACHE, env: { ...process.env, PIP_INDEX_URL: index.url } });
    try {
      const spec = withScaffold({ ...templateSpec('python-api', 'notes'), dependencies: ['httpx'] });
      assert.ok(!hasErrors(validateSpec(spec)), 'httpx is an allowed extra');
      const events: SpawnEvent[] = [];
      const d = await deploy({ spec, provider, verify: false, onEvent: (e) => events.push(e) });
      assert.ok(index.seen().some((u) => u.startsWith('/simple/httpx')), 'the extra came from the index of the user\'s settings');
      const report = path.join(root, d.sandbox.id, 'home', 'attack.json');
      assert.ok(existsSync(report), 'the hostile code ran (in the sandbox)');
      const r = JSON.parse(readFileSync(report, 'utf8')) as { home: string; net: string };
      assert.notEqual(r.home, 'host secret', 'the host home is hidden');
      assert.notEqual(r.net, 'connected', 'no way out to a non-loopback address');
      assert.equal((await request(`${d.url}/api/health`)).status, 200);
    } finally {
      await provider.destroyAll();
      await index.close();
      rmSync(secret, { force: true });
    }
  });

  it('the running app cannot reach into the next install step: a redeploy that adds an extra never runs the app\'s code there (its proxy, registry settings)', async () => {
    // The app (no network) keeps planting a .pth into its own venv's site-packages: the redeploy below installs an extra
    // while it still runs, and the install step (which alone has the install proxy: public addresses even with the
    // network off, and the registries of the user's settings) starts that venv's interpreter.
    const plant = [
      'import glob, os, threading, time',
      'def _spawn_plant():',
      '    line = "import os; os.environ.get(\'SPAWN_APP_PIP_CONFIG\') and open(os.environ[\'HOME\'] + \'/ran-in-install-step\', \'w\').write(os.environ.get(\'http_proxy\', \'\'))\\n"',
      '    done = set()',
      '    while True:',
      '        for d in glob.glob(os.environ["HOME"] + "/.spawn-venv/lib/python3*/site-packages") + glob.glob(os.environ.get("VIRTUAL_ENV", "/nonexistent") + "/lib/python3*/site-packages"):',
      '            try:',
      '                ino = os.stat(d).st_ino',
      '                if ino in done: continue',
      '                open(d + "/zz_spawn_plant.pth", "w").write(line)',
      '                done.add(ino)',
      '            except OSError: pass',
      '        time.sleep(0.002)',
      'threading.Thread(target=_spawn_plant, daemon=True).start()',
      '',
    ].join('\n');
    const index = await FakePyPI.start([{ name: 'httpx', version: '99.0.0' }, { name: 'python-multipart', version: '99.0.0' }]);
    const provider = new LocalProvider({ root, cacheRoot: CACHE, network: false, env: { ...process.env, PIP_INDEX_URL: index.url } });
    try {
      const base = templateSpec('python-api', 'notes');
      const files = base.files.map((f) => (f.path === 'main.py' ? { ...f, content: plant + f.content } : f));
      const spec = withScaffold({ ...base, files, dependencies: ['httpx'] });
      const d = await deploy({ spec, provider, verify: false });
      assert.equal((await request(`${d.url}/api/health`)).status, 200);
      const next = withScaffold({ ...spec, dependencies: ['httpx', 'python-multipart'] });
      assert.ok(!hasErrors(validateSpec(next)), 'python-multipart is an allowed extra');
      const r = await redeploy(d, next, { provider, verify: false });
      assert.ok(index.seen().some((u) => u.startsWith('/simple/python-multipart')), 'the redeploy installed the new extra');
      const marker = path.join(root, d.sandbox.id, 'home', 'ran-in-install-step');
      assert.ok(!existsSync(marker), `the app's code ran in the install step (its proxy: ${existsSync(marker) ? readFileSync(marker, 'utf8') : ''})`);
      const lib = path.join(root, d.sandbox.id, 'venv', 'lib');
      for (const py of existsSync(lib) ? readdirSync(lib) : []) assert.ok(!existsSync(path.join(lib, py, 'site-packages', 'zz_spawn_plant.pth')), 'the app wrote into its venv');
      assert.equal((await request(`${r.deployment.url}/api/health`)).status, 200);
    } finally {
      await provider.destroyAll();
      await index.close();
    }
  });

  it('the validator refuses a changed pin, an extra outside the stack\'s list and a requirements line from elsewhere', () => {
    const base = templateSpec('python-api', 'notes');
    const rules = (deps: string[], req?: string) => validateSpec({ ...base, dependencies: deps, files: req === undefined ? base.files : [...base.files.filter((f) => f.path !== 'requirements.txt'), { path: 'requirements.txt', content: req }] }).filter((f) => f.severity === 'error').map((f) => f.rule);
    assert.deepEqual(rules([...base.dependencies]), []);
    assert.deepEqual(rules(['fastapi==0.100.0']), ['python-api.pin']);
    assert.deepEqual(rules(['fastapi', 'uvicorn']), []);
    assert.deepEqual(rules(['evilpkg']), ['python-api.extra']);
    assert.ok(rules([], '--index-url http://evil.example/simple\nfastapi==0.142.2\n').includes('install.non_registry'));
    assert.ok(rules([], 'uvicorn==0.1\n').includes('python-api.pin'));
  });
});
