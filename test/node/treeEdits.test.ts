import assert from 'node:assert/strict';
import { AppTree } from '../../src/core/workspace/appTree';
import { decodeText, encodeText } from '../../src/core/workspace/treeText';
import { templateSpec } from '../../src/core/stacks';
import { applyPatch } from '../../src/core/workspace/patch';
import { KeyedQueue } from '../../src/core/base/keyedQueue';
import { applySpecToTree, currentFiles, replaceAppFiles } from '../../src/core/workspace/treeEdits';

function calculator() {
  const tree = new AppTree();
  const app = tree.createApp({ nameHint: 'calc', generator: 'templates' });
  tree.setSpec(app, templateSpec('webapp', 'a calculator'), 'templates');
  return { tree, app };
}

describe('tree edits', () => {
  it('applies a patched spec: only changed, added and deleted files are touched', () => {
    const { tree, app } = calculator();
    const spec = tree.specOf(app).spec!;
    const { spec: next } = applyPatch(spec, { changes: [{ path: 'index.html', content: '<h1>new</h1>' }, { path: 'lib/util.js', content: 'x' }], deletions: ['app.js'] });
    const touched: string[] = [];
    tree.onDidChange((c) => touched.push(...c.filter((x) => x.type !== 'changed' || !x.path.endsWith('/calc')).map((x) => `${x.type} ${x.path}`)));
    const diff = applySpecToTree(tree, app, next);
    assert.deepEqual([diff.added, diff.changed, diff.deleted], [['lib/util.js'], ['index.html'], ['app.js']]);
    assert.deepEqual(tree.filePaths(app), ['index.html', 'lib/util.js', 'server.js', 'style.css']);
    assert.equal(decodeText(tree.readFile('/calc/index.html')), '<h1>new</h1>');
    assert.ok(!touched.some((t) => t.includes('style.css') || t.includes('server.js') || t.includes('spawn-app.json')), touched.join(', '));
  });

  it('updates only the manifest keys that changed, keeping the user’s other keys', () => {
    const { tree, app } = calculator();
    const m = JSON.parse(decodeText(tree.readFile('/calc/spawn-app.json'))) as Record<string, unknown>;
    tree.writeFile('/calc/spawn-app.json', encodeText(JSON.stringify({ ...m, note: 'mine' }, null, 2)), { create: false, overwrite: true });
    const spec = tree.specOf(app).spec!;
    const { spec: next } = applyPatch(spec, { changes: [], deletions: [], startCommand: 'node server.js --verbose', dependencies: ['express'] });
    applySpecToTree(tree, app, next);
    const after = JSON.parse(decodeText(tree.readFile('/calc/spawn-app.json'))) as Record<string, unknown>;
    assert.equal(after.startCommand, 'node server.js --verbose');
    assert.deepEqual(after.dependencies, ['express']);
    assert.equal(after.note, 'mine');
  });

  it('restores exact files (manifest text included) and removes folders left empty', () => {
    const { tree, app } = calculator();
    const v1 = currentFiles(tree, app);
    tree.putFile(app, 'docs/deep/a.md', 'a');
    tree.writeFile('/calc/index.html', encodeText('changed'), { create: false, overwrite: true });
    tree.writeFile('/calc/spawn-app.json', encodeText(decodeText(tree.readFile('/calc/spawn-app.json')).replace('3000', '3001')), { create: false, overwrite: true });
    replaceAppFiles(tree, app, v1);
    assert.deepEqual(currentFiles(tree, app), v1);
    assert.equal(tree.exists('/calc/docs'), false);
  });
});

describe('KeyedQueue', () => {
  it('runs tasks of one key one at a time, other keys alongside; errors stay with their caller', async () => {
    const q = new KeyedQueue();
    const log: string[] = [];
    // Each task runs until the test releases it: the order is decided by the queue, not by timing.
    const gates = new Map<string, () => void>();
    const started = new Map<string, Promise<void>>();
    const task = (name: string, fail = false) => {
      let begun!: () => void;
      started.set(name, new Promise<void>((r) => (begun = r)));
      return async () => {
        log.push(`${name}+`);
        begun();
        await new Promise<void>((r) => gates.set(name, r));
        log.push(`${name}-`);
        if (fail) throw new Error(name);
        return name;
      };
    };
    const a = q.run('app', task('a', true));
    const b = q.run('app', task('b'));
    const c = q.run('other', task('c'));
    await started.get('a');
    await started.get('c');
    assert.deepEqual(log, ['a+', 'c+'], 'another key does not wait; the second task of a key does');
    assert.equal(q.busy('app'), true);
    gates.get('a')!();
    await assert.rejects(a, /a/);
    await started.get('b');
    assert.deepEqual(log, ['a+', 'c+', 'a-', 'b+'], 'b starts after a ended (a failed: its error stays with its caller)');
    gates.get('b')!();
    gates.get('c')!();
    assert.equal(await b, 'b');
    assert.equal(await c, 'c');
    await Promise.resolve();
    assert.equal(q.busy('app'), false);
  });
});
