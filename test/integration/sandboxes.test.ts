import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import { answers, getApi, reset, spawnCalculator, until } from './helpers';

describe('the Sandboxes tree', () => {
  before(reset);
  after(reset);

  it('lists a running sandbox with its details, then destroys it from its item', async () => {
    const r = await spawnCalculator({ deploy: true, confirm: true });
    assert.ok(r?.url && r.sandboxId);
    const api = await getApi();
    const roots = api.sandboxTree.getChildren();
    assert.equal(roots.length, 1);
    const item = api.sandboxTree.getTreeItem(roots[0]!);
    assert.equal(item.label, 'calculator');
    assert.equal(item.contextValue, 'sandbox:running:local');
    assert.match(String(item.description), /local runner · running/);
    const details = api.sandboxTree.getChildren(roots[0]).map((d) => api.sandboxTree.getTreeItem(d));
    assert.deepEqual(details.map((d) => d.contextValue), ['sandboxDetail:url', 'sandboxDetail:time', 'sandboxDetail:cost']);
    assert.equal(details[0]!.label, r.url);
    assert.match(String(details[1]!.label), /^up \d+:\d\d$/);
    assert.equal(details[2]!.label, '$0 so far');
    assert.ok(await answers(r.url));
    const entry = api.registry.get(r.sandboxId)!;
    assert.match(api.sandboxLogs.text(entry.id), /\[app\] Listening on port \d+/, "the sandbox's own log has the app's output");
    await vscode.commands.executeCommand('spawnApp.sandbox.showLogs', roots[0]);

    const dir = path.join(api.testing.localRoot, r.sandboxId);
    assert.ok(existsSync(dir));
    const destroyed = await vscode.commands.executeCommand('spawnApp.sandbox.destroy', roots[0], { confirm: true });
    assert.equal(destroyed, true);
    assert.deepEqual(api.sandboxTree.getChildren(), []);
    assert.equal(api.registry.list().length, 0);
    assert.equal(await answers(r.url), false, 'the app no longer answers');
    assert.equal(existsSync(dir), false, 'the sandbox folder is gone');
    const panel = api.previews.get(r.appId);
    if (panel) await until(() => panel.current?.status === 'stopped', 'the preview to say the app stopped');
  });

  it('Destroy All stops every sandbox', async () => {
    const a = await spawnCalculator({ deploy: true, confirm: true });
    const b = await vscode.commands.executeCommand<{ url: string }>('spawnApp.spawn', { appType: 'webapp', prompt: 'a todo list', generator: 'templates', deploy: true, confirm: true });
    assert.ok(a?.url && b?.url);
    const api = await getApi();
    assert.equal(api.sandboxTree.getChildren().length, 2);
    const n = await vscode.commands.executeCommand('spawnApp.destroyAllSandboxes', { confirm: true });
    assert.equal(n, 2);
    assert.equal(api.sandboxTree.getChildren().length, 0);
    assert.equal(await answers(a.url), false);
    assert.equal(await answers(b.url), false);
  });
});
