/**
 * The same scenarios through every front and the same decisions (issue 19, the table in test/helpers/parity.ts): the
 * built CLI (a real process), the MCP server's tools (HeadlessTools, as `spawn-app mcp` serves them), and a test-built
 * session with recording ports. The extension's own side (its commands and DeployService in VS Code) runs the same
 * table in test/integration/parity.test.ts. Trust, the spending cap, secrets before any ask, an unknown price, and a
 * stopped app restarted in place (or recreated when its sandbox is gone).
 */
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { configFromEnv } from '../../src/core/base/config';
import type { CoreConfig } from '../../src/core/base/config';
import { isCancelled } from '../../src/core/base/errors';
import { E2BProvider } from '../../src/core/sandbox/e2b/provider';
import { LocalProvider } from '../../src/core/sandbox/local/provider';
import type { AppSecrets } from '../../src/core/base/secrets';
import type { PastCap, SessionEvent, UnsandboxedRun } from '../../src/core/session';
import { MemorySpend, Session } from '../../src/core/session';
import { HeadlessTools, REFUSED_UNSANDBOXED } from '../../src/mcp/headlessTools';
import { FakeE2B } from '../fakes/fakeE2B';
import { ensureBuilt, NO_VERIFY, runCli, startCli } from '../helpers/cli';
import { request } from '../helpers/http';
import { PARITY, pastCapRecord as pastCap, SECRET, stopperFolder, VALUE_IN_FILE, weatherFolder } from '../helpers/parity';

/** The session as the extension will build it: its dialogs answer `yes`, and every question and event is recorded. */
function extensionSession(o: { cfg: CoreConfig; local?: LocalProvider; secrets?: AppSecrets; spend?: MemorySpend; yes?: boolean }) {
  const asked = { unsandboxed: [] as UnsandboxedRun[], pastCap: [] as PastCap[] };
  const events: SessionEvent[] = [];
  const session = new Session({
    cfg: o.cfg,
    client: 'vscode',
    local: o.local,
    verify: false,
    secrets: o.secrets,
    budgetUsd: 1,
    ports: {
      ask: {
        unsandboxedRun: async (q) => (asked.unsandboxed.push(q), o.yes ?? false),
        pastCap: async (q) => (asked.pastCap.push(q), false),
      },
      spend: o.spend,
      progress: (e) => events.push(e),
    },
  });
  return { session, asked, events };
}

/** A local runner that does not sandbox: the only case where trust decides anything. */
const unsandboxedLocal = (tmp: string) => new LocalProvider({ root: path.join(tmp, 'sandboxes'), sandbox: 'off', env: { ...process.env, SPAWN_APP_SANDBOX: 'off' } });

describe('parity: the CLI, the MCP server and the session (the extension) decide alike (issue 19)', function () {
  this.timeout(120_000);
  let tmp: string;
  before(() => ensureBuilt());
  beforeEach(() => (tmp = mkdtempSync(path.join(os.tmpdir(), 'spawn-parity-'))));
  afterEach(() => rmSync(tmp, { recursive: true, force: true }));
  // The decisions, not the page: no browser check in any front (SPAWN_APP_VERIFY=0, `verify: false`).
  const localEnv = () => ({ SPAWN_APP_SANDBOX: 'off', SPAWN_APP_LOCAL_ROOT: path.join(tmp, 'cli-sandboxes'), SPAWN_APP_STATE_DIR: path.join(tmp, 'state'), ...NO_VERIFY });

  it('trust: a template generated here runs unsandboxed without asking; edited, every front asks (or refuses)', async () => {
    const decisions: Record<string, { template: string; edited: string }> = {};

    // The CLI: `run` with the templates serves without a question (without a terminal, a question would be exit 2).
    const run = startCli(['run', 'a calculator', '--type', 'webapp', '--generator', 'templates', '--provider', 'local', '--json'], localEnv());
    await run.waitFor((e) => e.event === 'ready', 60_000);
    run.child.kill('SIGINT');
    const ran = await run.done;
    const dir = path.join(tmp, 'calculator');
    assert.equal((await runCli(['generate', 'a calculator', '--type', 'webapp', '--generator', 'templates', '--out', dir])).code, 0);
    writeFileSync(path.join(dir, 'server.js'), readFileSync(path.join(dir, 'server.js'), 'utf8') + '\n// edited\n');
    const edited = await runCli(['deploy', dir, '--provider', 'local'], localEnv());
    decisions.cli = { template: ran.code === 0 ? 'ran' : `exit ${ran.code}`, edited: edited.code === 2 && /unsandboxed.*Pass --yes/.test(edited.stderr) ? 'asked' : `exit ${edited.code}: ${edited.stderr}` };

    // The MCP server: spawn_app (templates) runs; the edited folder is refused unless the server allows it.
    const local = unsandboxedLocal(tmp);
    const tools = new HeadlessTools({ cfg: { verify: false }, local, appsDir: path.join(tmp, 'apps'), provider: 'local' });
    try {
      const spawned = await tools.call('spawn_app', { prompt: 'a calculator', appType: 'webapp' });
      await tools.call('destroy_sandbox', { appId: 'calculator' });
      const server = path.join(tmp, 'apps', 'calculator', 'server.js');
      writeFileSync(server, readFileSync(server, 'utf8') + '\n// edited\n');
      const refused = await tools.call('deploy_app', { appId: 'calculator' });
      decisions.mcp = { template: !spawned.isError && /Started/.test(spawned.text) ? 'ran' : spawned.text, edited: refused.text.startsWith(`Error [${REFUSED_UNSANDBOXED}]`) ? 'asked' : refused.text };
    } finally {
      await tools.shutdown();
    }

    // The session, as the extension's Spawn → Deploy calls it: no dialog for its own template; the edit asks.
    const ext = extensionSession({ cfg: {}, local });
    try {
      const app = ext.session.app('calculator');
      const { spec } = await app.generate({ prompt: 'a calculator', appType: 'webapp', generator: 'templates' });
      const first = await app.deploy({ provider: 'local' });
      const template = ext.asked.unsandboxed.length === 0 && first.kind === 'first' ? 'ran' : 'asked';
      await app.stop();
      app.setSpec({ ...spec, files: spec.files.map((f) => (f.path === 'server.js' ? { ...f, content: f.content + '\n// edited\n' } : f)) });
      const no = await app.deploy({ provider: 'local' }).then(() => 'ran', (err: unknown) => (isCancelled(err) ? 'cancelled' : String(err)));
      decisions.session = { template, edited: ext.asked.unsandboxed.length === 1 && no === 'cancelled' ? 'asked' : no };
      assert.equal(app.sandboxId, undefined, 'the "no" started nothing');
    } finally {
      await ext.session.dispose();
      await local.destroyAll();
    }
    assert.deepEqual(decisions, { cli: PARITY.trust, mcp: PARITY.trust, session: PARITY.trust });
  });

  describe('with the fake E2B', () => {
    let e2b: FakeE2B;
    before(async () => (e2b = await FakeE2B.start()));
    after(async () => e2b?.close());
    beforeEach(() => e2b.resetCounts());

    it('the cap: past it, no paid call and no sandbox in any front (the fake E2B saw nothing); the same sentence', async () => {
      const refusal = /^Today's spending cap is reached \(\$5\.00 \/ \$1\.00 today\): no E2B sandbox was started; raise the budget or wait until tomorrow\.$/;
      const state = path.join(tmp, 'state');
      mkdirSync(state);
      writeFileSync(path.join(state, 'spend.json'), JSON.stringify(pastCap()));
      const cli = await runCli(['run', 'a calculator', '--generator', 'templates', '--provider', 'e2b', '--detach', '--budget', '1'], { ...e2b.env(), ...NO_VERIFY, SPAWN_APP_STATE_DIR: state, SPAWN_APP_LOCAL_ROOT: path.join(tmp, 'local') });
      assert.equal(cli.code, 2, cli.stderr);
      assert.match(cli.stderr.replace(/^Error: /, '').trim(), refusal);

      const cfg = configFromEnv(e2b.env());
      const spend = new MemorySpend();
      spend.save(pastCap());
      const tools = new HeadlessTools({ cfg, appsDir: path.join(tmp, 'apps'), provider: 'e2b', spend, budgetUsd: 1, local: { root: path.join(tmp, 'local') } });
      try {
        const res = await tools.call('spawn_app', { prompt: 'a calculator', appType: 'webapp' });
        assert.equal(res.isError, true);
        assert.match(res.text.replace(/^Error \[usage\]: /, ''), refusal);
      } finally {
        await tools.shutdown();
        await tools.session.dispose();
      }

      const ext = extensionSession({ cfg, spend, local: new LocalProvider({ root: path.join(tmp, 'local') }) });
      try {
        const err = await ext.session.newApp('a calculator').generate({ prompt: 'a calculator', appType: 'webapp', generator: 'templates', deployTo: 'e2b' }).then(() => undefined, (e: Error) => e);
        assert.match(err?.message ?? '', refusal);
        assert.deepEqual(ext.asked.pastCap.map((q) => q.what), PARITY.cap.asked, 'a front that asks is asked (its dialog may allow it); no means the same refusal');
      } finally {
        await ext.session.dispose();
      }
      assert.deepEqual(e2b.counts(), PARITY.cap.e2bRequests, 'no create, no pre-warm, no kill: nothing reached E2B');
    });
  });

  it("secrets: a secret's value in a file is a finding before any ask, in every front; the value is never shown", async () => {
    const envFile = path.join(tmp, '.env');
    writeFileSync(envFile, `WEATHER_API_KEY=${SECRET}\n`);
    const secrets = { WEATHER_API_KEY: SECRET };

    const cli = await runCli(['deploy', weatherFolder(path.join(tmp, 'weather')), '--provider', 'local', '--env-file', envFile], localEnv());
    assert.equal(cli.code, 2, cli.stderr);
    const finding = cli.stderr.search(VALUE_IN_FILE);
    assert.ok(finding >= 0 && finding < cli.stderr.search(/Pass --yes/), `the finding comes before the question: ${cli.stderr}`);

    const local = unsandboxedLocal(tmp);
    const appsDir = path.join(tmp, 'apps');
    cpSync(path.join(tmp, 'weather'), path.join(appsDir, 'weather'), { recursive: true });
    const tools = new HeadlessTools({ cfg: { verify: false }, local, appsDir, provider: 'local', secrets });
    let mcp: string;
    try {
      mcp = (await tools.call('deploy_app', { appId: 'weather' })).text;
    } finally {
      await tools.shutdown();
    }
    assert.match(mcp, new RegExp(`^Error \\[${REFUSED_UNSANDBOXED.replace('.', '\\.')}\\]`));
    assert.match(mcp, VALUE_IN_FILE);

    const ext = extensionSession({ cfg: {}, local, secrets });
    try {
      const app = ext.session.app('weather');
      app.open(path.join(tmp, 'weather'));
      await assert.rejects(app.deploy({ provider: 'local' }), (e: unknown) => isCancelled(e));
      assert.equal(ext.asked.unsandboxed.length, 1);
      assert.ok(ext.asked.unsandboxed[0]!.findings.some((f) => f.rule === PARITY.secret.rule && f.path === PARITY.secret.path), 'the dialog shows it');
    } finally {
      await ext.session.dispose();
      await local.destroyAll();
    }
    for (const text of [cli.stdout, cli.stderr, mcp, JSON.stringify(ext.asked.unsandboxed.map((q) => q.findings))]) assert.ok(!text.includes(SECRET));
  });

  it('cost: a sandbox whose price is unknown is "price unknown" (null), never $0, in every front', async () => {
    const fake = await FakeE2B.start({ cpuCount: 0, memoryMB: 0 });
    const local = new LocalProvider({ root: path.join(tmp, 'local') });
    try {
      const sb = await new E2BProvider({ ...fake.connection() }).create({ appName: 'calc', appType: 'webapp' });
      const env = { ...fake.env(), SPAWN_APP_LOCAL_ROOT: path.join(tmp, 'local'), ...NO_VERIFY };
      const json = await runCli(['list', '--json'], env);
      assert.equal(JSON.parse(json.stdout.split('\n').find((l) => l.includes(sb.id))!).costUsd, null);
      const text = await runCli(['list'], env);
      const cliLine = text.stdout.split('\n').find((l) => l.startsWith(sb.id))!;

      const cfg = configFromEnv(fake.env());
      const tools = new HeadlessTools({ cfg, local, appsDir: path.join(tmp, 'apps') });
      const mcpLine = (await tools.call('list_apps_and_sandboxes', {})).text.split('\n').find((l) => l.includes(sb.id))!;
      await tools.shutdown();

      const ext = extensionSession({ cfg, local });
      const listed = (await ext.session.listSandboxes()).sandboxes.find((s) => s.id === sb.id)!;
      assert.equal(listed.cost.usd, PARITY.unknownPrice.usd);
      for (const line of [cliLine, mcpLine, listed.costText]) {
        assert.match(line, PARITY.unknownPrice.words);
        assert.doesNotMatch(line, PARITY.unknownPrice.never);
      }
    } finally {
      await fake.close();
      await local.destroyAll();
    }
  });

  it('a stopped app restarts in place (the same sandbox); with its sandbox gone, a new one is made: the MCP server and the session', async () => {
    // The CLI serves one app per process: a stopped app ends its `run`/`deploy` (cli.test.ts), so there is no second deploy to decide.
    const local = unsandboxedLocal(tmp);
    const appsDir = path.join(tmp, 'apps');
    stopperFolder(path.join(appsDir, 'stopper'));
    const kinds: Record<string, string[]> = {};
    const tools = new HeadlessTools({ cfg: { verify: false }, local, appsDir, provider: 'local', allowLocalUnsandboxed: true });
    const ext = extensionSession({ cfg: {}, local, yes: true });
    try {
      // The MCP server: deploy_app, the app exits, deploy_app again, then its sandbox destroyed from outside.
      const sandboxIn = (t: string) => /Sandbox: (local-[\w-]+)/.exec(t)?.[1];
      const first = (await tools.call('deploy_app', { appId: 'stopper' })).text;
      assert.equal((await request(/https?:\/\/[^\s)]+/.exec(first)![0] + '/exit')).body, 'bye');
      await tools.session.existing('stopper')!.ended();
      const again = (await tools.call('deploy_app', { appId: 'stopper' })).text;
      await local.destroy(sandboxIn(again)!);
      await tools.session.existing('stopper')!.ended();
      const fresh = (await tools.call('deploy_app', { appId: 'stopper' })).text;
      kinds.mcp = [first, again, fresh].map((t) => /^(Started|Restarted in place)/m.exec(t)?.[1] ?? t);
      assert.ok(sandboxIn(first), first);
      assert.equal(sandboxIn(again), sandboxIn(first), 'restarted in the same sandbox');
      assert.notEqual(sandboxIn(fresh), sandboxIn(again), 'a new sandbox once the old one is gone');

      // The session, as the extension's Deploy (and its Retry) calls it.
      const app = ext.session.app('stopper');
      app.open(path.join(appsDir, 'stopper'));
      const a = await app.deploy({ provider: 'local' });
      assert.equal((await request(a.url + '/exit')).body, 'bye');
      assert.equal(await app.ended(), 'exited');
      const b = await app.deploy({ provider: 'local' });
      await local.destroy(b.sandboxId);
      await app.ended();
      const c = await app.deploy({ provider: 'local' });
      kinds.session = [a, b, c].map((d) => (d.kind === 'first' ? 'Started' : d.kind === 'restart' ? 'Restarted in place' : d.kind));
      assert.equal(b.sandboxId, a.sandboxId);
      assert.notEqual(c.sandboxId, b.sandboxId);
      assert.equal((await request(c.url + '/')).body, 'up');
    } finally {
      await tools.shutdown();
      await ext.session.dispose();
      await local.destroyAll();
    }
    assert.deepEqual(kinds, { mcp: PARITY.restart, session: PARITY.restart });
  });
});
