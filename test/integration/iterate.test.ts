/**
 * The iterate loop in the real VS Code: Refine (diff → accept/reject → redeploy), Fix with Claude (and its cap),
 * hot redeploy on save, and versions. Claude is the fake Anthropic API on loopback (its answers are the
 * `update_app` patches queued here), apps run on the local runner.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as vscode from 'vscode';
import { AppTree } from '../../src/core/workspace/appTree';
import { nullLogger } from '../../src/core/base/events';
import { AppPersistence } from '../../src/vscode/fs/appPersistence';
import { AppHistory } from '../../src/vscode/iterate/history';
import { FakeAnthropic } from '../fakes/fakeAnthropic';
import type { SpawnResult } from './helpers';
import { answers, appUri, fetchText, getApi, readText, reset, setSetting, spawnCalculator, until, withCheck, writeText } from './helpers';
import type { IterateResult } from '../../src/vscode/iterate/appIterator';

const SNAPSHOT = 'spawnapp-snapshot';

function tabs(): vscode.Tab[] {
  return vscode.window.tabGroups.all.flatMap((g) => g.tabs);
}

function proposalDiffTab(): vscode.Tab | undefined {
  return tabs().find((t) => t.input instanceof vscode.TabInputTextDiff && t.input.modified.scheme === SNAPSHOT);
}

describe('iterate: refine, fix, hot redeploy, versions (fake Anthropic, local runner)', function () {
  this.timeout(120_000);
  let fake: FakeAnthropic;
  let spawned: SpawnResult;
  let url: string;
  let generatedIndex: string;
  let goodServer: string;

  before(async () => {
    fake = await FakeAnthropic.start();
    await setSetting('anthropicBaseUrl', fake.url);
    await vscode.commands.executeCommand('spawnApp.setAnthropicApiKey', { value: 'sk-ant-iterate-0123456789' });
  });
  // Each test starts from its own freshly generated and deployed calculator (none relies on another's leftovers).
  beforeEach(async () => {
    fake.reset();
    await reset();
    const r = await spawnCalculator({ deploy: true, confirm: true });
    assert.ok(r?.url, `the calculator runs (last error: ${(await getApi()).testing.reporter.lastError?.message})`);
    spawned = r;
    url = r.url!;
    generatedIndex = await readText(appUri('calculator', 'index.html'));
    goodServer = await readText(appUri('calculator', 'server.js'));
  });
  after(async () => {
    await reset();
    await setSetting('anthropicBaseUrl', undefined);
    await setSetting('autoFix', undefined);
    await setSetting('fixAttempts', undefined);
    await setSetting('autoVerifyFix', undefined);
    await vscode.commands.executeCommand('spawnApp.setAnthropicApiKey', { clear: true });
    await fake.close();
  });

  const entry = async () => (await getApi()).registry.forApp(spawned.appId)!;
  const versionsOf = async () => {
    const api = await getApi();
    return api.testing.iterate.history.list(api.tree.app(spawned.appId)!);
  };

  it('refine: Claude gets the unsaved edit, the change shows as a diff, Accept updates the file and the running app in place', async () => {
    const api = await getApi();
    const doc = await vscode.workspace.openTextDocument(appUri('calculator', 'index.html'));
    const editor = await vscode.window.showTextDocument(doc);
    await editor.edit((e) => e.insert(new vscode.Position(0, 0), '<!-- my own edit -->\n'));
    assert.equal(doc.isDirty, true);
    const proposed = doc.getText().replace('<h1>Calculator</h1>', '<h1>Calculator</h1>\n    <p id="tagline">Now with a tagline</p>');
    fake.enqueue({ kind: 'ok', input: { summary: 'Adds a tagline.', changes: [{ path: 'index.html', content: proposed }], deletions: [] } });
    const before = await entry();
    const pid = before.deployment!.process.pid;

    const running = Promise.resolve(vscode.commands.executeCommand<IterateResult>('spawnApp.refine', { appId: spawned.appId, followUp: 'add a tagline' }));
    const tab = await until(proposalDiffTab, 'the proposed change as a diff editor');
    const input = tab.input as vscode.TabInputTextDiff;
    assert.equal(input.original.toString(), appUri('calculator', 'index.html').toString(), 'left: the current virtual file');
    assert.equal(input.modified.path, '/calculator/index.html');
    assert.equal((await vscode.workspace.openTextDocument(input.modified)).getText(), proposed, 'right: what Claude proposes');
    const request = fake.messageRequests().at(-1)!;
    assert.match(JSON.stringify(request.body), /my own edit/, 'the request carries the edit the user had not saved');
    assert.match(JSON.stringify(request.body), /add a tagline/);
    assert.equal((request.body!.tool_choice as { name: string }).name, 'update_app');
    assert.equal(doc.isDirty, false, 'the edit was saved before Claude read the files');
    assert.equal(await vscode.commands.executeCommand('spawnApp.proposal.accept'), true);

    const r = await running;
    assert.ok(r, `refine returned (last error: ${api.testing.reporter.lastError?.message})`);
    assert.equal(r.accepted, true);
    assert.deepEqual(r.changed, ['index.html']);
    assert.equal(r.deploy?.redeployed, true, `redeployed (deploy ${JSON.stringify(r.deploy)}, last error: ${api.testing.reporter.lastError?.message})`);
    assert.equal(r.deploy?.restarted, false, 'a static file needs no restart');
    assert.equal(await readText(appUri('calculator', 'index.html')), proposed);
    assert.match((await fetchText(url)).text, /Now with a tagline/, 'the running app serves the change');
    const after = await entry();
    assert.equal(after.id, before.id, 'same sandbox');
    assert.equal(after.deployment?.process.pid, pid, 'same process');
    await until(() => !proposalDiffTab(), 'the diff to close');
    const panel = api.previews.get(spawned.appId)!;
    await until(() => panel.current?.status === 'running' && panel.current.url, 'the preview to show the app again');
    assert.ok(panel.current!.actions.includes('refine'), 'the preview toolbar offers Refine');
    const versions = await versionsOf();
    assert.equal(versions[0]!.kind, 'generated');
    const refined = versions.at(-1)!;
    assert.equal(refined.kind, 'refined');
    assert.equal(refined.label, 'add a tagline');
    assert.ok(refined.deployedAt, 'the refined version is marked deployed');
    // The user's edit before the change is a version of its own (here: deployed by the save before the request).
    assert.ok(versions.at(-2)!.files.some((f) => f.path === 'index.html' && f.content.startsWith('<!-- my own edit -->') && !f.content.includes('tagline')));
  });

  it('refine: Reject changes nothing (files, app, versions)', async () => {
    const api = await getApi();
    const app = api.tree.app(spawned.appId)!;
    const files = api.tree.serializeApp(app).files;
    const versions = (await versionsOf()).length;
    const pid = (await entry()).deployment!.process.pid;
    fake.enqueue({ kind: 'ok', input: { summary: 'Strips the app.', changes: [{ path: 'index.html', content: '<h1>Gone</h1>' }, { path: 'extra.html', content: 'x' }], deletions: ['app.js'] } });
    const running = Promise.resolve(vscode.commands.executeCommand<IterateResult>('spawnApp.refine', { appId: spawned.appId, followUp: 'strip it down' }));
    // Three files: VS Code's multi-file changes editor, titled after the request.
    await until(() => tabs().find((t) => t.label.includes('strip it down')), 'the changes editor');
    assert.equal(await vscode.commands.executeCommand('spawnApp.proposal.reject', { appId: spawned.appId }), true);
    const r = await running;
    assert.equal(r?.accepted, false);
    assert.deepEqual(r.deleted, ['app.js']);
    assert.deepEqual(api.tree.serializeApp(app).files, files, 'the virtual files are as they were');
    assert.equal((await versionsOf()).length, versions);
    assert.doesNotMatch((await fetchText(url)).text, /Gone/);
    assert.equal((await entry()).deployment!.process.pid, pid, 'nothing was redeployed');
    await until(() => !tabs().some((t) => t.label.includes('strip it down')), 'the changes editor to close');
  });

  it('a crashing start → Fix with Claude (the failing output is sent) → the fixed app answers', async () => {
    const api = await getApi();
    await writeText(appUri('calculator', 'server.js'), `throw new Error('boom: config.json is missing');\n${goodServer}`);
    assert.equal(await vscode.commands.executeCommand('spawnApp.deploy', { appId: spawned.appId, confirm: true }), undefined);
    assert.equal(api.testing.reporter.lastError?.code, 'deploy.start_failed');
    assert.ok(api.testing.reporter.lastError?.actions.includes('Fix with Claude'), 'the error notification offers Fix with Claude');
    assert.equal((await entry()).status, 'failed');
    const panel = api.previews.get(spawned.appId)!;
    await until(() => panel.current?.status === 'failed' && panel.current.actions.includes('fix'), 'the preview to offer Fix with Claude');

    fake.enqueue({ kind: 'ok', input: { summary: 'Removes the throw.', changes: [{ path: 'server.js', content: goodServer }], deletions: [] } });
    const r = await vscode.commands.executeCommand<IterateResult & { attempts: number }>('spawnApp.fix', { appId: spawned.appId, decision: 'accept', confirm: true });
    assert.ok(r, `fix returned (last error: ${api.testing.reporter.lastError?.message})`);
    assert.equal(r.accepted, true);
    assert.equal(r.attempts, 1);
    const sent = JSON.stringify(fake.messageRequests().at(-1)!.body);
    assert.match(sent, /boom: config\.json is missing/, 'the failing output was sent');
    assert.match(sent, /app start failed/);
    assert.equal(await readText(appUri('calculator', 'server.js')), goodServer);
    assert.equal((await entry()).status, 'running');
    assert.ok(await answers(url), 'the fixed app answers');
    assert.equal((await versionsOf()).at(-1)!.kind, 'fixed');
  });

  it('the fix loop stops at the cap (autoFix: 2 attempts in a row, with their cost)', async () => {
    const api = await getApi();
    await setSetting('autoFix', true);
    await setSetting('fixAttempts', 2);
    try {
      await writeText(appUri('calculator', 'server.js'), `throw new Error('boom 1');\n${goodServer}`);
      assert.equal(await vscode.commands.executeCommand('spawnApp.deploy', { appId: spawned.appId, confirm: true }), undefined);
      fake.enqueue(
        { kind: 'ok', input: { summary: 'Try 1.', changes: [{ path: 'server.js', content: `throw new Error('boom 2');\n${goodServer}` }], deletions: [] } },
        { kind: 'ok', input: { summary: 'Try 2.', changes: [{ path: 'server.js', content: `throw new Error('boom 3');\n${goodServer}` }], deletions: [] } },
        { kind: 'ok', input: { summary: 'Never asked.', changes: [{ path: 'server.js', content: goodServer }], deletions: [] } },
      );
      const r = await vscode.commands.executeCommand('spawnApp.fix', { appId: spawned.appId, confirm: true });
      assert.equal(r, undefined);
      const requests = fake.messageRequests();
      assert.equal(requests.length, 2, 'two attempts, then it stopped');
      assert.match(JSON.stringify(requests[1]!.body), /boom 2/, 'the second attempt sent the first fix’s failure');
      assert.match(api.testing.reporter.lastError?.message ?? '', /Stopped after 2 fix attempts in a row \(\$[0-9.]+\)/);
      assert.equal(api.testing.iterate.fixLoop(api.tree.app(spawned.appId)!)?.attempts, 2);
      assert.match(await readText(appUri('calculator', 'server.js')), /boom 3/);
    } finally {
      await setSetting('autoFix', undefined);
      await setSetting('fixAttempts', undefined);
    }
    await writeText(appUri('calculator', 'server.js'), goodServer);
    assert.ok(await vscode.commands.executeCommand('spawnApp.deploy', { appId: spawned.appId, confirm: true }));
    assert.equal(api.testing.iterate.fixLoop(api.tree.app(spawned.appId)!), undefined, 'the app came up: the loop is over');
  });

  it('hot redeploy: a saved static file is served within a second without a restart; saved server code restarts', async () => {
    const api = await getApi();
    const before = await entry();
    assert.equal(before.status, 'running');
    const pid = before.deployment!.process.pid;
    const redeploys: { restarted: boolean; ms: number }[] = [];
    const sub = api.testing.hotRedeploy.onDidRedeploy((e) => redeploys.push(e));
    try {
      const doc = await vscode.workspace.openTextDocument(appUri('calculator', 'index.html'));
      const editor = await vscode.window.showTextDocument(doc);
      const at = doc.getText().indexOf('<h1>Calculator</h1>');
      await editor.edit((e) => e.replace(new vscode.Range(doc.positionAt(at), doc.positionAt(at + '<h1>Calculator</h1>'.length)), '<h1>Hot Calculator</h1>'));
      const t0 = Date.now();
      await doc.save();
      await until(async () => /Hot Calculator/.test((await fetchText(url)).text), 'the saved edit to be served');
      const ms = Date.now() - t0;
      // The target (≤ 1000 ms) is npm run bench's "Hot redeploy" table, not a bound here (a shared machine).
      console.log(`      hot redeploy: the saved edit was served ${ms} ms after the save`);
      await until(() => redeploys.length === 1, 'the hot redeploy to finish');
      assert.equal(redeploys[0]!.restarted, false);
      const after = await entry();
      assert.equal(after.id, before.id, 'same sandbox');
      assert.equal(after.deployment?.process.pid, pid, 'same process: no restart');

      // Saves in quick succession (two edited files saved at once) make one redeploy. Exactly these two documents are
      // saved: Save All would also save whatever earlier suites left dirty, and fail on a file of an app they deleted.
      const edited: vscode.TextDocument[] = [];
      for (const rel of ['style.css', 'app.js']) {
        const d = await vscode.workspace.openTextDocument(appUri('calculator', rel));
        const ed = await vscode.window.showTextDocument(d);
        await ed.edit((e) => e.insert(new vscode.Position(0, 0), `/* saved together: ${rel} */\n`));
        edited.push(d);
      }
      assert.deepEqual(await Promise.all(edited.map((d) => d.save())), [true, true]);
      await until(async () => /saved together: style\.css/.test((await fetchText(`${url}/style.css`)).text) && /saved together: app\.js/.test((await fetchText(`${url}/app.js`)).text), 'both saved files to be served');
      await until(() => redeploys.length >= 2, 'the redeploy of both');

      const server = await vscode.workspace.openTextDocument(appUri('calculator', 'server.js'));
      const serverEditor = await vscode.window.showTextDocument(server);
      await serverEditor.edit((e) => e.insert(new vscode.Position(0, 0), '// restarted by a save\n'));
      await server.save();
      await until(async () => (await entry()).status === 'running' && (await entry()).deployment!.process.pid !== pid, 'the app to restart with the new server code');
      assert.ok(await answers(url));
      assert.equal((await entry()).id, before.id, 'still the same sandbox');
      await until(() => redeploys.some((r) => r.restarted), 'the hot redeploy of the server code');
      // A second redeploy for the Save All would have come before this one (saves are handled in order).
      assert.deepEqual(redeploys.map((r) => r.restarted), [false, false, true], 'two saves at once made one redeploy; the server edit the next');
    } finally {
      sub.dispose();
    }
  });

  it('a deploy whose page throws is fixed before the user asks (one round with a key): the fixed files are in the editor, the preview says verified', () => withCheck(async () => {
    const api = await getApi();
    const original = await readText(appUri('calculator', 'app.js'));
    await writeText(appUri('calculator', 'app.js'), `throw new Error('broken at load');\n${original}`);
    fake.enqueue({ kind: 'ok', input: { summary: 'Removes the throw.', changes: [{ path: 'app.js', content: original }], deletions: [] } });
    const spentBefore = api.testing.spendingCap.budget().today().usd;
    const generationBefore = api.sessionCost.total().generation;
    const r = await vscode.commands.executeCommand<{ url: string }>('spawnApp.deploy', { appId: spawned.appId, confirm: true });
    assert.ok(r, `deployed (last error: ${api.testing.reporter.lastError?.message})`);
    // The round's request is charged to today's spend once (by the session), and shown in the window's total.
    const fixUsd = api.sessionCost.total().generation - generationBefore;
    assert.ok(fixUsd > 0, 'the fix round cost something');
    await api.testing.spendingCap.sync();
    const charged = api.testing.spendingCap.budget().today().usd - spentBefore;
    assert.ok(Math.abs(charged - fixUsd) < 1e-9, `charged $${charged} for a $${fixUsd} fix round`);
    const request = fake.messageRequests().at(-1);
    assert.ok(request, 'the problems went to the model');
    assert.match(JSON.stringify(request.body), /broken at load/);
    assert.equal(await readText(appUri('calculator', 'app.js')), original, 'the fix round\'s change is the editor\'s file too');
    const panel = api.previews.get(spawned.appId)!;
    await until(() => panel.current?.check?.state === 'verified', 'the preview to say verified after the fix round');
  }));

  it('autoVerifyFix 0: a page that throws keeps its problems; Fix with Claude (the preview, the Sandboxes item) sends them with the screenshot → the diff → Accept → verified', () => withCheck(async () => {
    const api = await getApi();
    await setSetting('autoVerifyFix', 0);
    try {
      const original = await readText(appUri('calculator', 'app.js'));
      await writeText(appUri('calculator', 'app.js'), `throw new Error('broken at load');\n${original}`);
      const r = await vscode.commands.executeCommand<{ sandboxId: string }>('spawnApp.deploy', { appId: spawned.appId, confirm: true });
      assert.ok(r, `deployed (last error: ${api.testing.reporter.lastError?.message})`);
      assert.equal(fake.messageRequests().length, 0, 'no automatic round with autoVerifyFix 0');
      const panel = api.previews.get(spawned.appId)!;
      await until(() => panel.current?.check?.state === 'problems' && panel.current.actions.includes('fix'), 'the preview to offer Fix with Claude beside its problems');
      const itemOf = () => api.sandboxTree.getTreeItem(api.sandboxTree.getChildren().find((n) => api.sandboxTree.getTreeItem(n).id === `sandbox:${r.sandboxId}`)!);
      assert.equal(itemOf().contextValue, 'sandbox:running:local:fix', 'the Sandboxes item offers Fix with Claude');

      fake.enqueue({ kind: 'ok', input: { summary: 'Removes the throw.', changes: [{ path: 'app.js', content: original }], deletions: [] } });
      const running = Promise.resolve(vscode.commands.executeCommand<IterateResult & { attempts: number }>('spawnApp.fix', { appId: spawned.appId, confirm: true }));
      const tab = await until(proposalDiffTab, 'the proposed fix as a diff editor');
      assert.equal((tab.input as vscode.TabInputTextDiff).modified.path, '/calculator/app.js');
      const sent = fake.messageRequests().at(-1)!.body!;
      const text = JSON.stringify(sent);
      assert.match(text, /broken at load/, 'the problem was sent');
      assert.match(text, /app\.js:1/, 'with its file and line');
      assert.match(text, /The user asked for: a calculator/, 'with what the user asked for');
      const content = (sent.messages as { content: { type: string; source?: { media_type?: string } }[] }[])[0]!.content;
      assert.ok(content.some((b) => b.type === 'image' && b.source?.media_type === 'image/png'), 'and the screenshot, to a model that takes images');
      assert.equal(await vscode.commands.executeCommand('spawnApp.proposal.accept'), true);

      const fixed = await running;
      assert.ok(fixed, `fix returned (last error: ${api.testing.reporter.lastError?.message})`);
      assert.equal(fixed.accepted, true);
      assert.deepEqual(fixed.changed, ['app.js']);
      assert.equal(fixed.attempts, 1);
      assert.equal(fixed.deploy?.redeployed, true, 'redeployed in place');
      assert.equal(await readText(appUri('calculator', 'app.js')), original);
      await until(() => panel.current?.check?.state === 'verified', 'the preview to say verified');
      assert.match(panel.current!.check!.line, /^Verified in a browser at /);
      assert.ok(!panel.current!.actions.includes('fix'), 'nothing left to fix');
      assert.equal(itemOf().contextValue, 'sandbox:running:local');
      assert.equal((await versionsOf()).at(-1)!.kind, 'fixed');
      assert.equal(api.testing.iterate.fixLoop(api.tree.app(spawned.appId)!), undefined, 'verified: the fix loop is over');
      const again = await vscode.commands.executeCommand('spawnApp.fix', { appId: spawned.appId, confirm: true });
      assert.equal(again, undefined);
      assert.match(api.testing.reporter.lastError?.message ?? '', /calculator has nothing to fix/);
    } finally {
      await setSetting('autoVerifyFix', undefined);
    }
  }));

  it('the automatic round used up and the page still throws: Fix with Claude is offered (the preview, the Sandboxes item)', () => withCheck(async () => {
    const api = await getApi();
    const original = await readText(appUri('calculator', 'app.js'));
    await writeText(appUri('calculator', 'app.js'), `throw new Error('broken at load');\n${original}`);
    fake.enqueue({ kind: 'ok', input: { summary: 'A try that still throws.', changes: [{ path: 'app.js', content: `throw new Error('still broken');\n${original}` }], deletions: [] } });
    const r = await vscode.commands.executeCommand<{ sandboxId: string }>('spawnApp.deploy', { appId: spawned.appId, confirm: true });
    assert.ok(r, `deployed (last error: ${api.testing.reporter.lastError?.message})`);
    assert.equal(fake.messageRequests().length, 1, 'one round on its own (the default with a key)');
    const panel = api.previews.get(spawned.appId)!;
    await until(() => panel.current?.check?.problems.some((p) => /still broken/.test(p)) && panel.current.actions.includes('fix'), 'the preview to offer Fix with Claude for what the round left');
    const node = api.sandboxTree.getChildren().find((n) => api.sandboxTree.getTreeItem(n).id === `sandbox:${r.sandboxId}`)!;
    assert.equal(api.sandboxTree.getTreeItem(node).contextValue, 'sandbox:running:local:fix');
  }));

  it('Fix with Claude after the automatic round: one request, the one the user reviews; its deploy runs no unreviewed round of its own', () => withCheck(async () => {
    const api = await getApi();
    const original = await readText(appUri('calculator', 'app.js'));
    await writeText(appUri('calculator', 'app.js'), `throw new Error('broken at load');\n${original}`);
    fake.enqueue({ kind: 'ok', input: { summary: 'A try that still throws.', changes: [{ path: 'app.js', content: `throw new Error('still broken');\n${original}` }], deletions: [] } });
    const r = await vscode.commands.executeCommand<{ sandboxId: string }>('spawnApp.deploy', { appId: spawned.appId, confirm: true });
    assert.ok(r, `deployed (last error: ${api.testing.reporter.lastError?.message})`);
    assert.equal(fake.messageRequests().length, 1, 'one round on its own (the default with a key)');
    // The user's fix, reviewed and accepted, still leaves a problem.
    fake.enqueue({ kind: 'ok', input: { summary: 'Another try.', changes: [{ path: 'app.js', content: `throw new Error('broken again');\n${original}` }], deletions: [] } });
    fake.enqueue({ kind: 'ok', input: { summary: 'Unreviewed.', changes: [{ path: 'app.js', content: `throw new Error('never reviewed');\n${original}` }], deletions: [] } });
    const fixed = await vscode.commands.executeCommand<IterateResult & { attempts: number }>('spawnApp.fix', { appId: spawned.appId, decision: 'accept', confirm: true });
    assert.ok(fixed, `fix returned (last error: ${api.testing.reporter.lastError?.message})`);
    assert.equal(fake.messageRequests().length, 2, 'the one request the user reviewed (an automatic round in its deploy is a change nobody reviewed, and a cost the fix loop does not show)');
    assert.match(await readText(appUri('calculator', 'app.js')), /broken again/, 'the app holds the change the user accepted');
  }));

  it('versions: a Versions node in the Apps view; compare opens a diff; going back restores the old content (and the app)', async () => {
    const api = await getApi();
    const app = api.tree.app(spawned.appId)!;
    // A change of its own, deployed: v1 (generated) and the deployed edit.
    const index = appUri('calculator', 'index.html');
    await writeText(index, (await readText(index)).replace('<h1>Calculator</h1>', '<h1>Hot Calculator</h1>'));
    assert.ok(await vscode.commands.executeCommand('spawnApp.deploy', { appId: spawned.appId, confirm: true }));
    const appNode = api.appsTree.getChildren().find((n) => n.uri.path === '/calculator')!;
    const versionsNode = api.appsTree.getChildren(appNode)[0]!;
    assert.equal(versionsNode.kind, 'versions');
    assert.equal(api.appsTree.getTreeItem(versionsNode).label, 'Versions');
    const versionNodes = api.appsTree.getChildren(versionsNode);
    assert.equal(versionNodes.length, (await versionsOf()).length);
    const first = versionNodes.at(-1)!;
    assert.equal(first.versionId, 1);
    assert.match(String(api.appsTree.getTreeItem(first).label), /^v1 · generated$/);
    // Saved with the app's draft record (its `versions` section), and restored from it after a reload.
    const record = api.testing.drafts.recordOf(app);
    assert.deepEqual(record.versions, await versionsOf(), 'versions are saved with the app record');
    const folder = mkdtempSync(path.join(os.tmpdir(), 'spawn-versions-'));
    try {
      mkdirSync(path.join(folder, 'apps'));
      writeFileSync(path.join(folder, 'apps', `${app.id}.json`), JSON.stringify(record));
      const tree = new AppTree();
      const history = new AppHistory(tree, api.registry, nullLogger);
      const drafts = new AppPersistence(tree, folder, nullLogger);
      drafts.addSection(history);
      assert.equal(drafts.load(), 1);
      assert.deepEqual(history.list(tree.app(app.id)!), await versionsOf(), 'restored after a reload');
      drafts.dispose();
      history.dispose();
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }

    const compared = await vscode.commands.executeCommand<{ differing: number }>('spawnApp.version.compare', first);
    assert.equal(compared?.differing, 1, 'v1 differs from now in index.html');
    await until(() => tabs().find((t) => t.label.includes('v1 · generated')), 'the comparison editor');
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');

    const n = (await versionsOf()).length;
    const back = await vscode.commands.executeCommand<{ versionId: number; redeployed: boolean }>('spawnApp.version.restore', first, { confirm: true });
    assert.ok(back, `restore returned (last error: ${api.testing.reporter.lastError?.message})`);
    assert.equal(back.redeployed, true);
    assert.equal(await readText(appUri('calculator', 'index.html')), generatedIndex);
    assert.equal(await readText(appUri('calculator', 'server.js')), goodServer);
    const page = (await fetchText(url)).text;
    assert.doesNotMatch(page, /Hot Calculator|tagline/, 'the running app serves v1 again');
    const kinds = (await versionsOf()).slice(n - 1).map((v) => v.kind);
    assert.equal(kinds.at(-1), 'restored');
    // Going back can be undone: the files from just before are a version too.
    const beforeBack = [...(await versionsOf())].reverse().find((v) => v.label === 'Before going back' || v.kind === 'deployed');
    assert.ok(beforeBack && beforeBack.files.some((f) => f.path === 'index.html' && f.content.includes('Hot Calculator')));
    await vscode.commands.executeCommand('spawnApp.showVersions', { appId: spawned.appId, versionId: beforeBack.id, action: 'restore', confirm: true });
    assert.match(await readText(appUri('calculator', 'index.html')), /Hot Calculator/);
    await until(async () => /Hot Calculator/.test((await fetchText(url)).text), 'the app to serve it again');
  });
});
