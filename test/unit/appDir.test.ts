import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadApp, saveApp } from '../../src/core/appDir';
import { appNameFrom, mainFileOf, parseSpec } from '../../src/core/spec';
import type { AppSpec } from '../../src/core/spec';

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
