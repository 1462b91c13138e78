/**
 * Parity, the extension's side (issue 19): the scenario table of test/helpers/parity.ts run through the extension's own
 * path in VS Code (its commands, the DeployService, its dialogs as the session's ports, the fake E2B through the real
 * SDK), asserting the decisions the CLI and the MCP server take (test/process/parity.test.ts): trust, the cap (the
 * fake E2B sees no request), a secret's value in a file shown before any question, an unknown price, a stopped app
 * restarted in place.
 */
import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { FakeE2B } from '../fakes/fakeE2B';
import { PARITY, SECRET, STOPPER_SERVER, VALUE_IN_FILE, WEATHER_CONFIG } from '../helpers/parity';
import { entryCost } from '../../src/vscode/cost/sessionCost';
import type { DeployResult } from './helpers';
import { appUri, fetchText, getApi, readText, reset, setSetting, spawnCalculator, until, useFakeE2B, writeText } from './helpers';

describe('parity: the extension decides as the CLI and the MCP server do (issue 19)', function () {
  this.timeout(240_000);
  before(() => reset());
  afterEach(() => reset());

  const deploy = (appId: string, more: Record<string, unknown> = {}) => vscode.commands.executeCommand<DeployResult | undefined>('spawnApp.deploy', { appId, provider: 'local', ...more });

  it('trust: a template generated here runs without the unsandboxed warning; edited, the dialog warns', async () => {
    const api = await getApi();
    const app = await spawnCalculator();
    assert.ok(app, `spawned (last error: ${api.testing.reporter.lastError?.message})`);
    const warned: boolean[] = [];
    const seam = api.testing.deployDialogs.answerWith(async (c) => (warned.push(c.unsandboxedModelCode), true));
    let sandboxed: boolean;
    try {
      const first = await deploy(app.appId);
      assert.ok(first, `deployed (last error: ${api.testing.reporter.lastError?.message})`);
      sandboxed = api.registry.get(first.sandboxId)!.providerRef.isolation?.().sandboxed === true;
      await api.registry.destroy(first.sandboxId);
      const server = appUri(app.appName, 'server.js');
      await writeText(server, `${await readText(server)}\n// edited\n`);
      assert.ok(await deploy(app.appId), `deployed again (last error: ${api.testing.reporter.lastError?.message})`);
    } finally {
      seam.dispose();
    }
    const decisions = { template: warned[0] ? 'asked' : 'ran', edited: warned[1] ? 'asked' : 'ran' };
    // A local runner that sandboxes runs any code without the question, in every front (the rule is about unsandboxed code).
    assert.deepEqual(decisions, sandboxed ? { ...PARITY.trust, edited: 'ran' } : PARITY.trust, `sandboxed: ${sandboxed}`);
  });

  it('the cap: past it, no pre-warm, and a deploy to E2B is asked about first; no starts nothing (the fake E2B sees no request)', async () => {
    const api = await getApi();
    const e2b = await useFakeE2B('e2b_parity_cap_0123456789');
    const asked: string[] = [];
    const seam = api.testing.spendingCap.answerWith(async (_message, detail) => (asked.push(detail), false));
    try {
      // Past today's cap: a tiny charge, and the cap set to what today's record holds (it lives in globalState).
      api.testing.spendingCap.budget().charge(0.0001);
      await setSetting('budgetUsd', api.testing.spendingCap.budget().today().usd);
      assert.equal(api.testing.spendingCap.budget().capped, true);
      e2b.fake.resetCounts();
      // The built-in templates cost nothing (no question); the pre-warm of its E2B deploy is never started past the cap.
      const app = await spawnCalculator();
      assert.ok(app);
      assert.equal(asked.length, 0, "no question: nothing paid was started");
      const d = await vscode.commands.executeCommand('spawnApp.deploy', { appId: app.appId, provider: 'e2b', confirm: true });
      assert.equal(d, undefined, 'refused');
      assert.deepEqual(asked.map((a) => a.split(' would spend more')[0]), PARITY.cap.asked);
      assert.deepEqual(e2b.fake.counts(), PARITY.cap.e2bRequests, 'no create: nothing reached E2B');
      assert.equal(api.registry.forApp(app.appId), undefined);
    } finally {
      seam.dispose();
      await setSetting('budgetUsd', undefined);
      await e2b.stop();
    }
  });

  it("secrets: a secret's value in a file is in the dialog, before the question; the value never", async () => {
    const api = await getApi();
    const app = await spawnCalculator();
    assert.ok(app);
    await writeText(appUri(app.appName, 'config.js'), WEATHER_CONFIG);
    await vscode.commands.executeCommand('spawnApp.setAppSecret', { appId: app.appId, name: 'WEATHER_API_KEY', value: SECRET });
    let dialog: string | undefined;
    const seam = api.testing.deployDialogs.answerWith(async (c) => ((dialog = `${c.message}\n${c.detail}`), false));
    try {
      await deploy(app.appId);
    } finally {
      seam.dispose();
    }
    assert.ok(dialog, 'the question was asked');
    assert.match(dialog, new RegExp(`${PARITY.secret.path}:1: ${VALUE_IN_FILE.source}`));
    assert.ok(!dialog.includes(SECRET), 'the value is never shown');
    assert.equal(api.registry.forApp(app.appId), undefined, 'a no runs nothing');
  });

  it('cost: a sandbox whose price is unknown is unknown (null), never $0', async () => {
    const api = await getApi();
    await reset();
    const fake = await FakeE2B.start({ apiKey: 'e2b_parity_price_0123456789', cpuCount: 0, memoryMB: 0 });
    for (const [k, v] of [['e2bApiUrl', fake.url], ['e2bSandboxUrl', fake.url], ['e2bDomain', fake.domain]]) await setSetting(k!, v);
    await vscode.commands.executeCommand('spawnApp.setE2bApiKey', { value: 'e2b_parity_price_0123456789' });
    try {
      const app = await spawnCalculator();
      assert.ok(app);
      const d = await vscode.commands.executeCommand<DeployResult>('spawnApp.deploy', { appId: app.appId, provider: 'e2b', confirm: true });
      assert.ok(d, `deployed (last error: ${api.testing.reporter.lastError?.message})`);
      const entry = api.registry.get(d.sandboxId)!;
      assert.equal(entryCost(entry), PARITY.unknownPrice.usd);
      assert.equal(api.sessionCost.total().partial, true, 'the total is a lower bound');
      const node = api.sandboxTree.getChildren().find((n) => api.sandboxTree.getTreeItem(n).id === `sandbox:${d.sandboxId}`);
      const words = (api.sandboxTree.getChildren(node) ?? []).map((c) => String(api.sandboxTree.getTreeItem(c).label ?? '')).join('\n');
      assert.match(words, PARITY.unknownPrice.words);
      assert.doesNotMatch(words, PARITY.unknownPrice.never);
    } finally {
      await reset();
      for (const k of ['e2bApiUrl', 'e2bSandboxUrl', 'e2bDomain']) await setSetting(k, undefined);
      await vscode.commands.executeCommand('spawnApp.setE2bApiKey', { clear: true });
      await fake.close();
    }
  });

  it('a stopped app restarts in place (the same sandbox); with its sandbox gone, a new one is made', async () => {
    const api = await getApi();
    const app = await spawnCalculator();
    assert.ok(app);
    await writeText(appUri(app.appName, 'server.js'), STOPPER_SERVER);
    const kinds: string[] = [];
    const a = await deploy(app.appId, { confirm: true });
    assert.ok(a, `deployed (last error: ${api.testing.reporter.lastError?.message})`);
    kinds.push('Started');
    assert.equal((await fetchText(`${a.url}/exit`)).text, 'bye');
    await until(() => api.registry.get(a.sandboxId)?.status === 'failed' || undefined, 'the stopped app shown as failed');
    const b = await deploy(app.appId, { confirm: true });
    assert.ok(b);
    kinds.push(b.sandboxId === a.sandboxId && b.redeployed ? 'Restarted in place' : 'Started');
    assert.equal((await fetchText(`${b.url}/`)).text, 'up');
    await api.registry.destroy(b.sandboxId);
    const c = await deploy(app.appId, { confirm: true });
    assert.ok(c);
    kinds.push(c.redeployed ? 'Restarted in place' : 'Started');
    assert.notEqual(c.sandboxId, b.sandboxId);
    assert.equal((await fetchText(`${c.url}/`)).text, 'up');
    assert.deepEqual(kinds, PARITY.restart);
  });
});
