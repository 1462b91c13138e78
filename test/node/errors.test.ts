import { strict as assert } from 'node:assert';
import { cliMessage } from '../../src/cli/hints';
import { aboutApp, asSpawnError, CancelledError, exitCodeFor, SpawnError } from '../../src/core/base/errors';
import { createGenerator } from '../../src/core/generate';
import { createProvider } from '../../src/core/sandbox';

describe('SpawnError', () => {
  it('carries the app it is about without a side channel, and keeps an app it already names', () => {
    const err = new SpawnError('deploy.start_failed', 'The app exited.', 'last lines');
    const about = aboutApp(err, 'app-1') as SpawnError;
    assert.equal(about.appId, 'app-1');
    assert.equal(err.appId, undefined, 'the original is not changed');
    assert.equal(about.code, 'deploy.start_failed');
    assert.equal(about.detail, 'last lines');
    assert.equal((aboutApp(about, 'app-2') as SpawnError).appId, 'app-1');
    const cancel = new CancelledError();
    assert.equal(aboutApp(cancel, 'app-1'), cancel, 'a cancel stays a cancel');
    const plain = new Error('x');
    assert.equal(aboutApp(plain, 'app-1'), plain);
    assert.equal(exitCodeFor(about), 5);
  });

  it('the CLI renders a hint as its variable or flag; the sentence itself names neither', () => {
    const e = new SpawnError('generation.truncated', 'Claude stopped at the 100-token limit.', undefined, { hint: { setting: 'maxTokens', value: 200 } });
    assert.equal(cliMessage(e), 'Claude stopped at the 100-token limit. Set SPAWN_APP_MAX_TOKENS=200.');
    assert.equal(cliMessage(new SpawnError('usage', 'Plain.')), 'Plain.');
  });

  it('a missing key says so in neutral words, with the key and the alternative as hints', async () => {
    const gen = await createGenerator('claude', {}).then(() => undefined, (e: unknown) => e);
    assert.ok(gen instanceof SpawnError, String(gen));
    assert.equal(gen.code, 'generation.no_key');
    assert.doesNotMatch(gen.message, /ANTHROPIC_API_KEY|--generator/);
    assert.deepEqual(gen.hints, [{ key: 'anthropic' }, { use: 'templates' }]);
    assert.equal(cliMessage(gen), `${gen.message} Set ANTHROPIC_API_KEY, or use --generator templates.`);
    const prov = await createProvider('e2b', {}).then(() => undefined, (e: unknown) => e);
    assert.ok(prov instanceof SpawnError, String(prov));
    assert.doesNotMatch(prov.message, /E2B_API_KEY|--provider/);
    assert.match(cliMessage(prov), /Set E2B_API_KEY, or use --provider local\.$/);
  });
});

describe('asSpawnError', () => {
  it('a process too large to start (E2BIG) is a sentence and exit 5, not "Unexpected error: spawn E2BIG"', () => {
    const e = asSpawnError(Object.assign(new Error('spawn E2BIG'), { code: 'E2BIG', errno: -7, syscall: 'spawn' }));
    assert.equal(e.code, 'deploy.failed');
    assert.equal(exitCodeFor(e), 5);
    assert.match(e.message, /^A process could not be started: its command line and environment are larger than the system allows \(E2BIG\)/);
  });
  it('a SpawnError stays itself; anything else is "Unexpected error: <first line>"', () => {
    const s = new SpawnError('usage', 'x.');
    assert.equal(asSpawnError(s), s);
    assert.equal(asSpawnError(new Error('boom\nstack')).message, 'Unexpected error: boom');
  });
});
