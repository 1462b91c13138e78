import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { findBrowser } from '../../src/core/verify';
import type { DeployResult, SpawnResult } from './helpers';
import { appUri, checkedInABrowser, getApi, readText, reset, setSetting, spawnCalculator, until, writeText } from './helpers';
import { NOT_CHECKED } from '../../src/core/session';
import { pngSize } from '../helpers/png';

describe('verified apps: where the user looks (the preview, the trees, the Versions list; issue 20)', function () {
  let spawned: SpawnResult;
  checkedInABrowser();

  before(function () {
    if (!findBrowser().path) {
      if (process.env.SPAWN_APP_REQUIRE_BROWSER === '1') throw new Error('No Chromium/Chrome/Edge on this machine, and SPAWN_APP_REQUIRE_BROWSER=1: install chromium.');
      this.skip();
    }
  });
  beforeEach(async () => {
    await reset();
    const r = await spawnCalculator();
    assert.ok(r);
    spawned = r;
  });
  after(() => reset());

  async function deploy(): Promise<DeployResult> {
    const r = await vscode.commands.executeCommand<DeployResult>('spawnApp.deploy', { appId: spawned.appId, confirm: true });
    assert.ok(r, `deployed (last error: ${(await getApi()).testing.reporter.lastError?.message})`);
    return r;
  }

  it('a clean deploy: the preview says verified with the time, the Sandboxes and Apps items say so, the version keeps a 1280×800 screenshot that opens', async () => {
    const r = await deploy();
    const api = await getApi();
    const panel = await until(() => api.previews.get(spawned.appId), 'the preview');
    const check = await until(() => panel.current?.check, 'the preview to show the verification');
    assert.equal(check.state, 'verified');
    assert.match(check.line, /^Verified in a browser at .+ \(\d+ ms\)$/);
    assert.deepEqual(check.problems, []);

    const sandboxNode = api.sandboxTree.getChildren().find((n) => api.sandboxTree.getTreeItem(n).id === `sandbox:${r.sandboxId}`);
    assert.ok(sandboxNode, 'the sandbox is listed');
    assert.match(String(api.sandboxTree.getTreeItem(sandboxNode).description), /running · verified/);
    const appNode = api.appsTree.getChildren().find((n) => n.uri.path === '/calculator')!;
    assert.match(String(api.appsTree.getTreeItem(appNode).description), /running · verified/);

    const history = api.testing.iterate.history;
    const app = api.tree.app(spawned.appId)!;
    const deployed = await until(() => history.list(app).find((v) => v.deployedAt && v.check?.screenshot), 'a deployed version with its screenshot');
    assert.equal(deployed.check!.state, 'verified');
    const shot = history.screenshotOf(app.id, deployed)!;
    const png = await until(() => Promise.resolve(vscode.workspace.fs.readFile(shot)).catch(() => undefined), 'the screenshot file');
    assert.deepEqual(pngSize(png), { width: 1280, height: 800 });
    const versionNode = api.appsTree.getChildren(api.appsTree.getChildren(appNode).find((n) => n.kind === 'versions')).find((n) => n.versionId === deployed.id)!;
    const item = api.appsTree.getTreeItem(versionNode);
    assert.equal(item.contextValue, 'appVersion:screenshot', 'Open Screenshot is offered on it');
    assert.match(String(item.description), /verified/);
    const opened = await vscode.commands.executeCommand<{ uri: string }>('spawnApp.version.openScreenshot', versionNode);
    assert.equal(opened?.uri, shot.toString());
    await until(() => vscode.window.tabGroups.all.flatMap((g) => g.tabs).some((t) => (t.input as { uri?: vscode.Uri } | undefined)?.uri?.toString() === shot.toString()), 'the screenshot open in a tab');
  });

  it('a page that throws at load: the preview lists the problem with its file and line, the items count it, and a fixed redeploy says verified again', async () => {
    await deploy();
    const original = await readText(appUri('calculator', 'app.js'));
    await writeText(appUri('calculator', 'app.js'), `throw new Error('the app broke at load');\n${original}`);
    await deploy();
    const api = await getApi();
    const panel = api.previews.get(spawned.appId)!;
    const check = await until(() => (panel.current?.check?.state === 'problems' ? panel.current.check : undefined), 'the preview to list the problem');
    assert.match(check.line, /^\d+ problems? found .* at /);
    assert.ok(check.problems.some((p) => /the app broke at load/.test(p) && /app\.js:1\b/.test(p)), `the problem, with app.js:1 (${check.problems.join(' | ')})`);
    const appNode = api.appsTree.getChildren().find((n) => n.uri.path === '/calculator')!;
    assert.match(String(api.appsTree.getTreeItem(appNode).description), /running · \d+ problems?/);

    await writeText(appUri('calculator', 'app.js'), original);
    await deploy();
    await until(() => panel.current?.check?.state === 'verified', 'verified again after the fix');
  });

  it('spawnApp.verifyDeploys off: no check (no verify step in the log), the preview and the Sandboxes item say the app was not checked; on again, the next deploy is checked', async () => {
    await setSetting('verifyDeploys', false);
    let r: DeployResult;
    try {
      r = await deploy();
    } finally {
      await setSetting('verifyDeploys', true);
    }
    const api = await getApi();
    const entry = api.registry.get(r.sandboxId)!;
    assert.equal(entry.status, 'running');
    assert.equal(entry.deployment?.verification, undefined, 'the deploy ran no check');
    assert.doesNotMatch(api.sandboxLogs.text(r.sandboxId), /Verification:|Checking the app in a browser/);
    const panel = await until(() => api.previews.get(spawned.appId), 'the preview');
    const check = await until(() => panel.current?.check, 'the preview to say the app was not checked');
    assert.deepEqual(check, { state: 'unchecked', line: NOT_CHECKED, problems: [] });
    const item = api.sandboxTree.getTreeItem(api.sandboxTree.getChildren().find((n) => api.sandboxTree.getTreeItem(n).id === `sandbox:${r.sandboxId}`)!);
    assert.doesNotMatch(String(item.description), /verified|problem|HTTP-checked/);
    assert.match((item.tooltip as vscode.MarkdownString).value, new RegExp(NOT_CHECKED.replace(/\./g, '\\.')));

    await deploy();
    await until(() => (panel.current?.check?.state === 'verified' ? true : undefined), 'the next deploy (the setting on) to be checked');
  });
});
