import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { systemPrompt } from '../../src/core/generate/prompts';
import { parseSpec } from '../../src/core/app/spec';
import { APP_TYPES, guessAppType, isAppType, STACKS, stackOf, templateSpec } from '../../src/core/stacks';
import { hasErrors, validateSpec } from '../../src/core/validate';

const ROOT = path.join(__dirname, '../..');

/** A stack added the way ARCHITECTURE.md says: this one file, its import and its line in STACKS. */
const FIXTURE_STACK = `import type { AppSpecOf } from '../base/appSpec';
import type { Stack } from './types';

export const fixture: Stack<'fixture'> = {
  id: 'fixture',
  label: 'Fixture app',
  icon: 'beaker',
  description: 'A stack that only this test adds',
  example: 'a fixture page',
  prompt: 'A FIXTURE-STACK app: index.html served by server.js.',
  guess: { keywords: /\\bfixture\\b/, rank: 0 },
  ecosystem: 'npm',
  mainFiles: ['index.html'],
  template(): AppSpecOf<'fixture'> {
    return {
      appType: 'fixture',
      files: [{ path: 'server.js', content: 'require("http").createServer((q, s) => s.end("ok")).listen(process.env.PORT || 3000, process.env.HOST || "127.0.0.1");\\n' }, { path: 'index.html', content: '<p>fixture</p>\\n' }],
      startCommand: 'node server.js',
      dependencies: [],
      port: 3000,
      title: 'Fixture',
    };
  },
  hotReload: false,
};
`;

/** A provider added the way ARCHITECTURE.md says: this one file, its id in PROVIDER_IDS (base) and its line in PROVIDERS. */
const FIXTURE_PROVIDER = `import type { SandboxProvider } from './types';

export function fixtureProvider(): SandboxProvider {
  return {
    id: 'fixture',
    create: async () => { throw new Error('the fixture provider makes no sandboxes'); },
    list: async () => [],
    destroy: async () => false,
    extendTimeout: async () => undefined,
  };
}
`;

const STACK_LINE = '  fixture,';
const STACK_IMPORT = "import { fixture } from './fixture';";
const PROVIDER_LINE =
  "  fixture: { label: 'fixture runner', where: 'the fixture runner', timeout: false, onThisMachine: true, billed: false, prewarm: false, ready: () => true, create: async () => (await import('./fixture')).fixtureProvider() },";

/** What a front sees of the tables, printed by a script run in a copy of src/. */
const PROBE = `import { TemplateGenerator } from './src/core/generate/templates';
import { patchSystemPrompt, systemPrompt } from './src/core/generate/prompts';
import { isProviderId, PROVIDER_IDS } from './src/core/base/providerId';
import { parseSpec } from './src/core/app/spec';
import { createProvider } from './src/core/sandbox';
import { providerInfo } from './src/core/sandbox/providers';
import { APP_TYPES, guessAppType, isAppType } from './src/core/stacks';
import { checkToolArgs } from './src/core/tools/schemas';
import { hasErrors, validateSpec } from './src/core/validate';
import { OPTIONS, synopses } from './src/cli/args';

async function main(): Promise<void> {
  const out: Record<string, unknown> = { appTypes: APP_TYPES, isAppType: isAppType('fixture'), guess: guessAppType('a fixture for the tests') };
  try {
    out.manifest = parseSpec({ appType: 'fixture', files: [{ path: 'index.html', content: 'x' }], startCommand: 'node server.js' }).appType;
  } catch (e) {
    out.manifest = String(e);
  }
  out.toolArgs = checkToolArgs('spawn_app', { prompt: 'a page', appType: 'fixture' }) ?? 'ok';
  try {
    const { spec } = await new TemplateGenerator().generate({ appType: 'fixture' as never, prompt: 'anything' });
    out.template = spec.title;
    out.templateValid = !hasErrors(validateSpec(spec));
    out.prompt = systemPrompt(spec.appType).includes('FIXTURE-STACK') && patchSystemPrompt(spec.appType).includes('FIXTURE-STACK');
  } catch (e) {
    out.template = String(e);
  }
  out.providerIds = PROVIDER_IDS;
  out.cli = { type: OPTIONS.type.choices, provider: OPTIONS.provider.choices, usage: synopses() };
  out.isProviderId = isProviderId('fixture');
  try {
    out.provider = (await createProvider('fixture' as never, {})).id;
    out.providerLabel = providerInfo('fixture' as never).label;
  } catch (e) {
    out.provider = String(e);
  }
  process.stdout.write(JSON.stringify(out));
}
void main();
`;

interface Probe {
  cli: { type: string[]; provider: string[]; usage: string };
  appTypes: string[];
  isAppType: boolean;
  guess: string;
  manifest: string;
  toolArgs: string;
  template: string;
  templateValid?: boolean;
  prompt?: boolean;
  providerIds: string[];
  isProviderId: boolean;
  provider: string;
  providerLabel?: string;
}

/** Adds lines after the first line that matches `after`; returns how many lines the file grew by. */
function addAfter(file: string, after: RegExp, lines: string[]): number {
  const text = readFileSync(file, 'utf8').split('\n');
  const i = text.findIndex((l) => after.test(l));
  assert.ok(i >= 0, `${after} is not in ${file}`);
  text.splice(i + 1, 0, ...lines);
  writeFileSync(file, text.join('\n'));
  return lines.length;
}

describe('stacks and providers are tables: a stack is one file plus its table line', () => {
  it('every stack is registered under its own id, offers its template, prompt part and main files', () => {
    assert.deepEqual(APP_TYPES, Object.keys(STACKS));
    for (const t of APP_TYPES) {
      const stack = stackOf(t);
      assert.equal(stack.id, t);
      assert.ok(isAppType(t));
      const spec = templateSpec(t, 'anything');
      assert.equal(spec.appType, t);
      assert.equal(parseSpec(spec).appType, t);
      assert.ok(!hasErrors(validateSpec(spec)), `${t}'s template validates`);
      assert.ok(systemPrompt(t).includes(stack.prompt));
      assert.ok(stack.mainFiles.length > 0);
    }
    assert.equal(isAppType('fixture'), false);
  });

  it('the guess from a prompt asks the stacks by rank, and falls back to the default', () => {
    assert.equal(guessAppType('a React todo list'), 'react');
    assert.equal(guessAppType('a python report of a csv'), 'script');
    assert.equal(guessAppType('a REST api for notes'), 'api');
    assert.equal(guessAppType('a python script that calls an api'), 'script');
    assert.equal(guessAppType('a snake game'), 'webapp');
  });

  it('no other place keys a full Record by app type or provider id (a new line would need an edit there) but the provider table', () => {
    const files: string[] = [];
    const walk = (dir: string): void => {
      for (const e of readdirSync(dir)) {
        const p = path.join(dir, e);
        if (statSync(p).isDirectory()) walk(p);
        else if (p.endsWith('.ts')) files.push(p);
      }
    };
    walk(path.join(ROOT, 'src'));
    const offenders = files
      .filter((f) => !f.endsWith(path.join('sandbox', 'providers.ts')))
      .filter((f) => /(?<!Partial<)Record<(?:AppType|ProviderId)\b/.test(readFileSync(f, 'utf8')))
      .map((f) => path.relative(ROOT, f));
    assert.deepEqual(offenders, []);
  });

  it('a fixture stack (one file, its table line) and a fixture provider (one file, its id, its table line) reach every front-facing list', async function () {
    this.timeout(120_000);
    const tmp = mkdtempSync(path.join(os.tmpdir(), 'spawn-stack-table-'));
    try {
      cpSync(path.join(ROOT, 'src'), path.join(tmp, 'src'), { recursive: true });
      symlinkSync(path.join(ROOT, 'node_modules'), path.join(tmp, 'node_modules'), 'dir');
      writeFileSync(path.join(tmp, 'package.json'), '{"private":true}\n');
      writeFileSync(path.join(tmp, 'probe.ts'), PROBE);
      const probe = async (): Promise<Probe> => {
        const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'probe.ts'], { cwd: tmp, timeout: 100_000 });
        return JSON.parse(stdout) as Probe;
      };

      // Before: the probe sees neither (so what it reports after comes from the two additions alone).
      const before = await probe();
      assert.equal(before.isAppType, false);
      assert.equal(before.isProviderId, false);
      assert.match(before.manifest, /appType must be one of/);
      assert.notEqual(before.toolArgs, 'ok');

      const stacks = path.join(tmp, 'src/core/stacks');
      const sandbox = path.join(tmp, 'src/core/sandbox');
      writeFileSync(path.join(stacks, 'fixture.ts'), FIXTURE_STACK);
      writeFileSync(path.join(sandbox, 'fixture.ts'), FIXTURE_PROVIDER);
      let added = addAfter(path.join(stacks, 'index.ts'), /^import \{ webapp \} from '\.\/webapp';$/, [STACK_IMPORT]);
      added += addAfter(path.join(stacks, 'index.ts'), /^ {2}script,$/, [STACK_LINE]);
      assert.equal(added, 2, 'the stack: its import and its line in STACKS');
      assert.equal(addAfter(path.join(sandbox, 'providers.ts'), /^ {2}e2b: \{/, [PROVIDER_LINE]), 1, 'the provider: its line in PROVIDERS');
      const ids = path.join(tmp, 'src/core/base/providerId.ts');
      const idLine = "export const PROVIDER_IDS = ['local', 'e2b'] as const;";
      assert.ok(readFileSync(ids, 'utf8').includes(idLine));
      writeFileSync(ids, readFileSync(ids, 'utf8').replace(idLine, "export const PROVIDER_IDS = ['local', 'e2b', 'fixture'] as const;"));

      const after = await probe();
      assert.deepEqual(after.appTypes, [...APP_TYPES, 'fixture'], 'the CLI --type, the pick list and the tools offer it');
      assert.equal(after.isAppType, true);
      assert.equal(after.guess, 'fixture', 'its keywords guess it');
      assert.equal(after.manifest, 'fixture', 'a manifest may name it');
      assert.equal(after.toolArgs, 'ok', "the agent tools' schema takes it");
      assert.equal(after.template, 'Fixture', 'the templates generator serves its built-in app');
      assert.equal(after.templateValid, true);
      assert.equal(after.prompt, true, 'the generation and patch prompts carry its part');
      assert.ok(after.providerIds.includes('fixture'));
      assert.equal(after.isProviderId, true);
      assert.equal(after.provider, 'fixture', 'createProvider makes it');
      assert.equal(after.providerLabel, 'fixture runner');
      assert.ok(!before.cli.provider.includes('fixture'));
      assert.deepEqual(after.cli.type, [...APP_TYPES, 'fixture'], 'the CLI offers the stack (--type)');
      assert.deepEqual(after.cli.provider, ['auto', 'local', 'e2b', 'fixture'], 'the CLI offers the provider (--provider)');
      assert.match(after.cli.usage, /\[--provider auto\|local\|e2b\|fixture\]/, 'its usage text too');
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});
