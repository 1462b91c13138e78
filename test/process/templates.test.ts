import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { deploy } from '../../src/core/deploy/deploy';
import type { SpawnEvent } from '../../src/core/base/events';
import { TemplateGenerator } from '../../src/core/generate/templates';
import { webappKindFor } from '../../src/core/stacks/webapp';
import { LocalProvider } from '../../src/core/sandbox/local/provider';
import { APP_TYPES } from '../../src/core/stacks';
import { validateSpec } from '../../src/core/validate';
import { request } from '../helpers/http';

describe('templates generator', () => {
  it('picks the webapp from the prompt', () => {
    assert.equal(webappKindFor('a calculator'), 'calculator');
    assert.equal(webappKindFor('A TODO app for groceries'), 'todo');
    assert.equal(webappKindFor('a click counter'), 'counter');
    assert.equal(webappKindFor('something else entirely'), 'calculator');
  });

  for (const appType of APP_TYPES) {
    it(`${appType}: streams each file, then returns a spec with no findings at all`, async () => {
      const events: SpawnEvent[] = [];
      const { spec } = await new TemplateGenerator().generate({ prompt: 'a todo list', appType, onEvent: (e) => events.push(e) });
      assert.equal(spec.appType, appType);
      assert.equal(spec.port, 3000);
      assert.deepEqual(validateSpec(spec), []);
      for (const f of spec.files) {
        assert.ok(events.some((e) => e.event === 'file' && e.path === f.path && e.status === 'started'));
        assert.ok(events.some((e) => e.event === 'file' && e.path === f.path && e.status === 'complete' && e.content === f.content));
      }
    });
  }

  it('honours cancellation', async () => {
    const ac = new AbortController();
    ac.abort();
    await assert.rejects(new TemplateGenerator().generate({ prompt: 'x', appType: 'webapp', signal: ac.signal }), { name: 'CancelledError' });
  });
});

describe('templates run for real on the local provider', function () {
  this.timeout(120_000);
  let root: string;
  let provider: LocalProvider;
  before(() => {
    root = mkdtempSync(path.join(os.tmpdir(), 'spawn-tpl-test-'));
    // A fresh dependency cache: the api app's express is really installed (once, into it).
    provider = new LocalProvider({ root, cacheRoot: path.join(root, 'deps-cache') });
  });
  after(async () => {
    await provider.destroyAll();
    rmSync(root, { recursive: true, force: true });
  });

  it('webapp calculator serves its page, script and styles', async () => {
    const { spec } = await new TemplateGenerator().generate({ prompt: 'a calculator', appType: 'webapp' });
    const d = await deploy({ spec, provider, verify: false });
    const page = await request(d.url + '/');
    assert.equal(page.status, 200);
    assert.match(page.body, /<h1>Calculator<\/h1>/);
    assert.match((await request(d.url + '/app.js')).headers['content-type'] ?? '', /javascript/);
    assert.equal((await request(d.url + '/nope.txt')).status, 404);
    assert.equal((await request(d.url + '/..%2f..%2fetc%2fpasswd')).status !== 200, true);
    await d.sandbox.destroy();
  });

  it('script writes report.html and serves it', async () => {
    const { spec } = await new TemplateGenerator().generate({ prompt: 'a report', appType: 'script' });
    const d = await deploy({ spec, provider, verify: false });
    const res = await request(d.url + '/');
    assert.equal(res.status, 200);
    assert.match(res.body, /<h1>Visits report<\/h1>/);
    assert.match((await request(d.url + '/report.html')).body, /Daily visits/);
    await d.sandbox.destroy();
  });

  it('api installs express and its endpoints answer JSON', async () => {
    const { spec } = await new TemplateGenerator().generate({ prompt: 'notes api', appType: 'api' });
    const events: SpawnEvent[] = [];
    const d = await deploy({ spec, provider, onEvent: (e) => events.push(e), verify: false });
    assert.ok(events.some((e) => e.event === 'phase' && e.phase === 'install' && e.status === 'finished'));
    const list = await request(d.url + '/api/notes');
    assert.equal(list.status, 200);
    assert.match(list.headers['content-type'] ?? '', /json/);
    assert.equal(JSON.parse(list.body).length, 2);
    const created = await request(d.url + '/api/notes', { method: 'POST', body: JSON.stringify({ text: 'new' }) });
    assert.equal(created.status, 201);
    assert.equal(JSON.parse(created.body).text, 'new');
    assert.equal((await request(d.url + '/api/notes', { method: 'POST', body: '{}' })).status, 400);
    assert.match((await request(d.url + '/')).body, /Notes API/);
    await d.sandbox.destroy();
  });
});
