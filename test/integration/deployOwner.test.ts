/**
 * One owner of deploys, in the real VS Code: every path that deploys an app goes through the DeployService's
 * per-app queue (two Deploy App commands at once make one sandbox, not an error or a second one), and a redeploy
 * that would run something the user has not approved — another start command or other dependencies — asks again
 * with the deploy dialog, from the command and from hot redeploy on save alike. The dialog is answered through the
 * test-mode seam (`testing.deployDialogs.answerWith`), which sees exactly what the modal would show.
 */
import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { Confirmation } from '../../src/vscode/deploy/deployConfirmation';
import type { SpawnResult } from './helpers';
import { appUri, getApi, readText, reset, spawnCalculator, until, writeText } from './helpers';

interface Deployed {
  sandboxId: string;
  url: string;
  redeployed: boolean;
  restarted?: boolean;
}

describe('deploys have one owner: one queue per app, and a changed start command or dependencies asks again', function () {
  this.timeout(120_000);
  let app: SpawnResult;
  let asked: Confirmation[];
  let answer: boolean;
  let seam: vscode.Disposable | undefined;

  beforeEach(async () => {
    await reset();
    const r = await spawnCalculator({ deploy: true, confirm: true });
    assert.ok(r?.sandboxId, 'the calculator runs');
    app = r;
    asked = [];
    answer = true;
    seam = (await getApi()).testing.deployDialogs.answerWith(async (c) => {
      asked.push(c);
      return answer;
    });
  });
  afterEach(async () => {
    seam?.dispose();
    await reset();
  });

  const manifest = appUri('calculator', 'spawn-app.json');
  const pidNow = async () => (await getApi()).registry.forApp(app.appId)?.deployment?.process.pid;

  it('a redeploy that runs the same thing does not ask again', async () => {
    const r = await vscode.commands.executeCommand<Deployed>('spawnApp.deploy', { appId: app.appId });
    // The dialog is asked before the pipeline runs, so by the time the redeploy finished it would have been asked.
    assert.equal(r?.redeployed, true);
    assert.deepEqual(asked, []);
  });

  it('Deploy App after the start command changed asks again; No leaves the running app as it was', async () => {
    const pid = await pidNow();
    const m = JSON.parse(await readText(manifest)) as { startCommand: string };
    await writeText(manifest, JSON.stringify({ ...m, startCommand: 'node ./server.js' }, null, 2));
    answer = false;
    const r = await vscode.commands.executeCommand<Deployed | undefined>('spawnApp.deploy', { appId: app.appId });
    assert.equal(r, undefined, 'No cancels the redeploy (silently)');
    assert.equal(asked.length, 1);
    assert.equal(asked[0]!.action, 'Redeploy');
    assert.match(asked[0]!.detail, /Changed since you approved it: the start command \(was “node server\.js”\)/);
    assert.match(asked[0]!.detail, /Runs: node \.\/server\.js/);
    assert.equal(await pidNow(), pid, 'the app was not restarted');
    assert.equal((await getApi()).registry.forApp(app.appId)?.status, 'running');

    answer = true;
    const again = await vscode.commands.executeCommand<Deployed>('spawnApp.deploy', { appId: app.appId });
    assert.equal(again?.redeployed, true);
    assert.equal(asked.length, 2, 'asked again: the change was never approved');
    assert.notEqual(await pidNow(), pid, 'Redeploy restarted it with the new command');
    const third = await vscode.commands.executeCommand<Deployed>('spawnApp.deploy', { appId: app.appId });
    assert.equal(third?.redeployed, true);
    assert.equal(asked.length, 2, 'approved once: not asked for the same command again');
  });

  it('other dependencies ask again, and the dialog lists them', async () => {
    const m = JSON.parse(await readText(manifest)) as { dependencies: string[] };
    await writeText(manifest, JSON.stringify({ ...m, dependencies: [...m.dependencies, 'left-pad@1.3.0'] }, null, 2));
    answer = false;
    assert.equal(await vscode.commands.executeCommand('spawnApp.deploy', { appId: app.appId }), undefined);
    assert.equal(asked.length, 1);
    assert.match(asked[0]!.detail, /the dependencies \(were /);
    assert.match(asked[0]!.detail, /Installs: .*left-pad@1\.3\.0/);
  });

  it('hot redeploy on save asks too before running a new start command, then restarts the app', async () => {
    const api = await getApi();
    const pid = await pidNow();
    const redeploys: { restarted: boolean }[] = [];
    const sub = api.testing.hotRedeploy.onDidRedeploy((e) => redeploys.push(e));
    try {
      const doc = await vscode.workspace.openTextDocument(manifest);
      const editor = await vscode.window.showTextDocument(doc);
      const at = doc.getText().indexOf('node server.js');
      assert.ok(at >= 0, doc.getText());
      await editor.edit((e) => e.replace(new vscode.Range(doc.positionAt(at), doc.positionAt(at + 'node server.js'.length)), 'node ./server.js'));
      await doc.save();
      await until(() => redeploys.length === 1, 'the hot redeploy');
      assert.equal(asked.length, 1, 'the save asked before running the new command');
      assert.match(asked[0]!.detail, /the start command/);
      assert.equal(redeploys[0]!.restarted, true);
      assert.notEqual(await pidNow(), pid);
    } finally {
      sub.dispose();
    }
  });

  it('two Deploy App commands at once take turns: one sandbox, the second a redeploy into it', async () => {
    const api = await getApi();
    await vscode.commands.executeCommand('spawnApp.destroyAllSandboxes', { confirm: true });
    const [a, b] = await Promise.all([
      vscode.commands.executeCommand<Deployed>('spawnApp.deploy', { appId: app.appId, confirm: true }),
      vscode.commands.executeCommand<Deployed>('spawnApp.deploy', { appId: app.appId, confirm: true }),
    ]);
    assert.equal(a?.redeployed, false);
    assert.equal(b?.redeployed, true, 'the second waited for the first and redeployed into its sandbox');
    assert.equal(a.sandboxId, b.sandboxId);
    assert.equal(api.registry.list().length, 1);
    assert.equal(api.testing.reporter.lastError, undefined);
  });
});
