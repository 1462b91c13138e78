/**
 * The CLI's arguments are declared per command (src/cli/args.ts): each command takes only its own options, an
 * option of another command is one sentence naming who takes it (exit 2), and the usage text is generated from the
 * same declarations, so it lists every command with exactly its options (the built CLI: test/process/cli.test.ts).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { COMMANDS, OPTIONS, parse, synopses } from '../../src/cli/args';
import { PROVIDER_IDS } from '../../src/core/base/providerId';
import { GENERATOR_IDS, GENERATORS } from '../../src/core/generate/types';
import { APP_TYPES } from '../../src/core/stacks';
import type { CommandName } from '../../src/cli/args';

describe('CLI arguments per command (issue 19)', () => {
  it('an option of another command is refused in one sentence naming the command that takes it', () => {
    assert.throws(() => parse(['list', '--out', 'x']), { code: 'usage', message: 'list takes no --out option (generate takes it). Run "spawn-app --help" for usage.' });
    assert.throws(() => parse(['cache', '--yes']), { code: 'usage', message: /^cache takes no --yes option \(run, deploy take it\)\./ });
    assert.throws(() => parse(['validate', '-o', 'x']), { code: 'usage', message: /^validate takes no --out option/ });
    assert.throws(() => parse(['run', 'x', '--bogus']), { code: 'usage', message: /Unknown option '--bogus'/ });
    assert.throws(() => parse(['run', 'x', '--type', 'desktop']), { code: 'usage', message: /^--type must be one of webapp, react, api, script\./ });
    assert.deepEqual(parse(['generate', 'a todo list', '--out', 'dir', '--json']).opts.out, 'dir');
    assert.equal(parse(['--json', 'list']).cmd, 'list', 'options may come before the command');
    assert.equal(parse(['--out', 'list', 'generate', 'x']).cmd, 'generate', "an option's value is not the command");
  });

  it('the usage text is generated from the declarations: every command, each with its own options only', () => {
    const text = synopses();
    const blocks = text.split(/\n(?= {2}spawn-app )/);
    for (const [name, decl] of Object.entries(COMMANDS) as [CommandName, (typeof COMMANDS)[CommandName]][]) {
      const block = blocks.find((b) => b.startsWith(`  spawn-app ${name}`));
      assert.ok(block, name);
      const shown = [...block.matchAll(/--([a-z-]+)/g)].map((m) => m[1]!).filter((o) => o in OPTIONS);
      for (const o of shown) assert.ok((decl.options as readonly string[]).includes(o) || block.includes(`ID|--${o}`), `${name} shows --${o} it does not take`);
    }
  });

  it('--type, --generator and --provider offer the tables’ ids: in the usage text and in the refusal', () => {
    const headless = GENERATOR_IDS.filter((id) => !GENERATORS[id].frontModel);
    assert.deepEqual(OPTIONS.type.choices, APP_TYPES);
    assert.deepEqual(OPTIONS.generator.choices, ['auto', ...headless]);
    assert.ok(!headless.includes('vscode-lm'), 'the CLI has no chat model of an editor');
    assert.deepEqual(OPTIONS.provider.choices, ['auto', ...PROVIDER_IDS]);
    const text = synopses();
    assert.ok(text.includes(`[--provider ${['auto', ...PROVIDER_IDS].join('|')}]`), text);
    assert.ok(text.includes(`[--generator ${['auto', ...headless].join('|')}]`), text);
    assert.throws(() => parse(['run', 'x', '--provider', 'docker']), { code: 'usage', message: `--provider must be one of ${['auto', ...PROVIDER_IDS].join(', ')}. Run "spawn-app --help" for usage.` });
    assert.throws(() => parse(['run', 'x', '-g', 'vscode-lm']), { code: 'usage', message: `--generator must be one of ${['auto', ...headless].join(', ')}. Run "spawn-app --help" for usage.` });
  });

  it('the extension’s generator setting offers every generator of the table', () => {
    const manifest = JSON.parse(readFileSync(path.join(__dirname, '../../package.json'), 'utf8')) as { contributes: { configuration: { properties: Record<string, { enum?: string[] }> } } };
    assert.deepEqual([...manifest.contributes.configuration.properties['spawnApp.generator']!.enum!].sort(), ['auto', ...GENERATOR_IDS].sort());
  });
});
