/**
 * The app data folder ($DATA_DIR, issue 21 part 3): a note POSTed to the built-in notes API survives a redeploy, a
 * restart in place and the app's next sandbox; only an explicit destroy (whose words name the data and its size)
 * removes it. Export and import round-trip; a hostile data folder is never followed by the export or the size count;
 * an import refuses links, devices, absolute and `..` paths and a size over the bound, each in one sentence.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { readArchive } from '../../src/core/base/tarball';
import { LocalProvider } from '../../src/core/sandbox/local/provider';
import { localDataDir } from '../../src/core/sandbox/dataDir';
import type { AppSession } from '../../src/core/session';
import { Session } from '../../src/core/session';
import { saveApp } from '../../src/core/workspace/appDir';
import { templateSpec } from '../../src/core/stacks';
import { BIN, ensureBuilt, NO_VERIFY, runCli, startCli } from '../helpers/cli';
import { getViaEdge, request } from '../helpers/http';
import { FakeE2B } from '../fakes/fakeE2B';
import { until } from '../helpers/poll';
import { withDataDir } from '../../src/core/sandbox/e2b/sandbox';

const NOTE = { text: 'kept across the edit loop' };
const hasNote = async (url: string) => ((JSON.parse((await request(`${url}/api/notes`)).body) as { text: string }[]).some((n) => n.text === NOTE.text));
const post = async (url: string) => assert.equal((await request(`${url}/api/notes`, { method: 'POST', body: JSON.stringify(NOTE) })).status, 201);

describe('the app data folder ($DATA_DIR)', function () {
  this.timeout(180_000);
  let tmp: string;
  let root: string;
  beforeEach(() => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'spawn-data-'));
    root = path.join(tmp, 'sandboxes');
  });
  afterEach(() => rmSync(tmp, { recursive: true, force: true }));

  function session(local: LocalProvider, cfg = {}): Session {
    return new Session({ cfg, client: 'test', local, verify: false, ports: { ask: { unsandboxedRun: async () => true, pastCap: async () => false }, progress: () => undefined } });
  }

  /** The built-in notes API saved to a folder (its data key is the folder's). */
  function notesApp(dir = path.join(tmp, 'notes')): string {
    saveApp(dir, templateSpec('api', 'a notes api'), 'templates');
    return dir;
  }

  describe('local', () => {
    let local: LocalProvider;
    beforeEach(() => (local = new LocalProvider({ root })));
    afterEach(() => local.destroyAll());

    it('a note survives a redeploy, a restart in place and the next sandbox of the same app; destroy says its size and removes it', async () => {
      const s = session(local);
      const dir = notesApp();
      const app: AppSession = s.app('notes');
      app.open(dir);
      const first = await app.deploy({ provider: 'local' });
      await post(first.url);
      if (local.isolation().sandboxed) {
        // Inside the sandbox: its own data folder, writable; no other app's (the sandboxes folder is hidden).
        mkdirSync(path.join(root, '.data', 'app-someone-else'));
        const seen = await first.deployment.sandbox.run('ls -a "$(dirname "$DATA_DIR")"; touch "$DATA_DIR/w" && echo writable');
        assert.deepEqual(seen.stdout.trim().split('\n').sort(), ['.', '..', app.dataKey!, 'writable'].sort(), seen.stderr);
        rmSync(path.join(root, '.data', 'app-someone-else'), { recursive: true });
      }
      // A redeploy (the app edited, the server restarted in the same sandbox).
      writeFileSync(path.join(dir, 'server.js'), readFileSync(path.join(dir, 'server.js'), 'utf8').replace('<h1>Notes API</h1>', '<h1>My notes</h1>'));
      app.open(dir);
      const edited = await app.deploy();
      assert.equal(edited.kind, 'redeploy');
      assert.match((await request(edited.url)).body, /My notes/);
      assert.ok(await hasNote(edited.url), 'after the redeploy');
      // The app's process ends: a restart in place.
      await edited.deployment.process.kill();
      await edited.deployment.process.exited;
      const restarted = await app.deploy();
      assert.equal(restarted.kind, 'restart');
      assert.ok(await hasNote(restarted.url), 'after the restart');
      // Its sandbox goes without a destroy (Ctrl-C, the window reloaded): the app's next sandbox finds the data.
      await app.stop();
      const next = await app.deploy();
      assert.notEqual(next.sandboxId, first.sandboxId);
      assert.ok(await hasNote(next.url), 'in the next sandbox of the same app');
      const bytes = await s.dataSize(next.sandboxId);
      assert.ok(bytes && bytes > 0);
      assert.match(await s.destroyWords(next.sandboxId), new RegExp(`^sandbox ${next.sandboxId} and its data, \\d+ KB$`));
      assert.equal(await s.destroySandbox(next.sandboxId), true);
      const dataDirs = readdirSync(path.join(root, '.data'));
      assert.deepEqual(dataDirs, [], 'the data folder went with the destroy');
      const again = await app.deploy();
      assert.equal(await hasNote(again.url), false, 'gone after the destroy');
      await s.dispose();
    });

    it('a hostile data folder (links to /etc/passwd and the home, a FIFO) is followed by neither the size count nor the export; import round-trips and refuses what is not a plain file or folder', async () => {
      const s = session(local);
      const app = s.app('notes');
      app.open(notesApp());
      const d = await app.deploy({ provider: 'local' });
      await post(d.url);
      const dataDir = localDataDir(root, app.dataKey!);
      const before = await s.dataSize(d.sandboxId);
      symlinkSync('/etc/passwd', path.join(dataDir, 'passwd'));
      symlinkSync(os.homedir(), path.join(dataDir, 'home'));
      mkdirSync(path.join(dataDir, 'sub'));
      symlinkSync('/etc', path.join(dataDir, 'sub', 'etc'));
      execFileSync('mkfifo', [path.join(dataDir, 'fifo')]);
      assert.equal(await s.dataSize(d.sandboxId), before, 'links and the FIFO are not counted');

      const file = path.join(tmp, 'data.tar.gz');
      const exported = await s.exportData(d.sandboxId, file);
      assert.equal(exported.skipped, 4);
      assert.match(exported.message, /4 entries that are links, FIFOs or devices were left out/);
      const entries = readArchive(readFileSync(file), 'the export');
      assert.deepEqual(entries.map((e) => e.rel).sort(), ['notes.json', 'sub']);
      assert.doesNotMatch(readFileSync(file).toString('latin1'), /root:x:0:0/);
      // Round trip: the data changes, the import puts it back.
      assert.equal((await request(`${d.url}/api/notes/1`, { method: 'DELETE' })).status, 204);
      const imported = await s.importData(d.sandboxId, file);
      assert.match(imported.message, /^Put 1 file \(1 KB\) from .* into the data folder of local-/);
      assert.ok(await hasNote(d.url));
      assert.equal(((JSON.parse((await request(`${d.url}/api/notes`)).body)) as unknown[]).length, 3);
      assert.deepEqual(readdirSync(dataDir).sort(), ['notes.json', 'sub'], 'what was there before the import is gone');

      // Hostile archives, made with the system's tar: each refused in one sentence, nothing written.
      const src = path.join(tmp, 'src');
      mkdirSync(src);
      writeFileSync(path.join(src, 'ok.txt'), 'ok');
      symlinkSync('/etc/passwd', path.join(src, 'link'));
      execFileSync('mkfifo', [path.join(src, 'fifo')]);
      const tgz = (name: string, args: string[]) => {
        const out = path.join(tmp, name);
        execFileSync('tar', ['czf', out, ...args], { cwd: src, stdio: 'ignore' });
        return out;
      };
      const cases: [string, RegExp][] = [
        [tgz('link.tgz', ['ok.txt', 'link']), /holds a link \("link" → "\/etc\/passwd"\); data import takes only plain files and folders\.$/],
        [tgz('fifo.tgz', ['fifo']), /holds a device or FIFO \("fifo"\)/],
        [tgz('abs.tgz', ['-P', path.join(src, 'ok.txt')]), /holds an absolute path/],
        [tgz('dotdot.tgz', ['-P', '../src/ok.txt']), /holds a path that leaves the data folder \("\.\.\/src\/ok\.txt"\)/],
      ];
      for (const [archive, re] of cases) {
        await assert.rejects(s.importData(d.sandboxId, archive), (err: Error) => (assert.match(err.message, re), assert.doesNotMatch(err.message, /\n/), true));
      }
      assert.deepEqual(readdirSync(dataDir).sort(), ['notes.json', 'sub'], 'a refused import writes nothing');
      writeFileSync(path.join(src, 'big'), Buffer.alloc(4096));
      assert.throws(() => readArchive(readFileSync(tgz('big.tgz', ['big'])), 'The archive big.tgz', 1024), { message: /^The archive big\.tgz is larger than 1 KB unpacked, the most data import takes\.$/ });
      await s.dispose();
    });
  });

  describe('the CLI (no keys)', () => {
    before(() => ensureBuilt());

    it('deploy DIR → POST → the edited app deployed again → still there → destroy says "and its data, N KB" → gone; data export / import', async () => {
      const env = { SPAWN_APP_LOCAL_ROOT: root, ...NO_VERIFY };
      const dir = path.join(tmp, 'notes');
      assert.equal((await runCli(['generate', 'a notes api', '--type', 'api', '--out', dir], env)).code, 0);
      const serve = async () => {
        const cli = startCli(['deploy', dir, '--yes', '--json', '--provider', 'local'], env);
        const ready = await cli.waitFor((e) => e.event === 'ready');
        return { cli, url: String(ready.url), id: String(ready.sandboxId) };
      };
      let run = await serve();
      await post(run.url);
      run.cli.child.kill('SIGINT');
      assert.equal((await run.cli.done).code, 0);
      writeFileSync(path.join(dir, 'server.js'), readFileSync(path.join(dir, 'server.js'), 'utf8').replace('<h1>Notes API</h1>', '<h1>Edited</h1>'));
      run = await serve();
      assert.match((await request(run.url)).body, /Edited/);
      assert.ok(await hasNote(run.url), 'the edited app finds the note');
      // list says the data's size as the Sandboxes view does ("data 1 KB"); --json gives the bytes.
      const listed = await runCli(['list'], env);
      assert.equal(listed.code, 0, listed.stderr);
      assert.match(listed.stdout.split('\n').find((l) => l.startsWith(run.id)) ?? '', /, data \d+ KB\b/);
      const json = (await runCli(['list', '--json'], env)).stdout.trim().split('\n').map((l) => JSON.parse(l) as { id: string; dataBytes?: number });
      assert.ok((json.find((e) => e.id === run.id)?.dataBytes ?? 0) > 0, 'dataBytes in --json');

      const file = path.join(tmp, 'notes.tar.gz');
      const ex = await runCli(['data', 'export', run.id, file], env);
      assert.equal(ex.code, 0, ex.stderr);
      assert.match(ex.stderr, new RegExp(`^Saved the data of ${run.id} \\(1 file, 1 KB\\) to `));
      assert.equal((await request(`${run.url}/api/notes/1`, { method: 'DELETE' })).status, 204);
      const im = await runCli(['data', 'import', run.id, file], env);
      assert.equal(im.code, 0, im.stderr);
      assert.equal((JSON.parse((await request(`${run.url}/api/notes`)).body) as unknown[]).length, 3);
      const bad = await runCli(['data', 'import', run.id, '/etc/passwd'], env);
      assert.equal(bad.code, 2);
      assert.match(bad.stderr, /^Error: The archive \/etc\/passwd is not a \.tar\.gz archive/);

      const destroyed = await runCli(['destroy', run.id], env);
      assert.equal(destroyed.code, 0);
      assert.match(destroyed.stderr, new RegExp(`^Destroyed sandbox ${run.id} and its data, \\d+ KB\\.\\n$`));
      assert.equal((await run.cli.done).code, 5);
      run = await serve();
      assert.equal(await hasNote(run.url), false, 'the destroy removed the data');
      run.cli.child.kill('SIGINT');
      await run.cli.done;
      assert.deepEqual(readdirSync(path.join(root, '.data')).length, 1, "only the last run's (kept for the app's next deploy)");
    });

    it('run without a folder: the data is its sandbox\'s own, and Ctrl-C says it goes too', async () => {
      const env = { SPAWN_APP_LOCAL_ROOT: root, ...NO_VERIFY };
      const cli = startCli(['run', 'a notes api', '--type', 'api', '--provider', 'local'], env);
      await until(() => /Serving; press Ctrl-C/.test(cli.stderr()), 'the serving line', 60_000);
      assert.match(cli.stderr(), /Serving; press Ctrl-C to stop and destroy the sandbox and its data\./);
      cli.child.kill('SIGINT');
      assert.equal((await cli.done).code, 0);
      assert.deepEqual(existsSync(path.join(root, '.data')) ? readdirSync(path.join(root, '.data')) : [], []);
    });
  });

  describe('the MCP server', () => {
    before(() => ensureBuilt());

    it('spawn_app → POST → deploy_app after an edit (redeploy) → still there → destroy_sandbox says its data → deploy_app → gone', async () => {
      const transport = new StdioClientTransport({
        command: process.execPath,
        args: ['--', BIN, 'mcp'],
        cwd: tmp,
        env: { ...(process.env as Record<string, string>), ANTHROPIC_API_KEY: '', CLAUDE_API_KEY: '', E2B_API_KEY: '', SPAWN_APP_LOCAL_ROOT: root, SPAWN_APP_STATE_DIR: path.join(tmp, 'state'), ...NO_VERIFY },
        stderr: 'pipe',
      });
      const client = new Client({ name: 'spawn-app-test', version: '1.0.0' });
      await client.connect(transport);
      try {
        const text = (r: unknown) => (r as { content: { text: string }[] }).content.map((c) => c.text).join('\n');
        const spawned = text(await client.callTool({ name: 'spawn_app', arguments: { prompt: 'a notes api', appType: 'api' } }));
        const url = /running at (http:\/\/\S+)/.exec(spawned)![1]!;
        const appId = /App: (\S+)/.exec(spawned)?.[1] ?? readdirSync(path.join(tmp, 'spawn-apps'))[0]!;
        await post(url);
        const server = path.join(tmp, 'spawn-apps', appId, 'server.js');
        writeFileSync(server, readFileSync(server, 'utf8').replace('<h1>Notes API</h1>', '<h1>Edited</h1>'));
        const redeployed = text(await client.callTool({ name: 'deploy_app', arguments: { appId } }));
        assert.match(redeployed, /Updated and restarted/);
        assert.ok(await hasNote(url), 'after the redeploy');
        const sandboxId = /Sandbox: (\S+)/.exec(redeployed)![1]!;
        const listed = text(await client.callTool({ name: 'list_apps_and_sandboxes', arguments: {} }));
        assert.match(listed.split('\n').find((l) => l.trim().startsWith(sandboxId)) ?? '', /, data \d+ KB\b/, listed);
        const destroyed = text(await client.callTool({ name: 'destroy_sandbox', arguments: { appId } }));
        assert.match(destroyed, new RegExp(`^Destroyed sandbox ${sandboxId} and its data, \\d+ KB of app "${appId}"`));
        const again = text(await client.callTool({ name: 'deploy_app', arguments: { appId } }));
        assert.equal(await hasNote(/running at (http:\/\/\S+)/.exec(again)![1]!), false);
      } finally {
        await client.close();
      }
    });
  });

  it('E2B (the fake): the note survives a redeploy and a pause/resume; its size is counted in the sandbox; destroy removes it with the sandbox', async () => {
    const fake = await FakeE2B.start();
    const local = new LocalProvider({ root });
    try {
      const c = fake.connection();
      const s = session(local, { e2bApiKey: c.apiKey, e2bApiUrl: fake.url, e2bSandboxUrl: fake.url, e2bDomain: c.domain });
      const dir = notesApp();
      const app = s.app('notes');
      app.open(dir);
      const d = await app.deploy({ provider: 'e2b' });
      const start = fake.starts.find((x) => x.sandboxId === d.sandboxId && x.cmd === withDataDir('node server.js'))!;
      assert.equal(start.envs.DATA_DIR, '/home/user/data');
      const edge = (p: string, method = 'GET', body?: string) => viaEdge(d.url + p, method, body);
      assert.equal((await edge('/api/notes', 'POST', JSON.stringify(NOTE))).status, 201);
      writeFileSync(path.join(dir, 'server.js'), readFileSync(path.join(dir, 'server.js'), 'utf8').replace('<h1>Notes API</h1>', '<h1>Edited</h1>'));
      app.open(dir);
      assert.equal((await app.deploy()).kind, 'redeploy');
      assert.match((await edge('/api/notes')).body, new RegExp(NOTE.text));
      await s.pauseSandbox(d.sandboxId);
      assert.equal(await s.dataSize(d.sandboxId), undefined, 'a paused sandbox is not woken to count');
      assert.equal(await s.destroyWords(d.sandboxId), `sandbox ${d.sandboxId} and its data`);
      await s.resumeSandbox(d.sandboxId);
      assert.match((await edge('/api/notes')).body, new RegExp(NOTE.text), 'after pause and resume');
      assert.ok(((await s.dataSize(d.sandboxId)) ?? 0) > 0);
      const file = path.join(tmp, 'e2b.tar.gz');
      assert.match((await s.exportData(d.sandboxId, file)).message, /\(1 file, 1 KB\)/);
      assert.equal((await edge('/api/notes/1', 'DELETE')).status, 204);
      await s.importData(d.sandboxId, file);
      assert.equal((JSON.parse((await edge('/api/notes')).body) as unknown[]).length, 3);
      assert.equal(await s.destroySandbox(d.sandboxId), true);
      await s.dispose();
    } finally {
      await local.destroyAll();
      await fake.close();
    }
  });

  it('E2B with a data volume (the real SDK\'s volumeMounts, the fake mounts it): the data folder is the app\'s folder on the volume; it outlives the sandbox, the next sandbox finds the note, destroy removes it; an unknown volume is one sentence', async () => {
    const fake = await FakeE2B.start({ volumes: ['team-data'] });
    const local = new LocalProvider({ root });
    try {
      const c = fake.connection();
      const cfg = { e2bApiKey: c.apiKey, e2bApiUrl: fake.url, e2bSandboxUrl: fake.url, e2bDomain: c.domain };
      const s = session(local, { ...cfg, e2bDataVolume: 'team-data' });
      const dir = notesApp();
      const app = s.app('notes');
      app.open(dir);
      const d = await app.deploy({ provider: 'e2b' });
      assert.equal(d.onStop, "destroy the sandbox (its data stays for the app's next deploy)");
      const key = app.dataKey!;
      const start = fake.starts.find((x) => x.sandboxId === d.sandboxId && x.cmd === withDataDir('node server.js'))!;
      assert.equal(start.envs.DATA_DIR, `/mnt/spawn-app-data/${key}`, 'the app\'s own folder on the volume');
      const edge = (url: string, p: string, method = 'GET', body?: string) => viaEdge(url + p, method, body);
      assert.equal((await edge(d.url, '/api/notes', 'POST', JSON.stringify(NOTE))).status, 201);
      const onVolume = path.join(fake.volumeDir('team-data'), key);
      assert.match(readdirSync(onVolume).map((f) => readFileSync(path.join(onVolume, f), 'utf8')).join('\n'), new RegExp(NOTE.text), 'written to the volume');
      assert.ok(((await s.dataSize(d.sandboxId)) ?? 0) > 0, 'its size is counted on the volume');

      // The sandbox ends without taking the data (an app stopped, a timeout kill): the next sandbox finds the note.
      await app.stop();
      assert.ok(!fake.live().some((x) => x.id === d.sandboxId), 'the sandbox is gone');
      assert.ok(existsSync(onVolume), 'the data outlives it');
      const again = await app.deploy({ provider: 'e2b' });
      assert.notEqual(again.sandboxId, d.sandboxId);
      assert.match((await edge(again.url, '/api/notes')).body, new RegExp(NOTE.text), 'the next sandbox finds the note');

      assert.equal(await s.destroyWords(again.sandboxId), `sandbox ${again.sandboxId} and its data, 1 KB`);
      assert.equal(await s.destroySandbox(again.sandboxId), true);
      assert.equal(existsSync(onVolume), false, 'destroy removed the app\'s folder on the volume');
      assert.ok(existsSync(fake.volumeDir('team-data')), 'and nothing else of the volume');

      const unknown = session(local, { ...cfg, e2bDataVolume: 'no-such-volume' });
      const other = unknown.app('other');
      other.open(notesApp(path.join(tmp, 'other')));
      await assert.rejects(other.deploy({ provider: 'e2b' }), (err: Error) => /no-such-volume/.test(err.message) && !/\n\s+at /.test(err.message));
      await s.dispose();
      await unknown.dispose();
    } finally {
      await local.destroyAll();
      await fake.close();
    }
  });
});

/** A request through the fake E2B's edge (GET/POST/DELETE), with the URL's Host header. */
async function viaEdge(url: string, method: string, body?: string): Promise<{ status: number; body: string }> {
  if (method === 'GET') return getViaEdge(url);
  const u = new URL(url);
  return request(`http://127.0.0.1:${u.port}${u.pathname}`, { method, body, headers: { Host: u.host } });
}

