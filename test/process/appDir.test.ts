import assert from 'node:assert/strict';
import { chmodSync, existsSync, linkSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { loadApp, saveApp, updateApp } from '../../src/core/workspace/appDir';
import { appNameFrom, mainFileOf, parseSpec } from '../../src/core/app/spec';
import type { AppSpec } from '../../src/core/app/spec';

const good: AppSpec = {
  appType: 'webapp',
  files: [{ path: '/app/index.html', content: '<h1>x</h1>' }, { path: 'js/app.js', content: 'console.log(1)' }],
  startCommand: 'node server.js',
  dependencies: [],
  port: 3000,
  title: 'X',
};

describe('app folder (spawn-app.json)', () => {
  let tmp: string;
  beforeEach(() => (tmp = mkdtempSync(path.join(os.tmpdir(), 'spawn-appdir-'))));
  afterEach(() => rmSync(tmp, { recursive: true, force: true }));

  it('round-trips: save then load gives the normalised spec', () => {
    const dir = path.join(tmp, 'a');
    saveApp(dir, good, 'templates');
    mkdirSync(path.join(dir, 'node_modules/x'), { recursive: true });
    writeFileSync(path.join(dir, 'node_modules/x/index.js'), 'ignored');
    const { spec, generator } = loadApp(dir);
    assert.equal(generator, 'templates');
    assert.deepEqual(spec.files.map((f) => f.path).sort(), ['index.html', 'js/app.js']);
    assert.equal(spec.title, 'X');
    assert.equal(spec.startCommand, 'node server.js');
  });

  const hostile = ['../outside.txt', '/etc/passwd', '/app/../../escape', 'a/../../b', 'C:/win.txt', 'x\\..\\y'];
  for (const p of hostile) {
    it(`never writes anything for a hostile path ${JSON.stringify(p)}`, () => {
      const dir = path.join(tmp, 'out');
      assert.throws(() => saveApp(dir, { ...good, files: [{ path: 'ok.txt', content: 'ok' }, { path: p, content: 'pwned' }] }), { code: 'blocked' });
      assert.ok(!existsSync(dir) || readdirSync(dir).length === 0, 'not even the harmless file');
      assert.deepEqual(readdirSync(tmp).filter((n) => n !== 'out'), []);
    });
  }

  it('refuses to write through a symlink that leads outside', () => {
    const dir = path.join(tmp, 'out');
    const elsewhere = path.join(tmp, 'elsewhere');
    mkdirSync(dir);
    mkdirSync(elsewhere);
    symlinkSync(elsewhere, path.join(dir, 'js'));
    assert.throws(() => saveApp(dir, good), /symbolic link/);
    assert.deepEqual(readdirSync(elsewhere), []);
  });

  describe('writes never follow links, and replace files atomically', () => {
    let dir: string;
    let outside: string;
    beforeEach(() => {
      dir = path.join(tmp, 'out');
      outside = path.join(tmp, 'outside');
      mkdirSync(dir);
      mkdirSync(outside);
    });
    const oneSentence = (e: unknown) => {
      const err = e as Error & { code?: string };
      assert.equal(err.code, 'blocked');
      assert.match(err.message, /^Nothing was written: .+ is a symbolic link, and Spawn App never writes through links\.$/);
      assert.doesNotMatch(err.message, /\n/);
      return true;
    };

    it('a symlinked spawn-app.json: nothing is written, the file it points to is untouched', () => {
      const victim = path.join(outside, 'victim.json');
      writeFileSync(victim, 'precious');
      symlinkSync(victim, path.join(dir, 'spawn-app.json'));
      assert.throws(() => saveApp(dir, good), oneSentence);
      assert.equal(readFileSync(victim, 'utf8'), 'precious');
      assert.deepEqual(readdirSync(dir), ['spawn-app.json'], 'not even the app files');
      assert.throws(() => updateApp(dir, good, { ...good, title: 'Y' }), oneSentence);
      assert.equal(readFileSync(victim, 'utf8'), 'precious');
    });

    it('a dangling symlink (to a file that does not exist) is refused, and the file is not created', () => {
      const target = path.join(outside, 'created.html');
      symlinkSync(target, path.join(dir, 'index.html'));
      assert.throws(() => saveApp(dir, good), oneSentence);
      assert.equal(existsSync(target), false);
      rmSync(path.join(dir, 'index.html'));
      symlinkSync(path.join(outside, 'manifest.json'), path.join(dir, 'spawn-app.json'));
      assert.throws(() => saveApp(dir, good), oneSentence);
      assert.deepEqual(readdirSync(outside), []);
    });

    it('a symlinked sub-folder, dangling or not, is refused for new files and for deletions', () => {
      symlinkSync(outside, path.join(dir, 'js'));
      assert.throws(() => saveApp(dir, good), oneSentence);
      assert.deepEqual(readdirSync(outside), []);
      rmSync(path.join(dir, 'js'));
      symlinkSync(path.join(outside, 'nowhere'), path.join(dir, 'js'));
      assert.throws(() => saveApp(dir, good), oneSentence);
      assert.deepEqual(readdirSync(outside), []);
      // A refine that deletes js/app.js must not delete through the link either.
      rmSync(path.join(dir, 'js'));
      saveApp(dir, good);
      rmSync(path.join(dir, 'js'), { recursive: true });
      writeFileSync(path.join(outside, 'app.js'), 'keep me');
      symlinkSync(outside, path.join(dir, 'js'));
      assert.throws(() => updateApp(dir, good, { ...good, files: good.files.slice(0, 1) }), oneSentence);
      assert.equal(readFileSync(path.join(outside, 'app.js'), 'utf8'), 'keep me');
    });

    it('replaces a file with a new one (temp file + rename): a hard link to the old file keeps its content, modes stay, no temp file is left', () => {
      saveApp(dir, good);
      const link = path.join(outside, 'hardlink.html');
      linkSync(path.join(dir, 'index.html'), link);
      chmodSync(path.join(dir, 'js/app.js'), 0o755);
      updateApp(dir, good, { ...good, files: [{ path: 'index.html', content: '<h1>new</h1>' }, { path: 'js/app.js', content: 'console.log(2)' }] });
      assert.equal(readFileSync(path.join(dir, 'index.html'), 'utf8'), '<h1>new</h1>');
      assert.equal(readFileSync(link, 'utf8'), '<h1>x</h1>', 'the old inode was not written to');
      assert.equal(statSync(path.join(dir, 'js/app.js')).mode & 0o777, 0o755);
      assert.deepEqual(readdirSync(dir).sort(), ['index.html', 'js', 'spawn-app.json']);
      assert.deepEqual(readdirSync(path.join(dir, 'js')), ['app.js']);
      assert.equal(lstatSync(path.join(dir, 'spawn-app.json')).isFile(), true);
    });
  });

  describe('bad input is refused before reading, in one sentence', () => {
    const usageSentence = (re: RegExp) => (e: unknown) => {
      const err = e as Error & { code?: string };
      assert.equal(err.code, 'usage', err.message);
      assert.match(err.message, re);
      assert.doesNotMatch(err.message, /\n/);
      return true;
    };
    const appDir = () => {
      const dir = path.join(tmp, 'app');
      saveApp(dir, good);
      return dir;
    };

    it('a FIFO named spawn-app.json, or as an app file, is refused at once (no hang)', () => {
      const dir = appDir();
      rmSync(path.join(dir, 'spawn-app.json'));
      execFileSync('mkfifo', [path.join(dir, 'spawn-app.json')]);
      assert.throws(() => loadApp(dir), usageSentence(/spawn-app\.json is not a regular file \(a FIFO, socket or device\)/));
      const dir2 = path.join(tmp, 'app2');
      saveApp(dir2, good);
      execFileSync('mkfifo', [path.join(dir2, 'data.txt')]);
      assert.throws(() => loadApp(dir2), usageSentence(/data\.txt is not a regular file/));
      const spec = path.join(tmp, 'spec.json');
      execFileSync('mkfifo', [spec]);
      assert.throws(() => loadApp(spec), usageSentence(/spec\.json is not a regular file/));
    });

    it('a device and a folder named spawn-app.json are refused', () => {
      const dir = appDir();
      rmSync(path.join(dir, 'spawn-app.json'));
      mkdirSync(path.join(dir, 'spawn-app.json'));
      assert.throws(() => loadApp(dir), usageSentence(/spawn-app\.json is a folder, not a file\.$/));
      assert.throws(() => loadApp('/dev/zero'), usageSentence(/\/dev\/zero is not a regular file/));
    });

    it('a file over the size limit is refused from its size, without reading it (a sparse 600 MB file)', () => {
      const dir = appDir();
      execFileSync('truncate', ['-s', '600M', path.join(dir, 'big.bin')]);
      assert.throws(() => loadApp(dir), usageSentence(/big\.bin is larger than 10 MB, the most Spawn App reads\.$/));
      execFileSync('truncate', ['-s', '600M', path.join(tmp, 'big.json')]);
      assert.throws(() => loadApp(path.join(tmp, 'big.json')), usageSentence(/big\.json is larger than/));
    });

    it('symbolic links inside the folder are not followed', () => {
      const dir = appDir();
      writeFileSync(path.join(tmp, 'secret'), 'id_rsa');
      symlinkSync(path.join(tmp, 'secret'), path.join(dir, 'key.txt'));
      assert.throws(() => loadApp(dir), usageSentence(/key\.txt is a symbolic link; Spawn App reads only regular files\.$/));
    });

    it('a binary file is refused, never corrupted; UTF-8 text (with a BOM) round-trips byte for byte', () => {
      const dir = appDir();
      const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0xff]);
      writeFileSync(path.join(dir, 'logo.png'), png);
      assert.throws(() => loadApp(dir), usageSentence(/logo\.png is a binary file \(not UTF-8 text\)/));
      rmSync(path.join(dir, 'logo.png'));
      const text = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('héllo\r\n✓\n', 'utf8')]);
      writeFileSync(path.join(dir, 'bom.txt'), text);
      const { spec } = loadApp(dir);
      const copy = path.join(tmp, 'copy');
      saveApp(copy, spec);
      assert.deepEqual(readFileSync(path.join(copy, 'bom.txt')), text);
    });

    it('JSON errors never quote the file', () => {
      const dir = appDir();
      writeFileSync(path.join(dir, 'spawn-app.json'), 'sk-ant-SECRET-TOKEN-1234 {');
      assert.throws(() => loadApp(dir), (e: Error) => {
        assert.match(e.message, /spawn-app\.json is not valid JSON: unexpected character\.$/);
        assert.doesNotMatch(e.message, /SECRET|sk-ant/);
        return true;
      });
      const f = path.join(tmp, 'spec.json');
      writeFileSync(f, '{"files": "password=hunter2"');
      assert.throws(() => loadApp(f), (e: Error) => !/hunter2/.test(e.message) && /is not valid JSON/.test(e.message));
    });
  });

  it('loads a seed-format spec file and reports bad JSON or shapes as usage errors', () => {
    const f = path.join(tmp, 'spec.json');
    writeFileSync(f, JSON.stringify({ ...good, dependencies: { express: '^4.18.0' } }));
    assert.deepEqual(loadApp(f).spec.dependencies, ['express@^4.18.0']);
    writeFileSync(f, '{ not json');
    assert.throws(() => loadApp(f), { code: 'usage' });
    writeFileSync(f, JSON.stringify({ appType: 'desktop', files: [] }));
    assert.throws(() => loadApp(f), (e: Error & { code?: string }) => e.code === 'usage' && /appType/.test(e.message));
  });
});

describe('spec helpers', () => {
  it('parseSpec defaults port 3000 and dependencies []', () => {
    const s = parseSpec({ appType: 'api', files: [], startCommand: 'node s.js' });
    assert.equal(s.port, 3000);
    assert.deepEqual(s.dependencies, []);
    assert.throws(() => parseSpec({ appType: 'api', files: [], startCommand: '' }), /startCommand/);
    assert.throws(() => parseSpec({ appType: 'api', files: [{ path: 1 }], startCommand: 'x' }), /path/);
    assert.throws(() => parseSpec({ appType: 'api', files: [], startCommand: 'x', port: 70000 }), /port/);
    assert.throws(() => parseSpec([]), /object/);
  });
  it('appNameFrom makes short slugs', () => {
    assert.equal(appNameFrom('A Calculator, please!'), 'a-calculator-please');
    assert.equal(appNameFrom('!!!'), 'app');
  });
  it('mainFileOf prefers index.html / server.js / main.py', () => {
    assert.equal(mainFileOf(good)?.path, '/app/index.html');
    assert.equal(mainFileOf({ ...good, appType: 'script', files: [{ path: 'x.py', content: '' }, { path: 'main.py', content: '' }] })?.path, 'main.py');
  });
});
