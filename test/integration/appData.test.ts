/**
 * The app data folder in the editor (issue 21 part 3): the Sandboxes item shows its size; Download Data… saves it;
 * the destroy dialog names it and its size (the session's words), and the destroy removes it.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as vscode from 'vscode';
import { getApi, reset, until } from './helpers';
import type { SpawnResult } from './helpers';

describe('the app data folder ($DATA_DIR) in the Sandboxes view', function () {
  this.timeout(120_000);
  before(() => reset());
  after(() => reset());

  it("the item's description and tooltip show its size; the destroy dialog says \"and its data, N KB\"; Download Data… saves it", async () => {
    const api = await getApi();
    const r = await vscode.commands.executeCommand<SpawnResult | undefined>('spawnApp.spawn', { appType: 'api', prompt: 'a notes api', generator: 'templates', deploy: true, confirm: true });
    assert.ok(r?.sandboxId && r.url, `deployed locally (last error: ${api.testing.reporter.lastError?.message})`);
    const posted = await fetch(`${r.url}/api/notes`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text: 'a note in $DATA_DIR' }) });
    assert.equal(posted.status, 201);
    await vscode.commands.executeCommand('spawnApp.refreshSandboxes');
    const item = () => {
      const node = api.sandboxTree.getChildren().find((n) => String(api.sandboxTree.getTreeItem(n).id) === `sandbox:${r.sandboxId}`);
      return node && api.sandboxTree.getTreeItem(node);
    };
    const described = await until(() => (/ · data \d+ KB$/.test(String(item()?.description)) ? item() : undefined), 'the item to show its data size');
    assert.match((described.tooltip as vscode.MarkdownString).value, /Data \(\$DATA_DIR\): \d+ KB/);

    const dir = mkdtempSync(path.join(os.tmpdir(), 'spawn-data-download-'));
    try {
      const file = vscode.Uri.file(path.join(dir, 'notes.tar.gz'));
      const saved = await vscode.commands.executeCommand<{ files: number; message: string }>('spawnApp.sandbox.downloadData', { sandboxId: r.sandboxId }, { uri: file });
      assert.equal(saved.files, 1);
      assert.ok(existsSync(file.fsPath));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }

    // The modal's words, as the person reads them (the dialog answered here: the test host cannot click).
    const shown: { message: string; detail?: string }[] = [];
    const original = vscode.window.showWarningMessage;
    (vscode.window as { showWarningMessage: unknown }).showWarningMessage = async (message: string, opts: vscode.MessageOptions, ...items: string[]) => {
      shown.push({ message, detail: opts?.detail });
      return items.find((i) => i === 'Destroy');
    };
    try {
      assert.equal(await vscode.commands.executeCommand('spawnApp.sandbox.destroy', { sandboxId: r.sandboxId }), true);
    } finally {
      (vscode.window as { showWarningMessage: unknown }).showWarningMessage = original;
    }
    assert.equal(shown.length, 1);
    assert.match(shown[0]!.detail ?? '', new RegExp(`sandbox ${r.sandboxId} and its data, \\d+ KB are deleted`));
    const dataRoot = path.join(api.testing.localRoot, '.data');
    assert.deepEqual(existsSync(dataRoot) ? readdirSync(dataRoot) : [], [], 'the data went with the destroy');
  });
});
