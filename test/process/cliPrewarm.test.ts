/**
 * `spawn-app run` on E2B pre-warms (a real child process against the fake E2B through the real SDK, and the fake
 * Messages API): the sandbox is created while the model writes and the deploy goes into it; a generation error or
 * an interrupt kills it; --no-prewarm creates at deploy time as before.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { STACK_TEMPLATES_CHOICE } from '../../src/core/sandbox/preinstalled';
import { FakeAnthropic } from '../fakes/fakeAnthropic';
import { FakeE2B } from '../fakes/fakeE2B';
import { ensureBuilt, NO_VERIFY, runCli, startCli } from '../helpers/cli';
import { stackTemplateOptions } from '../helpers/stackImages';

type Ev = Record<string, unknown>;
const parseLines = (stdout: string): Ev[] => stdout.trim().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Ev);

describe('spawn-app run: pre-warm on E2B (real process ↔ fake E2B + fake Messages API)', function () {
  this.timeout(120_000);
  let e2b: FakeE2B;
  let claude: FakeAnthropic;
  let tmp: string;
  let env: NodeJS.ProcessEnv;
  before(async () => {
    ensureBuilt();
    // E2B resumes a template's snapshot with its server running: a create answers in ~150 ms, as it does there.
    e2b = await FakeE2B.start({ snapshotTemplates: true, ...stackTemplateOptions(['webapp', 'react']) });
    claude = await FakeAnthropic.start();
  });
  after(async () => {
    await e2b?.close();
    await claude?.close();
  });
  beforeEach(() => {
    claude.reset();
    e2b.resetCounts();
    tmp = mkdtempSync(path.join(os.tmpdir(), 'spawn-cli-prewarm-'));
    const c = e2b.connection();
    env = {
      E2B_API_KEY: c.apiKey,
      E2B_API_URL: c.apiUrl,
      E2B_SANDBOX_URL: c.sandboxUrl,
      E2B_DOMAIN: c.domain,
      SPAWN_APP_E2B_TEMPLATE: STACK_TEMPLATES_CHOICE,
      ANTHROPIC_API_KEY: 'x',
      ANTHROPIC_BASE_URL: claude.url,
      SPAWN_APP_LOCAL_ROOT: path.join(tmp, 'local'),
      // No test here looks at the page: no browser check (the verification suites test it).
      ...NO_VERIFY,
    };
  });
  afterEach(async () => {
    for (const s of e2b.live()) await e2b.expire(s.id);
    rmSync(tmp, { recursive: true, force: true });
  });

  it('react: creates the sandbox while the model writes and deploys into it: one create, one write, no start; its lifetime extended after', async () => {
    await e2b.sparesReady();
    // The model's answer is held open until the pre-warmed sandbox is ready: it can only be, if it was made while the model wrote.
    let release!: () => void;
    claude.enqueue({ kind: 'ok', holdUntil: new Promise<void>((r) => (release = r)) });
    const cli = startCli(['run', 'a counter', '--type', 'react', '--generator', 'claude', '--json', '--detach'], env, tmp);
    await cli.waitFor((e) => e.event === 'prewarm' && e.status === 'ready');
    release();
    const r = await cli.done;
    assert.equal(r.code, 0, r.stderr);
    const events = parseLines(r.stdout);
    const ready = events.findIndex((e) => e.event === 'prewarm' && e.status === 'ready');
    const generated = events.findIndex((e) => e.event === 'phase' && e.phase === 'generate' && e.status === 'finished');
    assert.ok(ready >= 0 && ready < generated, `pre-warmed before the generation ended: ${events.map((e) => `${e.event}:${e.phase ?? e.status}`).join(' ')}`);
    assert.ok(events.some((e) => e.event === 'phase' && e.phase === 'create' && e.status === 'skipped' && e.detail === 'pre-warmed'));
    const counts = e2b.counts();
    assert.equal(counts['POST /v2/sandboxes'], 1, JSON.stringify(counts));
    assert.equal(counts['POST /files'], 1);
    assert.equal(counts['POST /process.Process/Start'], undefined, 'the template\'s Vite server was already running');
    const [sb] = e2b.live();
    assert.equal(sb!.metadata.prewarm, 'true');
    assert.equal(sb!.templateID, 'spawn-app-react');
    assert.ok(sb!.endAt - Date.now() > 10 * 60_000, 'the detached app lives as long as any sandbox (15 min), not the pre-warm\'s few minutes');
  });

  it('generation error: the pre-warmed sandbox is killed (exit 4)', async () => {
    claude.enqueue('auth');
    const r = await runCli(['run', 'a counter', '--type', 'webapp', '--generator', 'claude', '--json'], env, tmp);
    assert.equal(r.code, 4, r.stderr);
    assert.equal(e2b.counts()['POST /v2/sandboxes'], 1, 'a pre-warm was started');
    assert.ok(parseLines(r.stdout).some((e) => e.event === 'prewarm' && e.status === 'discarded' && e.reason === 'generation-failed'), r.stdout);
    assert.equal(e2b.liveCount, 0);
  });

  it('Ctrl-C during generation: the pre-warmed sandbox is killed (exit 130)', async () => {
    claude.enqueue({ kind: 'stall' });
    const cli = startCli(['run', 'a counter', '--type', 'webapp', '--generator', 'claude', '--json'], env, tmp);
    const ready = await cli.waitFor((e) => e.event === 'prewarm' && e.status === 'ready');
    assert.equal(e2b.live()[0]?.id, ready.sandboxId);
    cli.child.kill('SIGINT');
    const r = await cli.done;
    assert.equal(r.code, 130, r.stderr);
    assert.ok(parseLines(r.stdout).some((e) => e.event === 'prewarm' && e.status === 'discarded' && e.reason === 'cancelled'), r.stdout);
    assert.equal(e2b.liveCount, 0);
  });

  it('--no-prewarm: the deploy creates the sandbox after the generation, without the prewarm tag', async () => {
    const r = await runCli(['run', 'a counter', '--type', 'webapp', '--generator', 'templates', '--json', '--detach', '--no-prewarm'], env, tmp);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(!parseLines(r.stdout).some((e) => e.event === 'prewarm'));
    assert.equal(e2b.live()[0]!.metadata.prewarm, undefined);
  });

  it('the local runner never pre-warms', async () => {
    const cli = startCli(['run', 'a counter', '--type', 'webapp', '--generator', 'templates', '--json', '--provider', 'local', '--yes'], env, tmp);
    await cli.waitFor((e) => e.event === 'ready');
    cli.child.kill('SIGINT');
    const r = await cli.done;
    assert.ok(!parseLines(r.stdout).some((e) => e.event === 'prewarm'), r.stdout);
    assert.equal(e2b.counts()['POST /v2/sandboxes'], undefined);
  });
});
