/**
 * Rules every front (the CLI, the extension, the MCP server, the chat tools) takes from one place in the core
 * (issue 19): the prompt limit, the sentence that says where an app runs, the install decision of a restart in
 * place, the validation with the app's secrets before asking, and the spending cap checked before any paid call.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AppTree } from '../../src/core/workspace/appTree';
import { encodeText } from '../../src/core/workspace/treeText';
import { startIn } from '../../src/core/deploy/deploy';
import { templateSpec } from '../../src/core/stacks';
import { deployKind, needsInstall, planRedeploy } from '../../src/core/deploy/redeployPlan';
import { sameDependencies } from '../../src/core/workspace/specDiff';
import type { BackgroundProcess, Sandbox, SandboxProvider } from '../../src/core/sandbox/types';
import type { AppSpec } from '../../src/core/app/spec';
import { MAX_PROMPT_LENGTH, promptTooLong } from '../../src/core/app/spec';
import { reactTemplateSpec } from '../../src/core/stacks/react';
import { TOOL_DEFINITIONS } from '../../src/core/tools/definitions';
import { whereText } from '../../src/core/tools/toolText';
import { isolationWords, whereItRuns } from '../../src/core/deploy/whereItRuns';
import { deployConfirmation } from '../../src/vscode/deploy/deployConfirmation';
import { FakeE2B } from '../fakes/fakeE2B';
import { ensureBuilt, NO_VERIFY, runCli } from '../helpers/cli';

describe('one rule for every front (issue 19)', () => {
  it('a stopped app: update the running app, restart a stopped one in its sandbox while it exists, else a new sandbox', () => {
    assert.equal(deployKind(undefined), 'first');
    assert.equal(deployKind({ running: true, sandboxExists: true }), 'redeploy');
    assert.equal(deployKind({ running: false, sandboxExists: true }), 'restart', 'the extension and the MCP server restart it in place');
    assert.equal(deployKind({ running: false, sandboxExists: false }), 'first', 'its sandbox is gone (timeout, destroyed)');
  });

  describe('the prompt limit', () => {
    it('is one constant: the tools’ schemas, the core check and its one sentence', () => {
      for (const t of TOOL_DEFINITIONS) {
        for (const [key, prop] of Object.entries(t.inputSchema.properties ?? {}) as [string, { maxLength?: number }][]) {
          if (key === 'prompt' || key === 'followUp') assert.equal(prop.maxLength, MAX_PROMPT_LENGTH, `${t.name}.${key}`);
        }
      }
      assert.equal(promptTooLong('x'.repeat(MAX_PROMPT_LENGTH)), undefined);
      assert.equal(promptTooLong('x'.repeat(MAX_PROMPT_LENGTH + 1)), `The prompt is longer than ${MAX_PROMPT_LENGTH} characters (it has ${MAX_PROMPT_LENGTH + 1}).`);
    });

    it('the CLI refuses a prompt and a follow-up one character over it (exit 2, the core sentence)', async function () {
      this.timeout(30_000);
      ensureBuilt();
      const tmp = mkdtempSync(path.join(os.tmpdir(), 'spawn-rules-'));
      try {
        const long = 'a'.repeat(MAX_PROMPT_LENGTH + 1);
        const gen = await runCli(['generate', long, '--out', path.join(tmp, 'out')], { SPAWN_APP_STATE_DIR: tmp });
        assert.equal(gen.code, 2);
        assert.match(gen.stderr, new RegExp(`The prompt is longer than ${MAX_PROMPT_LENGTH} characters \\(it has ${MAX_PROMPT_LENGTH + 1}\\)`));
        const refine = await runCli(['refine', tmp, long], { SPAWN_APP_STATE_DIR: tmp });
        assert.equal(refine.code, 2);
        assert.match(refine.stderr, new RegExp(`The follow-up is longer than ${MAX_PROMPT_LENGTH} characters`));
      } finally {
        rmSync(tmp, { recursive: true, force: true });
      }
    });
  });

  describe('where it runs: one sentence', () => {
    const sandboxed = { sandboxed: true, network: true };
    const off = { sandboxed: false, network: true, reason: 'the sandbox is turned off (SPAWN_APP_SANDBOX=off)' };

    it('E2B, local sandboxed, local not sandboxed with its reason', () => {
      assert.equal(whereItRuns('e2b', undefined), 'an E2B sandbox');
      assert.equal(whereItRuns('local', sandboxed), 'the local runner (this machine, sandboxed)');
      assert.equal(whereItRuns('local', off), `the local runner (this machine, not sandboxed: ${off.reason})`);
      assert.equal(whereItRuns('local', undefined), 'the local runner (this machine, not sandboxed)', 'no report: not sandboxed');
      assert.match(isolationWords({ sandboxed: true, network: false }, true), /^sandboxed: no access to your home folder or keys, .*, no network$/);
    });

    it('the agent tools and the deploy dialog say the same as the function', () => {
      const local = { id: 'local' as const, isolation: () => sandboxed };
      assert.equal(whereText(local), whereItRuns('local', sandboxed));
      assert.doesNotMatch(whereText(local), /not sandboxed/);
      assert.equal(whereText({ id: 'local', isolation: () => off }), whereItRuns('local', off));
      const c = deployConfirmation({ appName: 'calc', spec: templateSpec('webapp', 'a calculator'), findings: [], e2bTemplate: 'base', timeoutMinutes: 15, unsandboxed: true, provider: 'local', isolation: off });
      assert.ok(c.detail.includes(`Provider: ${whereItRuns('local', off, { detail: true })}`), c.detail);
    });
  });

  describe('the install decision (a restart in place, a redeploy)', () => {
    const react = reactTemplateSpec('a counter');
    const withPackage = (spec: AppSpec, name: string): AppSpec => ({
      ...spec,
      files: spec.files.map((f) => {
        if (f.path !== 'package.json') return f;
        const pkg = JSON.parse(f.content) as { dependencies: Record<string, string> };
        pkg.dependencies[name] = '^1.3.0';
        return { ...f, content: JSON.stringify(pkg, null, 2) };
      }),
    });

    it('a package added only to a react app’s package.json needs an install; the old rule (declared list) said no', () => {
      const next = withPackage(react, 'left-pad');
      assert.ok(sameDependencies(react.dependencies, next.dependencies), 'the declared list is the same (what the extension compared)');
      assert.equal(needsInstall(react, next), true);
      assert.equal(planRedeploy(react, next).install, true, 'the redeploy plan decides the same');
      assert.equal(needsInstall(react, react), false);
      assert.equal(needsInstall(undefined, react), true, 'nothing known installed');
      const web = templateSpec('webapp', 'a calculator');
      assert.equal(needsInstall(web, { ...web, dependencies: ['express@4'] }), true);
      assert.equal(needsInstall({ ...web, dependencies: ['express@4'] }, web), false, 'dependencies removed: nothing to install');
    });

    /** A sandbox that records the commands run in it; the app answers at once. */
    function recordingSandbox(): { sandbox: Sandbox; ran: string[] } {
      const ran: string[] = [];
      const proc: BackgroundProcess = { pid: 1, exited: new Promise(() => undefined), kill: async () => undefined };
      const sandbox: Sandbox = {
        id: 'rec-1',
        provider: 'e2b',
        writeFiles: async () => undefined,
        run: async (cmd) => {
          ran.push(cmd);
          return { exitCode: 0, stdout: '', stderr: '' };
        },
        start: async () => proc,
        url: (port) => `http://127.0.0.1:${port}`,
        probe: async () => true,
        info: () => ({ id: 'rec-1', provider: 'e2b', appName: 'counter', startedAt: 0, metadata: {} }),
        extendTimeout: async () => undefined,
        destroy: async () => undefined,
      };
      return { sandbox, ran };
    }
    const provider = { id: 'e2b' } as SandboxProvider;

    it('the restart path (startIn with what ran before) installs after a package.json-only change, and skips when nothing changed', async () => {
      const next = withPackage(react, 'left-pad');
      const changed = recordingSandbox();
      await startIn(changed.sandbox, next, { provider, installed: react });
      assert.ok(changed.ran.some((c) => c.includes('left-pad')), `an install of left-pad ran: ${changed.ran.join(' | ')}`);
      const same = recordingSandbox();
      const events: { event: string; phase?: string; status?: string; detail?: string }[] = [];
      await startIn(same.sandbox, react, { provider, installed: react, onEvent: (e) => events.push(e) });
      assert.deepEqual(same.ran, [], 'nothing installed again');
      assert.ok(events.some((e) => e.phase === 'install' && e.status === 'skipped' && e.detail === 'installed before'));
    });
  });

  describe('validation with the app’s secrets, before asking', () => {
    it('AppTree.specOf with the secrets finds a secret’s value in a file and a secret read in browser code', () => {
      const tree = new AppTree();
      const app = tree.createApp({ nameHint: 'weather', generator: 'templates' });
      tree.setSpec(app, templateSpec('webapp', 'a weather page'), 'templates');
      const value = 'wk-live-7f3a9c1e5b2d4f60';
      tree.writeFile(`/${app.name}/config.js`, encodeText(`module.exports = { key: '${value}' };\n`), { create: true, overwrite: false });
      tree.writeFile(`/${app.name}/app.js`, encodeText('const k = WEATHER_API_KEY;\n'), { create: false, overwrite: true });
      const secrets = { WEATHER_API_KEY: value };
      const rules = tree.specOf(app, { secrets }).findings.map((f) => `${f.rule}@${f.path}`);
      assert.ok(rules.includes('secret.value_in_file@config.js'), rules.join(', '));
      assert.ok(rules.includes('secret.client_side@app.js'), rules.join(', '));
      const without = tree.specOf(app).findings.map((f) => f.rule);
      assert.ok(!without.includes('secret.value_in_file'), 'without the secrets, the value is just text');
    });
  });

  describe('the spending cap before any paid call (built CLI ↔ fake E2B)', function () {
    this.timeout(60_000);
    let e2b: FakeE2B;
    let tmp: string;
    before(async () => {
      ensureBuilt();
      e2b = await FakeE2B.start();
    });
    after(async () => e2b?.close());
    beforeEach(() => {
      tmp = mkdtempSync(path.join(os.tmpdir(), 'spawn-cap-'));
      const state = path.join(tmp, 'state');
      mkdirSync(state);
      // Today's spend is past the default $2.00 cap.
      writeFileSync(path.join(state, 'spend.json'), JSON.stringify({ day: new Date().toLocaleDateString('sv'), usd: 5, unknown: 0, warned: true, capped: true }));
      e2b.resetCounts();
    });
    afterEach(() => rmSync(tmp, { recursive: true, force: true }));
    const env = () => ({ ...e2b.env(), SPAWN_APP_STATE_DIR: path.join(tmp, 'state'), SPAWN_APP_LOCAL_ROOT: path.join(tmp, 'local'), ANTHROPIC_API_KEY: 'x', ANTHROPIC_BASE_URL: 'http://127.0.0.1:9', ...NO_VERIFY });

    it('run on E2B past the cap: refused (exit 2) and no sandbox is created (no pre-warm)', async () => {
      const r = await runCli(['run', 'a calculator', '--generator', 'claude', '--provider', 'e2b', '--detach'], env());
      assert.deepEqual(e2b.counts(), {}, 'the fake E2B saw no request at all (no create, no kill)');
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /Today's spending cap is reached .*: no generation or E2B sandbox was started/);
    });

    it('run with the free templates on E2B, and deploy PATH on E2B, past the cap: refused before a create', async () => {
      const run = await runCli(['run', 'a calculator', '--generator', 'templates', '--provider', 'e2b', '--detach'], env());
      assert.equal(run.code, 2, run.stderr);
      assert.match(run.stderr, /no E2B sandbox was started/);
      const app = path.join(tmp, 'calc');
      const gen = await runCli(['generate', 'a calculator', '--generator', 'templates', '--out', app], env());
      assert.equal(gen.code, 0, gen.stderr);
      const dep = await runCli(['deploy', app, '--provider', 'e2b', '--detach'], env());
      assert.equal(dep.code, 2, dep.stderr);
      assert.deepEqual(e2b.counts(), {});
    });
  });
});
