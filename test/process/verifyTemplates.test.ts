import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Deployment } from '../../src/core/deploy/deploy';
import { deploy, redeploy } from '../../src/core/deploy/deploy';
import type { SpawnEvent } from '../../src/core/base/events';
import { applyPatch } from '../../src/core/workspace/patch';
import { templateSpec } from '../../src/core/stacks';
import { LocalProvider } from '../../src/core/sandbox/local/provider';
import type { AppType } from '../../src/core/app/spec';
import { formatProblem, Verifier } from '../../src/core/verify';
import { requireBrowser } from '../helpers/browser';

/** Every built-in template, deployed for real on the local runner, verifies clean in a real browser (no false alarm). */
describe('verify: every built-in template verifies clean after its deploy', function () {
  // The api's express and the react scaffold are really installed (registry or npm cache) on the first run.
  this.timeout(240_000);
  let root: string;
  let provider: LocalProvider;
  let verifier: Verifier;
  before(function () {
    verifier = new Verifier({ browserPath: requireBrowser(this) });
    root = mkdtempSync(path.join(os.tmpdir(), 'spawn-verify-tpl-'));
    // A dependency cache kept between runs (only this suite's): the first run installs, later ones link.
    provider = new LocalProvider({ root, cacheRoot: path.join(os.tmpdir(), `spawn-app-test-verify-deps-${process.getuid?.() ?? 0}`) });
  });
  after(async () => {
    await verifier?.close();
    await provider?.destroyAll();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  const verified = (d: Deployment) => {
    const v = d.verification!;
    assert.equal(v.state, 'verified', v.problems.map(formatProblem).join('\n'));
    assert.ok(v.screenshots && v.screenshots.wide.length > 1000);
    return v;
  };

  const cases: [AppType, string, string][] = [
    ['webapp', 'a calculator', 'Calculator'],
    ['webapp', 'a todo list', 'Todo'],
    ['webapp', 'a click counter', 'Counter'],
    ['script', 'a report', 'Visits report'],
    ['api', 'notes api', 'Notes API'],
    ['react', 'a counter', ''],
  ];
  for (const [appType, prompt, title] of cases) {
    it(`${appType} (${prompt}): verified, with the verify events after ready`, async () => {
      const events: SpawnEvent[] = [];
      const d = await deploy({ spec: templateSpec(appType, prompt), provider, verify: verifier, onEvent: (e) => events.push(e), readyTimeoutMs: 60_000 });
      try {
        const v = verified(d);
        if (title) assert.match(v.title ?? '', new RegExp(title));
        const kinds = events.map((e) => (e.event === 'verify' ? `verify:${e.status}` : e.event)).filter((k) => k === 'ready' || k.startsWith('verify'));
        assert.deepEqual(kinds, ['ready', 'verify:started', 'verify:finished']);
        const finished = events.find((e) => e.event === 'verify' && e.status === 'finished');
        assert.deepEqual(finished && 'state' in finished ? [finished.state, finished.problems] : [], ['verified', []]);
        if (appType === 'api') assert.equal(d.spec.checks?.length, 4, 'the api template declares its checks');
      } finally {
        await d.sandbox.destroy();
      }
    });
  }

  it('a redeploy that breaks the page is found; verify: false skips the step', async () => {
    const spec = templateSpec('webapp', 'a calculator');
    const d = await deploy({ spec, provider, verify: false });
    try {
      assert.equal(d.verification, undefined);
      const broken = applyPatch(spec, { changes: [{ path: 'app.js', content: 'document.body.innerHTML = "";\nthrow new Error("calculator broke");\n' }], deletions: [] }).spec;
      const { deployment } = await redeploy(d, broken, { provider, verify: verifier });
      const v = deployment.verification!;
      assert.equal(v.state, 'problems');
      assert.deepEqual(v.problems.map(formatProblem), [
        'The page threw an uncaught Error: calculator broke. (app.js:2)',
        'The page shows nothing: no visible text or element in its body.',
      ]);
    } finally {
      await d.sandbox.destroy();
    }
  });
});
