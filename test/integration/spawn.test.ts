import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as vscode from 'vscode';
import type { DeployResult, SpawnResult } from './helpers';
import { answers, appUri, fetchText, getApi, readText, reset, spawnCalculator, until, writeText } from './helpers';

describe('spawn → edit → deploy → redeploy (templates, local runner)', () => {
  let spawned: SpawnResult;
  let deployed: DeployResult;
  let tmp: string;

  before(() => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'spawn-it-'));
  });
  after(async () => {
    await reset();
    rmSync(tmp, { recursive: true, force: true });
  });
  // Each test starts from a freshly generated calculator (none relies on another's leftovers); `deploy()` runs it.
  beforeEach(async () => {
    await reset();
    const r = await spawnCalculator();
    assert.ok(r, 'the spawn command returned a result');
    spawned = r;
  });
  async function deploy(): Promise<DeployResult> {
    const r = await vscode.commands.executeCommand<DeployResult>('spawnApp.deploy', { appId: spawned.appId, confirm: true });
    assert.ok(r, `deployed (last error: ${(await getApi()).testing.reporter.lastError?.message})`);
    deployed = r;
    return r;
  }

  it('generates the app into the virtual workspace and opens its main file', async () => {
    assert.equal(spawned.appName, 'calculator');
    assert.equal(spawned.generator, 'templates');
    const names = (await vscode.workspace.fs.readDirectory(appUri('calculator'))).map(([n]) => n).sort();
    assert.deepEqual(names, ['app.js', 'index.html', 'server.js', 'spawn-app.json', 'style.css']);
    const manifest = JSON.parse(await readText(appUri('calculator', 'spawn-app.json'))) as { startCommand: string; appType: string };
    assert.equal(manifest.startCommand, 'node server.js');
    assert.equal(manifest.appType, 'webapp');
    const active = await until(() => vscode.window.activeTextEditor, 'an active editor');
    assert.equal(active.document.uri.toString(), appUri('calculator', 'index.html').toString());
    const api = await getApi();
    assert.deepEqual(api.appsTree.getChildren().map((n) => n.uri.path), ['/calculator']);
  });

  it('deploys what the editor holds (unsaved edits included) and the preview shows it after the health check', async () => {
    const editor = await until(() => vscode.window.activeTextEditor, 'the main file’s editor');
    const text = editor.document.getText();
    const at = text.indexOf('<h1>Calculator</h1>');
    assert.ok(at > 0);
    await editor.edit((e) => e.replace(new vscode.Range(editor.document.positionAt(at), editor.document.positionAt(at + '<h1>Calculator</h1>'.length)), '<h1>Edited Calculator</h1>'));
    assert.equal(editor.document.isDirty, true);

    const r = await vscode.commands.executeCommand<DeployResult>('spawnApp.deploy', { appId: spawned.appId, confirm: true });
    const api = await getApi();
    assert.ok(r, `deploy returned a result (last error: ${api.testing.reporter.lastError?.message})`);
    deployed = r;
    assert.equal(deployed.provider, 'local');
    assert.equal(deployed.redeployed, false);
    assert.equal(editor.document.isDirty, false, 'deploy saved the editor first');
    const page = await fetchText(deployed.url);
    assert.equal(page.status, 200);
    assert.match(page.text, /<h1>Edited Calculator<\/h1>/);

    const panel = await until(() => api.previews.get(spawned.appId), 'the preview panel');
    const state = await until(() => (panel.current?.status === 'running' && panel.current.url ? panel.current : undefined), 'the preview to show the running app');
    assert.deepEqual([...state.actions].sort(), ['copyUrl', 'destroy', 'openInBrowser', 'openInIntegratedBrowser', 'refine', 'reload', 'showLogs']);
    // The first webview of a fresh host loads the workbench's webview code cold: seen past 15 s on a loaded 2-core machine.
    await until(() => panel.isReady, 'the webview ready handshake', 45_000);
    const tab = vscode.window.tabGroups.all.flatMap((g) => g.tabs).find((t) => t.input instanceof vscode.TabInputWebview && t.input.viewType.endsWith('spawnApp.preview'));
    assert.ok(tab, 'a spawnApp.preview webview tab is open');
    assert.equal(tab.label, 'Preview: calculator');

    // The webview is locked down: a nonce for its one script, frames only from the app's origin, media/ only.
    const html = panel.panel.webview.html;
    const csp = /http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html)?.[1] ?? '';
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /script-src 'nonce-[A-Za-z0-9]{16,}'/);
    assert.equal(csp.includes('unsafe-inline'), false);
    assert.equal(/frame-src ([^;]+)/.exec(csp)?.[1], new URL(state.url!).origin);
    const nonce = /'nonce-([A-Za-z0-9]+)'/.exec(csp)![1];
    assert.match(html, new RegExp(`<script nonce="${nonce}" src="[^"]+/media/preview\\.js"`));
    assert.deepEqual(panel.panel.webview.options.localResourceRoots?.map((u) => u.path.split('/').slice(-1)[0]), ['media']);
  });

  it('opens the app in the integrated (Simple) browser', async () => {
    await deploy();
    await vscode.commands.executeCommand('spawnApp.sandbox.openInIntegratedBrowser', { sandboxId: deployed.sandboxId });
    await until(
      () => vscode.window.tabGroups.all.flatMap((g) => g.tabs).find((t) => t.input instanceof vscode.TabInputWebview && t.input.viewType.endsWith('simpleBrowser.view')),
      'a Simple Browser tab',
    );
  });

  it('a preview restored after a window reload (the serializer) shows the app again', async () => {
    await deploy();
    const api = await getApi();
    api.previews.close(spawned.appId);
    await until(() => api.previews.get(spawned.appId) === undefined, 'the panel to close');
    // What VS Code does on reload: it creates the panel and hands it to the serializer with the saved state.
    const restored = vscode.window.createWebviewPanel('spawnApp.preview', 'Preview', vscode.ViewColumn.Beside, { enableScripts: true });
    await api.previews.deserializeWebviewPanel(restored, { appId: spawned.appId });
    const panel = api.previews.get(spawned.appId);
    assert.equal(panel?.panel, restored);
    // The panel sets its page again when no "ready" comes within 4 s (previewPanel.ts): the wait covers a few of those.
    await until(() => panel?.current?.status === 'running' && panel.current.url && panel.isReady, 'the restored preview to show the app', 30_000).catch((err: Error) => {
      throw new Error(`${err.message}; state ${JSON.stringify(panel?.current)} ready ${panel?.isReady}`);
    });
    const gone = vscode.window.createWebviewPanel('spawnApp.preview', 'Preview', vscode.ViewColumn.Beside, { enableScripts: true });
    let disposed = false;
    gone.onDidDispose(() => (disposed = true));
    await api.previews.deserializeWebviewPanel(gone, { appId: 'no-such-app' });
    assert.equal(disposed, true, 'a panel whose app is gone is closed');
  });

  it('creates, renames and deletes files through the file system; a redeploy updates the running sandbox', async () => {
    await deploy();
    await writeText(appUri('calculator', 'about.html'), '<p>About page</p>');
    await vscode.workspace.fs.createDirectory(appUri('calculator', 'docs'));
    await writeText(appUri('calculator', 'docs/notes.html'), '<p>Notes</p>');
    const rename = new vscode.WorkspaceEdit();
    rename.renameFile(appUri('calculator', 'about.html'), appUri('calculator', 'info.html'));
    assert.equal(await vscode.workspace.applyEdit(rename), true);
    await writeText(appUri('calculator', 'gone.txt'), 'x');
    await vscode.workspace.fs.delete(appUri('calculator', 'gone.txt'));
    await assert.rejects(Promise.resolve(vscode.workspace.fs.stat(appUri('calculator', 'gone.txt'))), (err: unknown) => err instanceof vscode.FileSystemError && err.code === 'FileNotFound');
    await assert.rejects(Promise.resolve(vscode.workspace.fs.delete(appUri('calculator', 'spawn-app.json'))), (err: unknown) => err instanceof vscode.FileSystemError && err.code === 'NoPermissions');

    // deploy once with about.html so the redeploy has something stale to remove
    const r = await vscode.commands.executeCommand<DeployResult>('spawnApp.deploy', { appId: spawned.appId, confirm: true });
    assert.ok(r);
    assert.equal(r.redeployed, true);
    assert.equal(r.sandboxId, deployed.sandboxId, 'same sandbox');
    assert.equal(r.url, deployed.url, 'same URL');
    assert.match((await fetchText(`${r.url}/info.html`)).text, /About page/);
    assert.match((await fetchText(`${r.url}/docs/notes.html`)).text, /Notes/);

    const del = new vscode.WorkspaceEdit();
    del.deleteFile(appUri('calculator', 'info.html'));
    assert.equal(await vscode.workspace.applyEdit(del), true);
    await writeText(appUri('calculator', 'index.html'), (await readText(appUri('calculator', 'index.html'))).replace('<h1>Calculator</h1>', '<h1>Edited Twice</h1>'));
    const r2 = await vscode.commands.executeCommand<DeployResult>('spawnApp.deploy', { appId: spawned.appId, confirm: true });
    assert.ok(r2);
    assert.equal(r2.sandboxId, deployed.sandboxId);
    assert.match((await fetchText(r2.url)).text, /Edited Twice/);
    assert.equal((await fetchText(`${r2.url}/info.html`)).status, 404, 'a deleted file is gone from the sandbox too');
    const api = await getApi();
    assert.equal(api.registry.list().length, 1, 'still one sandbox');
  });

  it('creates, renames and deletes files from the Apps view commands', async () => {
    const api = await getApi();
    const appNode = api.appsTree.getChildren().find((n) => n.uri.path === '/calculator')!;
    const created = await vscode.commands.executeCommand<vscode.Uri>('spawnApp.file.new', appNode, { name: 'lib/extra.js' });
    assert.equal(created?.toString(), appUri('calculator', 'lib/extra.js').toString());
    assert.equal(vscode.window.activeTextEditor?.document.uri.toString(), created.toString());
    const renamed = await vscode.commands.executeCommand<vscode.Uri>('spawnApp.file.rename', { uri: created, kind: 'file' }, { name: 'more.js' });
    assert.equal(renamed?.path, '/calculator/lib/more.js');
    assert.equal(vscode.window.activeTextEditor?.document.uri.path, '/calculator/lib/more.js', 'the open editor follows the rename');
    assert.equal(await vscode.commands.executeCommand('spawnApp.file.delete', { uri: appUri('calculator', 'lib'), kind: 'folder' }, { confirm: true }), true);
    await assert.rejects(Promise.resolve(vscode.workspace.fs.stat(appUri('calculator', 'lib'))));
    assert.equal(await vscode.commands.executeCommand('spawnApp.file.new', appNode, { name: '../escape.js' }), undefined);
    assert.equal(api.testing.reporter.lastError?.command, 'spawnApp.file.new');
    assert.equal(api.testing.reporter.lastError?.code, 'usage');
  });

  it('saves the app (with its manifest) to a folder', async () => {
    const index = appUri('calculator', 'index.html');
    await writeText(index, (await readText(index)).replace('<h1>Calculator</h1>', '<h1>Edited Twice</h1>'));
    await vscode.workspace.fs.createDirectory(appUri('calculator', 'docs'));
    await writeText(appUri('calculator', 'docs/notes.html'), '<p>Notes</p>');
    const dir = path.join(tmp, 'saved');
    const r = await vscode.commands.executeCommand<{ folder: string }>('spawnApp.saveToFolder', { appId: spawned.appId, folder: dir });
    assert.equal(r?.folder, dir);
    assert.match(readFileSync(path.join(dir, 'index.html'), 'utf8'), /Edited Twice/);
    assert.ok(existsSync(path.join(dir, 'docs/notes.html')));
    const manifest = JSON.parse(readFileSync(path.join(dir, 'spawn-app.json'), 'utf8')) as { generator: string; startCommand: string };
    assert.equal(manifest.startCommand, 'node server.js');
    assert.equal(manifest.generator, 'templates');
  });

  it('shows a failed start with its output and actions, and Retry (deploy) recovers', async () => {
    await deploy();
    const manifestUri = appUri('calculator', 'spawn-app.json');
    const good = await readText(manifestUri);
    await writeText(manifestUri, good.replace('"node server.js"', '"echo starting up; node -e \\"process.exit(3)\\""'));
    const failed = await vscode.commands.executeCommand<DeployResult | undefined>('spawnApp.deploy', { appId: spawned.appId, confirm: true });
    assert.equal(failed, undefined);
    const api = await getApi();
    assert.equal(api.testing.reporter.lastError?.code, 'deploy.start_failed');
    const entry = api.registry.forApp(spawned.appId)!;
    assert.equal(entry.status, 'failed');
    assert.match(entry.error?.detail ?? '', /starting up/);
    const panel = api.previews.get(spawned.appId)!;
    const state = await until(() => (panel.current?.status === 'failed' ? panel.current : undefined), 'the preview to show the failure');
    assert.match(state.error?.message ?? '', /exited before it answered/);
    assert.deepEqual([...state.actions].sort(), ['destroy', 'fix', 'retry', 'showLogs']);
    assert.equal(state.url, undefined, 'no frame for a failed app');

    await writeText(manifestUri, good);
    const again = await vscode.commands.executeCommand<DeployResult>('spawnApp.deploy', { appId: spawned.appId, confirm: true });
    assert.ok(again);
    assert.equal(again.sandboxId, deployed.sandboxId, 'retried in the same sandbox');
    assert.ok(await answers(again.url));
    await until(() => panel.current?.status === 'running', 'the preview to show the app again');
  });
});
