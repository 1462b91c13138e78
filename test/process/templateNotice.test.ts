import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { templateNameFor, templateStandInNotice } from '../../src/core/generate/templates';
import { ensureBuilt, runCli } from '../helpers/cli';

describe('which built-in template stands in for a prompt, and why', function () {
  this.timeout(60_000);
  it('names the template per app type and prompt', () => {
    assert.equal(templateNameFor('webapp', 'a snake game'), 'calculator');
    assert.equal(templateNameFor('webapp', 'my todo list'), 'todo list');
    assert.equal(templateNameFor('webapp', 'a click counter'), 'counter');
    assert.equal(templateNameFor('api', 'a bookstore backend'), 'notes API');
    assert.equal(templateNameFor('script', 'analyse sales'), 'visits report');
    assert.equal(
      templateStandInNotice('webapp', 'a snake game', 'No Anthropic API key is set'),
      'No Anthropic API key is set, so the built-in calculator template stands in for "a snake game".',
    );
    assert.match(templateStandInNotice('webapp', 'x'.repeat(200), 'Why'), /stands in for "x{57}…"\.$/);
  });

  it('spawn-app generate "a snake game" without a key says so in one sentence (and --generator templates does not)', async () => {
    ensureBuilt();
    const tmp = mkdtempSync(path.join(os.tmpdir(), 'spawn-notice-'));
    try {
      const r = await runCli(['generate', 'a snake game', '--out', path.join(tmp, 'a')], {}, tmp);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, /^No Anthropic API key is set \(ANTHROPIC_API_KEY\), so the built-in calculator template stands in for "a snake game"\.$/m);
      assert.match(readFileSync(path.join(tmp, 'a', 'index.html'), 'utf8'), /Calculator/);
      const chosen = await runCli(['generate', 'a snake game', '--generator', 'templates', '--out', path.join(tmp, 'b')], {}, tmp);
      assert.equal(chosen.code, 0);
      assert.doesNotMatch(chosen.stderr, /stands in/, 'asked for templates: nothing to explain');
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});
