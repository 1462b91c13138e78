import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Budget, FileSpendStore, parseBudget } from '../../src/core/deploy/budget';
import type { SpendRecord, SpendStore } from '../../src/core/deploy/budget';
import { SpawnError } from '../../src/core/base/errors';
import { forModel, readEnvFile, Redactor, secretNameProblem } from '../../src/core/base/secrets';
import type { AppSpec } from '../../src/core/app/spec';
import { isClientFile, validateSpec } from '../../src/core/validate';

const spec = (files: Record<string, string>, appType: AppSpec['appType'] = 'webapp'): AppSpec => ({
  appType,
  startCommand: appType === 'react' ? 'npm run dev' : 'node server.js',
  dependencies: [],
  port: 3000,
  files: Object.entries(files).map(([p, content]) => ({ path: p, content })),
});
const rules = (s: AppSpec, secrets = {}) => validateSpec(s, { secrets }).filter((f) => f.rule.startsWith('secret.')).map((f) => `${f.rule}@${f.path}:${f.line}`);

describe('app secrets (core)', () => {
  it('reads a dotenv file with the dotenv package (quotes, comments, export); bad names are one sentence without the value', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'spawn-env-'));
    try {
      const f = path.join(dir, '.env');
      writeFileSync(f, '# c\nA_KEY="x y" # note\nexport B=2\nMULTI="l1\nl2"\n');
      assert.deepEqual(readEnvFile(f), { A_KEY: 'x y', B: '2', MULTI: 'l1\nl2' });
      writeFileSync(f, 'HOME=hunter22\n');
      assert.throws(() => readEnvFile(f), (e: unknown) => e instanceof SpawnError && e.code === 'usage' && /HOME is set by the runner/.test(e.message) && !e.message.includes('hunter22'));
      assert.throws(() => readEnvFile(path.join(dir, 'missing')), /does not exist/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    assert.equal(secretNameProblem('WEATHER_API_KEY'), undefined);
    for (const bad of ['1X', 'A-B', 'PORT', 'path', 'http_proxy', 'SPAWN_APP_X', 'LD_PRELOAD', 'NODE_OPTIONS']) assert.ok(secretNameProblem(bad), bad);
  });

  it('redacts values (longest first) from text, events and errors', () => {
    const r = new Redactor(['abcd1234', 'abcd12345678', 'x']);
    assert.equal(r.redact('k=abcd12345678 and abcd1234'), 'k=[redacted] and [redacted]');
    assert.equal(r.redact('x marks'), 'x marks', 'too short to redact on its own');
    assert.deepEqual(r.event({ event: 'log', source: 'app', stream: 'stdout', line: 'key abcd1234' }), { event: 'log', source: 'app', stream: 'stdout', line: 'key [redacted]' });
    const e = r.error(new SpawnError('deploy.start_failed', 'bad abcd1234', 'tail abcd1234')) as SpawnError;
    assert.equal(e.message, 'bad [redacted]');
    assert.equal(e.detail, 'tail [redacted]');
  });

  it('tells the model the names, never the values', () => {
    const t = forModel({ WEATHER_API_KEY: 'sekrit-value' }, { system: 'sys', user: 'the log said sekrit-value' });
    assert.match(t.system, /process\.env\.WEATHER_API_KEY/);
    assert.ok(!t.system.includes('sekrit-value') && !t.user.includes('sekrit-value'));
    assert.deepEqual(forModel({}, { system: 's', user: 'u' }), { system: 's', user: 'u' });
  });

  it('the validator warns on well-known key shapes and on a set value in a file, never quoting it', () => {
    const keys = spec({
      'server.js': [
        'const a = "sk-ant-api03-AAAAAAAAAAAAAAAAAAAAAAAA";',
        'const b = "ghp_0123456789abcdefghij0123456789abcdef";',
        'const c = "AKIAIOSFODNN7EXAMPLE";',
        'const d = "xoxb-1234567890-abcdefghij";',
        '-----BEGIN RSA PRIVATE KEY-----',
        'const e = "my-own-secret-value";',
        'const ok = process.env.WEATHER_API_KEY; // skip-this, sk-short',
      ].join('\n'),
    });
    assert.deepEqual(rules(keys, { WEATHER_API_KEY: 'my-own-secret-value' }), [
      'secret.anthropic_key@server.js:1',
      'secret.github_token@server.js:2',
      'secret.aws_key@server.js:3',
      'secret.slack_token@server.js:4',
      'secret.private_key@server.js:5',
      'secret.value_in_file@server.js:6',
    ]);
    assert.ok(validateSpec(keys, { secrets: { WEATHER_API_KEY: 'my-own-secret-value' } }).every((f) => !f.message.includes('my-own-secret-value')));
  });

  it('the validator warns on a secret read in code the browser gets, not in server code', () => {
    assert.equal(isClientFile(spec({}), 'app.js'), true);
    assert.equal(isClientFile(spec({}), 'server.js'), false);
    assert.equal(isClientFile(spec({}, 'react'), 'src/App.tsx'), true);
    assert.equal(isClientFile(spec({}, 'api'), 'server.js'), false);
    assert.equal(isClientFile(spec({}, 'api'), 'public/app.js'), true);
    const s = spec({
      'index.html': '<script>const k = process.env.WEATHER_API_KEY</script>',
      'app.js': 'fetch("/w?units=" + UNITS)',
      'server.js': 'const k = process.env.WEATHER_API_KEY; const p = process.env.PORT;',
      'other.js': 'const port = process.env.PORT; const h = process.env.SPAWN_APP_PUBLIC_HOST;',
    });
    assert.deepEqual(rules(s, { WEATHER_API_KEY: 'v-123456', UNITS: 'metric' }), ['secret.client_side@index.html:1', 'secret.client_side@app.js:1']);
    const react = spec({ 'src/App.tsx': 'const k = import.meta.env.VITE_WEATHER_KEY; const dev = import.meta.env.DEV;' }, 'react');
    assert.ok(rules(react).includes('secret.client_side@src/App.tsx:1'));
  });
});

class MemoryStore implements SpendStore {
  r: SpendRecord | undefined;
  load() {
    return this.r && { ...this.r };
  }
  save(r: SpendRecord) {
    this.r = { ...r };
  }
}

describe('the daily budget (core)', () => {
  it('charges, warns once at 80 %, reports the cap once, and starts afresh the next day', () => {
    let now = new Date(2026, 11, 1, 10).getTime();
    const store = new MemoryStore();
    const b = new Budget(store, 1, () => now);
    assert.deepEqual(b.charge(0.5), { warn: false, reached: false });
    assert.deepEqual(b.charge(0.31), { warn: true, reached: false });
    assert.deepEqual(b.charge(0.01), { warn: false, reached: false }, 'the warning shows once');
    assert.equal(b.capped, false);
    assert.deepEqual(b.charge(0.2), { warn: false, reached: true });
    assert.equal(b.capped, true);
    assert.deepEqual(b.charge(0.2), { warn: false, reached: false }, 'the cap is reported once');
    assert.match(b.refusal(), /^Today's spending cap is reached \(\$1\.22 \/ \$1\.00 today\): no generation was started/);
    now = new Date(2026, 11, 2, 0, 1).getTime();
    assert.equal(b.capped, false, 'a new day');
    assert.equal(b.today().usd, 0);
  });

  it('an unknown price counts as unknown, never as zero; 0 is no cap', () => {
    const b = new Budget(new MemoryStore(), 2);
    b.charge(0.1);
    b.charge(null);
    assert.equal(b.describe(), '$0.10 + unknown / $2.00 today');
    const none = new Budget(new MemoryStore(), 0);
    none.charge(100);
    assert.equal(none.capped, false);
    assert.match(none.describe(), /no cap/);
    assert.equal(parseBudget('$1.5'), 1.5);
    assert.equal(parseBudget(undefined), 2);
    assert.throws(() => parseBudget('-1'), /number of dollars/);
  });

  it('the CLI spend file is 0600 and survives a bad file', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'spawn-spend-'));
    try {
      const f = path.join(dir, 'deep', 'spend.json');
      const store = new FileSpendStore(f);
      new Budget(store, 2).charge(0.25);
      assert.equal(statSync(f).mode & 0o777, 0o600);
      assert.equal(new Budget(store, 2).today().usd, 0.25);
      writeFileSync(f, 'not json');
      assert.equal(new Budget(store, 2).today().usd, 0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
