/**
 * The six language-model tools in the real VS Code, called as another extension or a chat would call them
 * (`vscode.lm.invokeTool`, no chat token): listed with their schemas; spawn_app with deploy writes an app from the
 * templates, asks with the deploy dialog, runs it on the local runner and returns a URL that answers; its logs,
 * the list, and destroy_sandbox (the URL stops answering) go through the same services the UI shows. A "no" to the
 * dialog is a result that says so, and nothing runs. The dialog is answered through the test-mode seam
 * (`testing.deployDialogs.answerWith`), which sees exactly what the modal would show.
 */
import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { TOOL_DEFINITIONS } from '../../src/core/tools/definitions';
import type { Confirmation } from '../../src/vscode/deploy/deployConfirmation';
import { FakeAnthropic } from '../fakes/fakeAnthropic';
import { answers, appUri, fetchText, getApi, readText, reset, setSetting, until, withCheck } from './helpers';

async function invoke(name: string, input: Record<string, unknown>): Promise<string> {
  const r = await vscode.lm.invokeTool(name, { input, toolInvocationToken: undefined });
  return r.content.map((p) => (p instanceof vscode.LanguageModelTextPart ? p.value : '')).join('');
}

describe('language-model tools (vscode.lm.invokeTool, no chat)', function () {
  this.timeout(180_000);
  let asked: Confirmation[];
  let answer: boolean;
  let seam: vscode.Disposable | undefined;

  before(async () => {
    await reset();
    await setSetting('generator', 'templates');
    await setSetting('sandboxProvider', 'local');
  });
  beforeEach(async () => {
    asked = [];
    answer = true;
    seam = (await getApi()).testing.deployDialogs.answerWith(async (c) => {
      asked.push(c);
      return answer;
    });
  });
  afterEach(() => seam?.dispose());
  after(async () => {
    await reset();
    await setSetting('generator', undefined);
    await setSetting('sandboxProvider', undefined);
  });

  it('lists the six tools with their schemas', async () => {
    await getApi();
    for (const def of TOOL_DEFINITIONS) {
      const tool = vscode.lm.tools.find((t) => t.name === def.name);
      assert.ok(tool, `${def.name} is in vscode.lm.tools`);
      assert.deepEqual(tool.inputSchema, def.inputSchema, def.name);
      assert.equal(tool.description, def.modelDescription);
    }
  });

  it('spawn_app with deploy asks with the deploy dialog, returns a URL that answers; get_app_logs, list, destroy_sandbox', () => withCheck(async () => {
    const api = await getApi();
    const text = await invoke('spawn_app', { prompt: 'a calculator', appType: 'webapp', deploy: true });
    assert.equal(asked.length, 1, `the deploy dialog asked once:\n${text}`);
    assert.match(asked[0]!.detail, /^Provider: the local runner \(this machine, (sandboxed|not sandboxed)/m);
    assert.match(asked[0]!.detail, /^Runs: node server\.js$/m);
    assert.match(asked[0]!.detail, /^Installs: /m);
    const appId = /^App "([^"]+)" \(webapp/m.exec(text)?.[1];
    const url = /is running at (\S+)$/m.exec(text)?.[1];
    const sandboxId = /^Sandbox: (\S+) in the local runner/m.exec(text)?.[1];
    assert.ok(appId && url && sandboxId, text);
    assert.match(text, /written by templates/);
    assert.match(text, /^ {2}server\.js$/m, 'the files written are listed');
    // What the verification step found (a browser here, else the HTTP checks): the agent reads it.
    assert.match(text, /^Verification: (verified|HTTP checks passed) \(\d+ ms\)\.$/m, text);
    const page = await fetchText(url);
    assert.equal(page.status, 200);
    assert.match(page.text, /<html/i);

    // The usual UI shows it: the Apps view's app, the Sandboxes view's running entry, the preview.
    assert.ok(api.tree.app(appId), 'the app is in the Apps view');
    assert.equal(api.registry.get(sandboxId)?.status, 'running');
    assert.equal(api.registry.get(sandboxId)?.appId, appId);
    assert.ok(api.previews.get(appId), 'its preview is open');

    const logs = await invoke('get_app_logs', { appId, tail: 50 });
    assert.match(logs, new RegExp(`^Last 50 lines of app "${appId}" \\(running at ${url.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}\\)`));
    assert.ok(logs.includes(`Ready at ${url}`), logs);

    const list = await invoke('list_apps_and_sandboxes', {});
    assert.match(list, new RegExp(`^ {2}${appId} .* running at `, 'm'));
    assert.match(list, new RegExp(`^ {2}${sandboxId} {2}local {2}app ${appId} {2}${url.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}`, 'm'));

    const destroyed = await invoke('destroy_sandbox', { appId });
    assert.equal(asked.length, 2, 'destroy asked first');
    assert.match(asked[1]!.message, new RegExp(`^Destroy sandbox ${sandboxId} `));
    assert.match(destroyed, new RegExp(`^Destroyed sandbox ${sandboxId} and its data, \\d+ KB of app "${appId}"`));
    assert.match(asked[1]!.detail, new RegExp(`Deleted: sandbox ${sandboxId} and its data, \\d+ KB\\.`), 'the question names the data and its size');
    await until(async () => !(await answers(url)), 'the URL to stop answering');
    assert.equal(api.registry.get(sandboxId), undefined, 'gone from the Sandboxes view');
    assert.ok(api.tree.app(appId), 'the files stay');
  }));

  it('a refused confirmation returns a result that says so, and runs nothing', async () => {
    const api = await getApi();
    answer = false;
    const text = await invoke('spawn_app', { prompt: 'a todo list', appType: 'webapp', deploy: true });
    assert.equal(asked.length, 1);
    assert.match(text, /^Declined: the user did not allow running app "[^"]+"; nothing ran\./m);
    assert.doesNotMatch(text, /running at/);
    assert.deepEqual(api.registry.list(), [], 'no sandbox was started');
    const appId = /^App "([^"]+)"/m.exec(text)?.[1];
    assert.ok(appId && api.tree.app(appId), 'the app is written (Apps view), not run');

    // A sandbox the person declines to destroy keeps running.
    answer = true;
    const deployed = await invoke('deploy_app', { appId });
    const url = /is running at (\S+)$/m.exec(deployed)?.[1];
    assert.ok(url, deployed);
    answer = false;
    const kept = await invoke('destroy_sandbox', { appId });
    assert.match(kept, /^Declined: the user did not allow destroying sandbox \S+; nothing ran\. It is still running\./);
    assert.equal((await fetchText(url)).status, 200);
  });

  it('refine_app asks before it calls the model; a "no" calls nothing; a "yes" changes the running app in place', async () => {
    const fake = await FakeAnthropic.start();
    try {
      await setSetting('anthropicBaseUrl', fake.url);
      await vscode.commands.executeCommand('spawnApp.setAnthropicApiKey', { value: 'sk-ant-lmtools-0123456789' });
      const spawned = await invoke('spawn_app', { prompt: 'a calculator', appType: 'webapp', deploy: true });
      const appId = /^App "([^"]+)"/m.exec(spawned)?.[1];
      const url = /is running at (\S+)$/m.exec(spawned)?.[1];
      assert.ok(appId && url, spawned);
      const api = await getApi();
      const sandboxed = api.registry.forApp(appId)!.providerRef.isolation?.().sandboxed === true;
      // Sandboxed, the "yes" covers the change (unsandboxed, it is shown as diffs to accept: the iterate suite drives that).
      assert.ok(sandboxed, 'this test needs the bubblewrap local sandbox (.ci/run installs it)');
      const index = await readText(appUri(api.tree.app(appId)!.name, 'index.html'));
      fake.enqueue({ kind: 'ok', input: { summary: 'Adds a tagline.', changes: [{ path: 'index.html', content: index.replace('<h1>Calculator</h1>', '<h1>Calculator</h1><p>Now with a tagline</p>') }], deletions: [] } });

      answer = false;
      const declined = await invoke('refine_app', { appId, followUp: 'add a tagline' });
      assert.match(declined, /^Declined: the user did not allow refining app "[^"]+"; nothing ran\. No model was asked and no file changed\./);
      assert.equal(fake.messageRequests().length, 0, 'no request reached the model');
      assert.match(asked.at(-1)!.detail, /^Request: add a tagline$/m);

      answer = true;
      const refined = await invoke('refine_app', { appId, followUp: 'add a tagline' });
      assert.equal(fake.messageRequests().length, 1);
      assert.match(refined, /^Adds a tagline\./);
      assert.match(refined, /^ {2}M index\.html$/m);
      assert.match(refined, /^Updated in place \(no restart needed\): app "[^"]+" is running at /m);
      assert.match((await fetchText(url)).text, /Now with a tagline/);
    } finally {
      await vscode.commands.executeCommand('spawnApp.setAnthropicApiKey', { clear: true });
      await setSetting('anthropicBaseUrl', undefined);
      await fake.close();
    }
  });

  it('bad input is one sentence with its code, never a stack trace', async () => {
    const text = await invoke('get_app_logs', { appId: 'no-such-app' });
    assert.equal(text, 'Error [usage]: There is no app "no-such-app" (list_apps_and_sandboxes shows the apps).');
  });
});
