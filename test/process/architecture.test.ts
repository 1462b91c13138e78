import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const root = path.resolve(__dirname, '../..');

/** Every folder under `dir`, recursively, as paths relative to `root` with forward slashes. */
function folders(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .flatMap((e) => {
      const p = path.join(dir, e.name);
      return [path.relative(root, p).split(path.sep).join('/'), ...folders(p)];
    });
}

/** The folders a text does not name: `src/x/y` counts as named only as itself (optionally with a trailing /), not as the start of a longer path. */
export function unnamed(text: string, dirs: readonly string[]): string[] {
  return dirs.filter((d) => !new RegExp(`${d.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/?(?![\\w./-])`).test(text));
}

describe('ARCHITECTURE.md', () => {
  it('names a folder only as itself (the check can fail)', () => {
    assert.deepEqual(unnamed('`src/core/sandbox/` and src/vscode/commands/files', ['src/core/sandbox', 'src/core', 'src/vscode/commands']), ['src/core', 'src/vscode/commands']);
  });

  it('mentions every folder under src/', () => {
    const dirs = folders(path.join(root, 'src'));
    assert.ok(dirs.includes('src/core/sandbox'), 'the walk finds folders');
    assert.deepEqual(unnamed(readFileSync(path.join(root, 'ARCHITECTURE.md'), 'utf8'), dirs), []);
  });
});

describe('the layer check (scripts/check-layers.mjs, run by npm run lint)', () => {
  const check = (root: string) => spawnSync(process.execPath, [path.join(root0, 'scripts/check-layers.mjs'), '--root', root], { encoding: 'utf8' });
  const root0 = root;
  let fixture: string;

  beforeEach(() => {
    fixture = mkdtempSync(path.join(os.tmpdir(), 'spawn-layers-'));
    const put = (rel: string, text: string) => {
      mkdirSync(path.dirname(path.join(fixture, rel)), { recursive: true });
      writeFileSync(path.join(fixture, rel), text);
    };
    put('src/core/deploy/pipeline.ts', 'export const run = 1;\n');
    put('src/core/base/events.ts', "import { run } from '../deploy/pipeline';\nexport const e = run;\n");
    put('src/core/app/spec.ts', "import type { Panel } from '../../vscode/panel';\nexport type Spec = Panel;\n");
    put('src/vscode/panel.ts', 'export type Panel = 1;\n');
    put('src/vscode/items.ts', "import type { Tree } from './tree';\nexport type Item = Tree;\n");
    put('src/vscode/tree.ts', "import type { Item } from './items';\nexport type Tree = Item | 2;\n");
  });

  afterEach(() => rmSync(fixture, { recursive: true, force: true }));

  it('fails on an upward import, a core file importing a front, and a type-only circle, naming each', () => {
    const r = check(fixture);
    assert.equal(r.status, 1, r.stdout + r.stderr);
    assert.match(r.stderr, /src\/core\/base\/events\.ts imports src\/core\/deploy\/pipeline\.ts: core\/base may not import core\/deploy, a higher layer/);
    assert.match(r.stderr, /src\/core\/app\/spec\.ts imports src\/vscode\/panel\.ts: src\/core never imports a front/);
    assert.match(r.stderr, /import circle: src\/vscode\/(items|tree)\.ts → src\/vscode\/(tree|items)\.ts → src\/vscode\/(items|tree)\.ts/);
  });

  it('fails on a front importing another front, but not on the one entry point a CLI command starts', () => {
    writeFileSync(path.join(fixture, 'src/core/base/events.ts'), 'export const e = 1;\n');
    writeFileSync(path.join(fixture, 'src/core/app/spec.ts'), 'export type Spec = 1;\n');
    writeFileSync(path.join(fixture, 'src/vscode/tree.ts'), 'export type Tree = 2;\n');
    mkdirSync(path.join(fixture, 'src/cli/commands'), { recursive: true });
    mkdirSync(path.join(fixture, 'src/mcp'), { recursive: true });
    writeFileSync(path.join(fixture, 'src/cli/text.ts'), 'export const safe = (s: string) => s;\n');
    writeFileSync(path.join(fixture, 'src/mcp/server.ts'), "import { safe } from '../cli/text';\nexport const serve = safe;\n");
    writeFileSync(path.join(fixture, 'src/cli/commands/mcp.ts'), "export const mcp = () => import('../../mcp/server');\n");
    writeFileSync(path.join(fixture, 'src/cli/commands/panel.ts'), "export const p = () => import('../../vscode/panel');\n");
    const r = check(fixture);
    assert.equal(r.status, 1, r.stdout + r.stderr);
    assert.match(r.stderr, /src\/mcp\/server\.ts imports src\/cli\/text\.ts: a front never imports another front/);
    assert.match(r.stderr, /src\/cli\/commands\/panel\.ts imports src\/vscode\/panel\.ts: a front never imports another front/, 'a dynamic import counts');
    assert.doesNotMatch(r.stderr, /commands\/mcp\.ts imports/, 'spawn-app mcp starts the MCP server');
    assert.equal(r.stderr.match(/^ {2}/gm)?.length, 2, r.stderr);
  });

  it('follows an import written with a .js suffix, and reports a relative import it cannot resolve', () => {
    writeFileSync(path.join(fixture, 'src/core/base/events.ts'), "export { run } from '../deploy/pipeline.js';\nexport * from './nowhere';\n");
    const r = check(fixture);
    assert.equal(r.status, 1, r.stdout + r.stderr);
    assert.match(r.stderr, /src\/core\/base\/events\.ts imports src\/core\/deploy\/pipeline\.ts: core\/base may not import core\/deploy, a higher layer/);
    assert.match(r.stderr, /src\/core\/base\/events\.ts imports '\.\/nowhere', which names no file/);
  });

  it('passes once they are gone', () => {
    writeFileSync(path.join(fixture, 'src/core/base/events.ts'), 'export const e = 1;\n');
    writeFileSync(path.join(fixture, 'src/core/app/spec.ts'), 'export type Spec = 1;\n');
    writeFileSync(path.join(fixture, 'src/vscode/tree.ts'), 'export type Tree = 2;\n');
    const r = check(fixture);
    assert.equal(r.status, 0, r.stdout + r.stderr);
  });

  it('passes on this repository', () => {
    const r = check(root);
    assert.equal(r.status, 0, r.stdout + r.stderr);
  });

  it('ARCHITECTURE.md shows its layer table, in its order', () => {
    const script = readFileSync(path.join(root, 'scripts/check-layers.mjs'), 'utf8');
    const layers = [...script.slice(script.indexOf('export const LAYERS'), script.indexOf('];', script.indexOf('export const LAYERS'))).matchAll(/\['(\w+)'/g)].map((m) => m[1]!);
    assert.ok(layers.length >= 5, 'the table is found');
    const doc = readFileSync(path.join(root, 'ARCHITECTURE.md'), 'utf8');
    const shown = [...doc.matchAll(/^\| \d+ \| `(\w+)` \|/gm)].map((m) => m[1]!);
    assert.deepEqual(shown, layers);
  });
});
