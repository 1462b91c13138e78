import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
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
