/**
 * Pause instead of kill, and a terminal into a sandbox (issue 15, parts 1 and 4): the E2B provider with the real SDK
 * against the fake E2B (which models the lifecycle: pause at the timeout, auto-resume on a request to the URL,
 * connect-resume with a timeout, list by state, and envd's PTY), the CLI's pause/resume/list, and the local runner's
 * shell inside the app's bubblewrap plan.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { deploy } from '../../src/core/deploy/deploy';
import type { Deployment } from '../../src/core/deploy/deploy';
import { SpawnError } from '../../src/core/base/errors';
import { templateSpec } from '../../src/core/stacks';
import { E2BProvider } from '../../src/core/sandbox/e2b/provider';
import { LocalProvider } from '../../src/core/sandbox/local/provider';
import type { Shell } from '../../src/core/sandbox/types';
import { FakeE2B } from '../fakes/fakeE2B';
import { ensureBuilt, NO_VERIFY, runCli } from '../helpers/cli';
import { until } from '../helpers/poll';
import { requireSandbox } from '../helpers/sandbox';
import { getViaEdge } from '../helpers/http';

/** Opens a shell, types `echo $PWD`, and returns the line the shell printed back (not the echoed input). */
async function echoPwd(open: (onData: (t: string) => void) => Promise<Shell>): Promise<{ shell: Shell; pwd: string; output: () => string }> {
  let out = '';
  const shell = await open((t) => (out += t));
  await shell.write('echo "PWD=[$PWD]"\n');
  const m = await until(() => /PWD=\[([^\]\r\n$]+)\]/.exec(out) ?? undefined, 'the shell to print its $PWD', 10_000);
  return { shell, pwd: m[1]!, output: () => out };
}

describe('pause instead of kill, and terminals (issue 15 parts 1 and 4)', function () {
  this.timeout(60_000);
  let fake: FakeE2B;
  const deployments: Deployment[] = [];
  const provider = (extra: Partial<ConstructorParameters<typeof E2BProvider>[0]> = {}) => new E2BProvider({ ...fake.connection(), ...extra });

  before(async () => {
    fake = await FakeE2B.start();
  });
  after(async () => {
    await fake.close();
  });
  afterEach(async () => {
    for (const d of deployments.splice(0)) await d.sandbox.destroy().catch(() => undefined);
    for (const s of fake.live()) await fake.expire(s.id);
  });

  it('a deploy creates the sandbox with the pause lifecycle; at its timeout it is paused, listed as paused, and a request to its URL resumes it', async () => {
    const p = provider({ timeoutMs: 2_000 });
    // No verification step: the 2 s lifetime is for the deploy alone.
    const d = await deploy({ spec: templateSpec('webapp', 'a calculator'), provider: p, verify: false });
    deployments.push(d);
    const [sb] = fake.live();
    assert.equal(sb!.autoPause, true, 'autoPause sent on create');
    assert.equal(sb!.autoResume, true, 'autoResume: {enabled: true} sent on create');
    assert.equal(d.sandbox.info().onTimeout, 'pause');
    await until(() => fake.pauses.some((x) => x.sandboxId === d.sandbox.id && x.by === 'timeout'), 'the timeout to pause it', 8_000);
    const listed = await p.list();
    assert.equal(listed.find((s) => s.id === d.sandbox.id)?.state, 'paused');
    assert.deepEqual(fake.listStates.at(-1)?.sort(), ['paused', 'running'], 'list asks for both states');
    // Auto-resume: the request that wakes it is answered by the app.
    const res = await getViaEdge(d.url);
    assert.equal(res.status, 200);
    assert.match(res.body, /Calculator/);
    assert.ok(fake.resumes.some((x) => x.sandboxId === d.sandbox.id && x.by === 'traffic'));
    assert.equal((await p.list()).find((s) => s.id === d.sandbox.id)?.state, 'running');
  });

  it('pause on request, then resume with an explicit timeout (connect sends it); a second pause says it was paused already', async () => {
    const p = provider();
    const d = await deploy({ spec: templateSpec('webapp', 'a calculator'), provider: p, verify: false });
    deployments.push(d);
    assert.equal(await p.pause(d.sandbox.id), true);
    assert.equal(await p.pause(d.sandbox.id), false);
    assert.deepEqual(fake.pauses.filter((x) => x.sandboxId === d.sandbox.id).map((x) => x.by), ['request']);
    assert.equal(d.sandbox.info().state, 'paused');
    await p.resume(d.sandbox.id, 7 * 60_000);
    assert.deepEqual(fake.resumes.filter((x) => x.sandboxId === d.sandbox.id), [{ sandboxId: d.sandbox.id, by: 'connect', timeoutS: 420 }]);
    const [sb] = fake.live();
    assert.equal(sb!.state, 'running');
    assert.ok(sb!.endAt - Date.now() > 6 * 60_000, 'runs for the timeout it was resumed with');
    assert.equal(d.sandbox.info().state, 'running');
    assert.equal((await getViaEdge(d.url)).status, 200);
  });

  it('a paused sandbox is found after a reload (a new provider lists it) and a takeover resumes it with the timeout', async () => {
    const d = await deploy({ spec: templateSpec('webapp', 'a calculator'), provider: provider(), verify: false });
    deployments.push(d);
    await provider().pause(d.sandbox.id);
    const after = provider({ timeoutMs: 9 * 60_000, sessionId: 'another-window' });
    const found = (await after.list()).find((s) => s.id === d.sandbox.id);
    assert.equal(found?.state, 'paused');
    assert.equal(found?.onTimeout, 'pause');
    await after.takeOver(d.sandbox.id);
    assert.deepEqual(fake.resumes.at(-1), { sandboxId: d.sandbox.id, by: 'connect', timeoutS: 540 });
  });

  it('onTimeout "kill": created without the pause lifecycle, and gone at its timeout', async () => {
    const p = provider({ timeoutMs: 1_000, onTimeout: 'kill' });
    // No verification step: the 1 s lifetime is for the deploy alone.
    const d = await deploy({ spec: templateSpec('webapp', 'a calculator'), provider: p, verify: false });
    const [sb] = fake.live();
    assert.equal(sb!.autoPause, false);
    await until(() => !fake.live().some((s) => s.id === d.sandbox.id), 'the timeout to kill it', 8_000);
    assert.equal(fake.pauses.some((x) => x.sandboxId === d.sandbox.id), false);
  });

  it('pause and resume failures are sentences that say what state it is left in', async () => {
    const p = provider();
    await assert.rejects(p.pause('inotthere'), (e: unknown) => e instanceof SpawnError && e.code === 'deploy.not_found' && /no longer exists/.test(e.message));
    fake.failAuth(1);
    await assert.rejects(p.resume('inotthere', 60_000), (e: unknown) => e instanceof SpawnError && e.code === 'deploy.auth');
  });

  it('an E2B terminal: a shell on envd\'s PTY in the app folder, resized, killed without touching the app', async () => {
    const p = provider();
    const d = await deploy({ spec: templateSpec('webapp', 'a calculator'), provider: p, verify: false });
    deployments.push(d);
    const [sb] = fake.live();
    const { shell, pwd } = await echoPwd((onData) => p.openShell(d.sandbox.id, { cols: 100, rows: 30, onData }));
    // The fake maps /home/user/app to <root>/<id>/home/user/app.
    assert.equal(pwd, path.join(sb!.dir, 'home/user/app'));
    assert.deepEqual(fake.ptys.at(-1), { sandboxId: d.sandbox.id, pid: fake.ptys.at(-1)!.pid, cols: 100, rows: 30, cwd: '/home/user/app' });
    await shell.resize(120, 40);
    assert.deepEqual(fake.resizes.at(-1), { sandboxId: d.sandbox.id, pid: fake.ptys.at(-1)!.pid, cols: 120, rows: 40 });
    const ptyPid = fake.ptys.at(-1)!.pid;
    await shell.kill();
    await shell.exited;
    await until(() => !fake.live()[0]!.pids.includes(ptyPid), 'the PTY to end', 10_000);
    assert.equal((await getViaEdge(d.url)).status, 200, 'the app still runs');
  });

  it('an E2B terminal into a paused sandbox resumes it first, with the timeout', async () => {
    const p = provider({ timeoutMs: 4 * 60_000 });
    const d = await deploy({ spec: templateSpec('webapp', 'a calculator'), provider: p, verify: false });
    deployments.push(d);
    await p.pause(d.sandbox.id);
    const { shell } = await echoPwd((onData) => p.openShell(d.sandbox.id, { cols: 80, rows: 24, onData }));
    assert.deepEqual(fake.resumes.at(-1), { sandboxId: d.sandbox.id, by: 'connect', timeoutS: 240 });
    await shell.kill();
  });

  describe('the local runner\'s terminal', () => {
    let root: string;
    let local: LocalProvider;
    before(() => {
      root = mkdtempSync(path.join(os.tmpdir(), 'spawn-app-shell-'));
    });
    afterEach(async () => {
      await local?.destroyAll();
    });
    after(() => rmSync(root, { recursive: true, force: true }));

    for (const mode of ['sandboxed', 'off'] as const) {
      it(`opens a shell in the app folder (${mode}); closing it leaves the app, destroying the sandbox ends it`, async function () {
        if (mode === 'sandboxed') requireSandbox(this);
        local = new LocalProvider({ root, sandbox: mode === 'off' ? 'off' : undefined });
        const d = await deploy({ spec: templateSpec('webapp', 'a calculator'), provider: local, verify: false });
        const appDir = path.join(root, d.sandbox.id, 'app');
        const first = await echoPwd((onData) => local.openShell(d.sandbox.id, { cols: 80, rows: 24, onData }));
        assert.equal(first.pwd, appDir);
        if (mode === 'sandboxed') {
          // The same plan as the app: the user's home is hidden (an empty folder), the app folder writable.
          await first.shell.write(`echo "HOME_ENTRIES=[$(ls -A ${os.homedir()} | wc -l)]"; touch made-here && echo "MADE=[$?]"\n`);
          await until(() => /MADE=\[0\]/.test(first.output()), 'the shell to write in the app folder', 10_000);
          assert.match(first.output(), /HOME_ENTRIES=\[0\]/, `the home is hidden: ${first.output()}`);
        }
        await first.shell.kill();
        await first.shell.exited;
        assert.equal((await getViaEdge(d.url)).status, 200, 'the app still runs after its terminal closed');
        const second = await echoPwd((onData) => local.openShell(d.sandbox.id, { cols: 80, rows: 24, onData }));
        await d.sandbox.destroy();
        await second.shell.exited; // destroying the sandbox ends its shells
      });
    }
  });

  describe('the CLI', () => {
    before(() => ensureBuilt());
    let localRoot: string;
    before(() => {
      localRoot = mkdtempSync(path.join(os.tmpdir(), 'spawn-app-cli-'));
    });
    after(() => rmSync(localRoot, { recursive: true, force: true }));

    it('pause ID / resume ID, and list shows the state', async () => {
      const env = { ...fake.env(), SPAWN_APP_LOCAL_ROOT: localRoot, SPAWN_APP_SANDBOX_TIMEOUT_MS: String(6 * 60_000) };
      const d = await deploy({ spec: templateSpec('webapp', 'a calculator'), provider: provider(), verify: false });
      deployments.push(d);
      const id = d.sandbox.id;
      const paused = await runCli(['pause', id], env);
      assert.equal(paused.code, 0, paused.stderr);
      assert.match(paused.stderr, new RegExp(`Paused ${id}`));
      const list = await runCli(['list'], env);
      assert.match(list.stdout, new RegExp(`${id} {2}e2b {2}paused {2}calculator .*paused \\(a request to its URL resumes it\\)`));
      const json = await runCli(['list', '--json'], env);
      assert.equal((JSON.parse(json.stdout.split('\n').find((l) => l.includes(id))!) as { state: string }).state, 'paused');
      const resumed = await runCli(['resume', id], env);
      assert.equal(resumed.code, 0, resumed.stderr);
      assert.match(resumed.stderr, /Resumed .* for 6 min/);
      assert.deepEqual(fake.resumes.at(-1), { sandboxId: id, by: 'connect', timeoutS: 360 });
      assert.match((await runCli(['list'], env)).stdout, new RegExp(`${id} {2}e2b {2}running {2}calculator .*left, then paused`));
      const bad = await runCli(['pause'], env);
      assert.equal(bad.code, 2);
      assert.match(bad.stderr, /pause needs a sandbox ID/);
      const local = await runCli(['pause', 'local-abc'], env);
      assert.equal(local.code, 2);
      assert.match(local.stderr, /cannot pause/);
    });

    it('run --on-timeout kill creates without the pause lifecycle; a bad value is a usage error', async () => {
      const env = { ...fake.env(), SPAWN_APP_LOCAL_ROOT: localRoot, ...NO_VERIFY };
      const r = await runCli(['run', 'a calculator', '--provider', 'e2b', '--json', '--detach', '--on-timeout', 'kill'], env);
      assert.equal(r.code, 0, r.stderr);
      const sb = fake.live().at(-1)!;
      assert.equal(sb.autoPause, false);
      const bad = await runCli(['run', 'a calculator', '--on-timeout', 'sleep'], env);
      assert.equal(bad.code, 2);
      assert.match(bad.stderr, /--on-timeout must be one of pause, kill/);
    });
  });
});
