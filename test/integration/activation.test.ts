import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { EXTENSION_ID, getApi } from './helpers';

describe('activation', () => {
  // How fast it activates (no SDK loaded at activation) is npm run bench's "Bundle" table, not a bound here: this
  // host shares the machine with the other half of npm test.
  it('is not active until one of its commands or views is used, then activates', async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
    assert.equal(ext.isActive, false, 'nothing should activate the extension at startup');
    const t0 = Date.now();
    await vscode.commands.executeCommand('spawnApp.showLog');
    assert.equal(ext.isActive, true);
    console.log(`      activation: ${Date.now() - t0} ms`);
  });

  it('declares only the activation events that cannot be derived from contributions', () => {
    const pkg = vscode.extensions.getExtension(EXTENSION_ID)!.packageJSON as { activationEvents: string[] };
    assert.deepEqual(pkg.activationEvents, ['onFileSystem:spawnapp', 'onWebviewPanel:spawnApp.preview']);
  });

  it('registers every contributed command', async () => {
    await getApi();
    const pkg = vscode.extensions.getExtension(EXTENSION_ID)!.packageJSON as { contributes: { commands: { command: string }[] } };
    const registered = new Set(await vscode.commands.getCommands(true));
    const missing = pkg.contributes.commands.map((c) => c.command).filter((c) => !registered.has(c));
    assert.deepEqual(missing, []);
  });
});
