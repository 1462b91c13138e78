/**
 * The host never follows what an app planted in its own folder. After an app has run, its folder is hostile: it
 * may swap any file or folder for a link to a file or folder of the user's (one it cannot itself reach), or for a
 * FIFO. Then a redeploy (a save with hot redeploy on, MCP deploy_app, an accepted refine or fix) writes into the
 * folder from the host: nothing may land outside it, nothing may hang. Real bubblewrap, a real hostile app.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { deploy, redeploy } from '../../src/core/deploy/deploy';
import type { Deployment } from '../../src/core/deploy/deploy';
import { requireSandbox } from '../helpers/sandbox';
import { DepCache, MARKER } from '../../src/core/sandbox/local/depCache';
import { readTree } from '../../src/core/base/noFollow';
import { exportData } from '../../src/core/deploy/appData';
import { LocalProvider } from '../../src/core/sandbox/local/provider';
import type { AppSpec } from '../../src/core/app/spec';
import { BIN, ensureBuilt, NO_VERIFY } from '../helpers/cli';
import { request } from '../helpers/http';

/** Every path under `dir` with its content (links as `-> target`): what "nothing changed" is checked against. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isSymbolicLink()) out[p] = '-> ' + p;
      else if (e.isDirectory()) {
        out[p] = '(folder)';
        walk(p);
      } else out[p] = readFileSync(p, 'utf8');
    }
  };
  walk(dir);
  return out;
}

/** One sentence, no stack: the redeploy was refused because of a link (or a non-file) the app planted. */
const refusedPlanted = (e: unknown) => {
  const err = e as Error & { code?: string };
  assert.equal(err.code, 'blocked', err.stack);
  assert.match(err.message, /^Nothing was written: .+ (is a symbolic link, and Spawn App never writes through links|exists and is not a regular file)\.$/);
  assert.doesNotMatch(err.message, /\n/);
  return true;
};

/**
 * The hostile app: on `/plant?c=<case>` it plants that case's link (or FIFO) in its own folder, pointing at a
 * place of the user's given by the test (hidden from the app, so the link dangles inside the sandbox; on the
 * host it leads there).
 */
function plantingServer(targets: Record<string, string>): string {
  return `const fs = require('fs'), http = require('http'), cp = require('child_process');
const T = ${JSON.stringify(targets)};
const plant = {
  file: () => { fs.rmSync('notes.txt', { force: true }); fs.symlinkSync(T.file, 'notes.txt'); },
  folder: () => { fs.rmSync('lib', { recursive: true, force: true }); fs.symlinkSync(T.folder, 'lib'); },
  dangling: () => { fs.symlinkSync(T.created, 'added.txt'); },
  middle: () => { fs.rmSync('deep/inner', { recursive: true, force: true }); fs.symlinkSync(T.folder2, 'deep/inner'); },
  fifo: () => { fs.rmSync('pipe.txt', { force: true }); cp.execFileSync('mkfifo', ['pipe.txt']); },
};
http.createServer((q, s) => {
  const c = new URL(q.url, 'http://x').searchParams.get('c');
  try { if (c) plant[c](); s.end(c ? 'planted ' + c : 'up'); } catch (e) { s.statusCode = 500; s.end(String(e)); }
}).listen(Number(process.env.PORT));
`;
}

const baseFiles = (server: string): AppSpec['files'] => [
  { path: 'server.js', content: server },
  { path: 'notes.txt', content: 'notes v1' },
  { path: 'lib/util.js', content: 'util v1' },
  { path: 'deep/inner/page.html', content: 'page v1' },
  { path: 'pipe.txt', content: 'pipe v1' },
];

/** The app's next version: one file of `c`'s case changed (or added); server.js stays, so nothing restarts. */
function nextSpec(spec: AppSpec, c: string): AppSpec {
  const changed: Record<string, { path: string; content: string }> = {
    file: { path: 'notes.txt', content: 'PWNED via notes.txt' },
    folder: { path: 'lib/util.js', content: 'PWNED via lib' },
    dangling: { path: 'added.txt', content: 'PWNED via added.txt' },
    middle: { path: 'deep/inner/page.html', content: 'PWNED via deep/inner' },
    fifo: { path: 'pipe.txt', content: 'pipe v2' },
  };
  const f = changed[c]!;
  return { ...spec, files: [...spec.files.filter((x) => x.path !== f.path), f] };
}

describe('host-side writes never follow what the app planted (real bubblewrap)', function () {
  this.timeout(120_000);
  let tmp: string;
  let userFiles: string;
  let targets: Record<string, string>;
  before(function () {
    if (process.platform !== 'linux') this.skip();
    requireSandbox(this); // skips without a working bwrap; fails instead in CI (SPAWN_APP_REQUIRE_SANDBOX=1)
  });
  beforeEach(() => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'spawn-nofollow-'));
    // The user's files: a file, two folders with a file each, and a place where nothing is yet.
    userFiles = path.join(tmp, 'user');
    mkdirSync(path.join(userFiles, 'folder'), { recursive: true });
    mkdirSync(path.join(userFiles, 'folder2'));
    writeFileSync(path.join(userFiles, 'authorized_keys'), 'ssh-ed25519 AAAA the-users-own-key\n');
    writeFileSync(path.join(userFiles, 'folder', 'util.js'), 'the user\'s util.js\n');
    writeFileSync(path.join(userFiles, 'folder2', 'page.html'), 'the user\'s page\n');
    targets = {
      file: path.join(userFiles, 'authorized_keys'),
      folder: path.join(userFiles, 'folder'),
      created: path.join(userFiles, 'created.txt'),
      folder2: path.join(userFiles, 'folder2'),
    };
  });
  afterEach(() => rmSync(tmp, { recursive: true, force: true }));

  describe('a redeploy into the running sandbox (core deploy + redeploy, real LocalProvider)', () => {
    let provider: LocalProvider;
    let current: Deployment;
    let spec: AppSpec;
    beforeEach(async () => {
      provider = new LocalProvider({ root: path.join(tmp, 'sandboxes'), network: false });
      spec = { appType: 'webapp', startCommand: 'node server.js', dependencies: [], port: 3000, files: baseFiles(plantingServer(targets)) };
      current = await deploy({ spec, provider, verify: false });
    });
    afterEach(() => provider.destroyAll());

    for (const c of ['file', 'folder', 'dangling', 'middle', 'fifo']) {
      it(`${c}: the redeploy is refused in one sentence; the user's files are unchanged and nothing is created outside`, async () => {
        const before = snapshot(userFiles);
        assert.equal((await request(`${current.url}/plant?c=${c}`)).body, `planted ${c}`);
        await assert.rejects(redeploy(current, nextSpec(spec, c)), refusedPlanted);
        assert.deepEqual(snapshot(userFiles), before);
        // The app is still the one that ran (the refused redeploy changed nothing there either).
        assert.equal((await request(`${current.url}/`)).body, 'up');
      });
    }

    it('every case planted at once, then one redeploy of all of them: still nothing outside', async () => {
      const before = snapshot(userFiles);
      for (const c of ['file', 'folder', 'dangling', 'middle']) assert.equal((await request(`${current.url}/plant?c=${c}`)).body, `planted ${c}`);
      let next = spec;
      for (const c of ['file', 'folder', 'dangling', 'middle']) next = nextSpec(next, c);
      await assert.rejects(redeploy(current, next), refusedPlanted);
      assert.deepEqual(snapshot(userFiles), before);
    });
  });

  describe('sandbox.writeFiles itself (the links planted beforehand, sandbox off: the same host-side writer)', () => {
    it('refuses each planted link and leaves the target alone; files elsewhere in the folder are still written', async () => {
      const provider = new LocalProvider({ root: path.join(tmp, 'sandboxes'), sandbox: 'off' });
      try {
        const sb = await provider.create({ appName: 'x', appType: 'webapp' });
        const appDir = path.join(tmp, 'sandboxes', sb.id, 'app');
        await sb.writeFiles([{ path: 'ok/fine.txt', content: 'fine' }]);
        symlinkSync(targets.file!, path.join(appDir, 'notes.txt'));
        symlinkSync(targets.folder!, path.join(appDir, 'lib'));
        symlinkSync(targets.created!, path.join(appDir, 'added.txt'));
        mkdirSync(path.join(appDir, 'deep'));
        symlinkSync(targets.folder2!, path.join(appDir, 'deep', 'inner'));
        const before = snapshot(userFiles);
        for (const p of ['notes.txt', 'lib/util.js', 'lib/new/deeper.js', 'added.txt', 'deep/inner/page.html']) {
          await assert.rejects(sb.writeFiles([{ path: p, content: 'PWNED' }]), refusedPlanted, p);
        }
        assert.deepEqual(snapshot(userFiles), before);
        await sb.writeFiles([{ path: 'ok/fine.txt', content: 'fine v2' }]);
        assert.equal(readFileSync(path.join(appDir, 'ok', 'fine.txt'), 'utf8'), 'fine v2');
        assert.equal(lstatSync(path.join(appDir, 'notes.txt')).isSymbolicLink(), true, 'the link itself is left as it was');
      } finally {
        await provider.destroyAll();
      }
    });
  });

  describe('the dependency cache build (an install script plants links in the folder the host then writes into)', () => {
    it('the completion marker is never written through a link; the build fails in one sentence', async () => {
      const cache = new DepCache(path.join(tmp, 'cache'));
      const before = snapshot(userFiles);
      const plan = { stack: 'api' as const, key: 'api-test', dir: path.join(tmp, 'cache', 'api-test'), covered: ['express'], extras: [] };
      await assert.rejects(
        cache.build(plan, true, async (t) => {
          // What a hostile install script could leave behind: the locked package "installed", and the marker a link.
          mkdirSync(path.join(t, 'node_modules', 'express'), { recursive: true });
          writeFileSync(path.join(t, 'node_modules', 'express', 'package.json'), JSON.stringify({ name: 'express', version: '4.21.2' }));
          symlinkSync(targets.file!, path.join(t, MARKER));
        }),
        refusedPlanted,
      );
      assert.deepEqual(snapshot(userFiles), before);
      assert.equal(existsSync(plan.dir), false);
    });
  });

  describe('through the real CLI: MCP deploy_app twice (the second one a redeploy into the running sandbox)', () => {
    it('the app plants a link to a file of the user\'s, the user edits that file and deploys again: refused, nothing outside changes', async () => {
      ensureBuilt();
      const appsDir = path.join(tmp, 'spawn-apps');
      const app = path.join(appsDir, 'hostile');
      mkdirSync(app, { recursive: true });
      writeFileSync(path.join(app, 'spawn-app.json'), JSON.stringify({ appType: 'webapp', startCommand: 'node server.js', dependencies: [], port: 3000, generator: 'claude' }));
      for (const f of baseFiles(plantingServer(targets))) {
        mkdirSync(path.dirname(path.join(app, f.path)), { recursive: true });
        writeFileSync(path.join(app, f.path), f.content);
      }
      const transport = new StdioClientTransport({
        command: process.execPath,
        args: [BIN, 'mcp'],
        cwd: tmp,
        env: { ...(process.env as Record<string, string>), ANTHROPIC_API_KEY: '', CLAUDE_API_KEY: '', E2B_API_KEY: '', SPAWN_APP_LOCAL_ROOT: path.join(tmp, 'sandboxes'), ...NO_VERIFY },
        stderr: 'pipe',
      });
      const client = new Client({ name: 'spawn-app-test', version: '1.0.0' });
      await client.connect(transport);
      try {
        const text = (r: unknown) => (r as { content: { text: string }[] }).content.map((c) => c.text).join('\n');
        const first = text(await client.callTool({ name: 'deploy_app', arguments: { appId: 'hostile' } }));
        const url = /running at (http:\/\/\S+)/.exec(first)?.[1];
        assert.ok(url, first);
        assert.equal((await request(`${url}/plant?c=file`)).body, 'planted file');
        assert.equal((await request(`${url}/plant?c=middle`)).body, 'planted middle');
        const before = snapshot(userFiles);
        writeFileSync(path.join(app, 'notes.txt'), 'PWNED via notes.txt');
        writeFileSync(path.join(app, 'deep', 'inner', 'page.html'), 'PWNED via deep/inner');
        const second = await client.callTool({ name: 'deploy_app', arguments: { appId: 'hostile' } });
        assert.equal((second as { isError?: boolean }).isError, true, text(second));
        assert.match(text(second), /Nothing was written: .+ is a symbolic link, and Spawn App never writes through links\./);
        assert.deepEqual(snapshot(userFiles), before);
      } finally {
        await client.close();
      }
    });
  });
});

describe('a FIFO the app left where a file goes never hangs a host-side write', () => {
  it('writeFiles onto a FIFO answers at once (refused), and writes nothing into the pipe', async function () {
    if (process.platform !== 'linux') this.skip();
    const tmp = mkdtempSync(path.join(os.tmpdir(), 'spawn-nofollow-fifo-'));
    const provider = new LocalProvider({ root: path.join(tmp, 'sandboxes'), sandbox: 'off' });
    try {
      const sb = await provider.create({ appName: 'x', appType: 'webapp' });
      execFileSync('mkfifo', [path.join(tmp, 'sandboxes', sb.id, 'app', 'pipe.txt')]);
      await assert.rejects(sb.writeFiles([{ path: 'pipe.txt', content: 'x' }]), refusedPlanted);
    } finally {
      await provider.destroyAll();
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});

describe('a sandbox the app filled with a very deep chain of folders is still removed', () => {
  it('destroy removes a 20 000-deep chain (the walk overflowed the stack; the sandbox stayed, destroy failed raw)', async function () {
    if (process.platform !== 'linux') this.skip();
    this.timeout(120_000);
    const tmp = mkdtempSync(path.join(os.tmpdir(), 'spawn-nofollow-deep-'));
    const root = path.join(tmp, 'sandboxes');
    const provider = new LocalProvider({ root, network: false });
    try {
      const sb = await provider.create({ appName: 'deep', appType: 'webapp' });
      // The app's code (sandboxed where bwrap works) makes the chain in its own folder, one level at a time.
      const made = await sb.run(`${JSON.stringify(process.execPath)} -e "const f=require('fs');for(let i=0;i<20000;i++){f.mkdirSync('d');process.chdir('d')}console.log('made')"`);
      assert.match(made.stdout, /made/, made.stderr);
      await sb.destroy();
      assert.ok(!existsSync(path.join(root, sb.id)), 'the sandbox folder is gone');
      assert.deepEqual(readdirSync(root).filter((n) => n.startsWith('local-')), [], 'no sandbox is left in the sandboxes folder');
    } finally {
      await provider.destroyAll();
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});

describe('a data folder the app filled with more names than the host walks', () => {
  it('the size count and the export never list past their bound: the export refuses in one sentence, the count stops', async function () {
    if (process.platform !== 'linux') this.skip();
    this.timeout(60_000);
    const tmp = mkdtempSync(path.join(os.tmpdir(), 'spawn-nofollow-many-'));
    const root = path.join(tmp, 'sandboxes');
    const provider = new LocalProvider({ root, network: false });
    try {
      const sb = await provider.create({ appName: 'many', appType: 'webapp' });
      // The app's code (sandboxed where bwrap works) fills its data folder, which the host walks for its size after
      // every deploy and for an export (bounded at DATA_ARCHIVE_MAX_ENTRIES; here a bound of 10 stands for it).
      const made = await sb.run(`${JSON.stringify(process.execPath)} -e "const f=require('fs'),d=process.env.DATA_DIR+'/many';f.mkdirSync(d);for(let i=0;i<1000;i++)f.closeSync(f.openSync(d+'/'+i,'w'));console.log('made')"`);
      assert.match(made.stdout, /made/, made.stderr);
      const dataDir = path.join(root, '.data', sb.id);
      // Before: every name was read (a million of them blocked the host's process for 6 s at each count), and the export
      // packed the first ones and counted the rest as left-out "links, FIFOs or devices".
      const walked = readTree(dataDir, { read: false, maxBytes: 0, maxEntries: 10, shown: 'The data folder' });
      assert.equal(walked.entries.length, 10);
      assert.equal(walked.more, true, 'the count says there is more');
      assert.deepEqual(walked.skipped, [], 'the names past the bound are not read (nor listed as skipped)');
      assert.throws(() => readTree(dataDir, { read: true, maxBytes: 2 ** 20, maxEntries: 10, shown: 'The data folder' }), { message: /^The data folder holds more than 10 files and folders, the most Spawn App packs\.$/ });
      // The provider's own count and export, at their real bound: the folder is under it, so both work.
      assert.equal(await provider.data.size(sb.id), 0);
      assert.equal((await exportData(provider, sb.id, path.join(tmp, 'data.tar.gz'))).files, 1000);
    } finally {
      await provider.destroyAll();
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});

describe('folders the app made unreadable (chmod 000) never stop the host: the count, the export and destroy', () => {
  it('the size count and the export leave them out; destroy removes the sandbox and its data all the same', async function () {
    if (process.platform !== 'linux') this.skip();
    this.timeout(60_000);
    const tmp = mkdtempSync(path.join(os.tmpdir(), 'spawn-nofollow-perm-'));
    const root = path.join(tmp, 'sandboxes');
    const provider = new LocalProvider({ root, network: false });
    try {
      const sb = await provider.create({ appName: 'perm', appType: 'webapp' });
      // The app's code (sandboxed where bwrap works; its uid is the user's on the host) locks folders of its app folder,
      // home and data folder: no permission at all, or read-only with files in them; a file it cannot read.
      const lock = `for d in "$PWD" "$HOME" "$DATA_DIR"; do mkdir -p "$d/locked/inner" "$d/readonly" && echo x > "$d/locked/inner/f" && echo x > "$d/readonly/f" && echo x > "$d/unreadable" && chmod 000 "$d/locked/inner" "$d/locked" "$d/unreadable" && chmod 500 "$d/readonly"; done; echo locked`;
      const made = await sb.run(lock);
      assert.match(made.stdout, /locked/, made.stderr);
      await provider.data.size(sb.id);
      const exported = await exportData(provider, sb.id, path.join(tmp, 'data.tar.gz'));
      assert.ok(exported.files >= 1, exported.message);
      // Then the folders themselves: the data folder and the home, locked whole.
      const whole = await sb.run('chmod 000 "$DATA_DIR" "$HOME" && echo locked');
      assert.match(whole.stdout, /locked/, whole.stderr);
      if (process.getuid?.() !== 0) await assert.rejects(provider.data.size(sb.id), { message: /^The data folder of local-\w+ cannot be read: its permissions were taken away \(chmod\)\.$/ });
      await sb.destroy({ data: true });
      assert.deepEqual(readdirSync(root).filter((n) => n.startsWith('local-')), [], 'the sandbox folder is gone');
      assert.ok(!existsSync(path.join(root, '.data', sb.id)), 'its data folder is gone');
    } finally {
      await provider.destroyAll().catch(() => undefined);
      execFileSync('chmod', ['-R', 'u+rwx', tmp]);
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});
