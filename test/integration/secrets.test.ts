import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { getApi, reset } from './helpers';

describe('API keys', () => {
  before(reset);
  after(async () => {
    await vscode.commands.executeCommand('spawnApp.setAnthropicApiKey', { clear: true });
    await vscode.commands.executeCommand('spawnApp.setE2bApiKey', { clear: true });
  });

  it('round-trip through SecretStorage under typed keys, and can be removed', async () => {
    const api = await getApi();
    const anthropic = 'sk-ant-test-0123456789abcdef';
    const e2b = 'e2b_test_0123456789abcdef';
    assert.equal(await vscode.commands.executeCommand('spawnApp.setAnthropicApiKey', { value: anthropic }), true);
    assert.equal(await vscode.commands.executeCommand('spawnApp.setE2bApiKey', { value: ` ${e2b}\n` }), true);
    assert.equal(await api.testing.secrets.get('anthropic'), anthropic);
    assert.equal(await api.testing.secrets.get('e2b'), e2b, 'trimmed');
    assert.equal(await vscode.commands.executeCommand('spawnApp.setAnthropicApiKey', { clear: true }), false);
    assert.equal(await api.testing.secrets.get('anthropic'), undefined);
    assert.equal(await api.testing.secrets.get('e2b'), e2b, 'the other key stays');
  });

  it('refuses a value that cannot be a key, with one sentence and nothing stored', async () => {
    const api = await getApi();
    await vscode.commands.executeCommand('spawnApp.setE2bApiKey', { clear: true });
    assert.equal(await vscode.commands.executeCommand('spawnApp.setE2bApiKey', { value: 'has spaces in it' }), undefined);
    assert.equal(api.testing.reporter.lastError?.code, 'usage');
    assert.equal(await api.testing.secrets.get('e2b'), undefined);
  });

  it('never shows a key in an error message', async () => {
    const api = await getApi();
    const key = 'sk-ant-secret-value-42';
    await vscode.commands.executeCommand('spawnApp.setAnthropicApiKey', { value: key });
    // A generator error that quotes the key (as a careless SDK might) is redacted before it is shown.
    api.testing.reporter.report('test', new Error(`request failed with key ${key}`));
    const shown = api.testing.reporter.lastError?.message ?? '';
    assert.equal(shown.includes(key), false);
    assert.match(shown, /\[redacted\]/);
  });
});
