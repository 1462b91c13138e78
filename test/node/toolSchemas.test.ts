/**
 * One zod schema per agent tool (core/tools/schemas.ts): the JSON Schema both fronts publish is generated from it,
 * and both agent fronts check a call's arguments with it, so a bad argument is refused with the same sentence by
 * the MCP server and by VS Code's chat tools (issue 19).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { MAX_PROMPT_LENGTH } from '../../src/core/app/spec';
import { TOOL_DEFINITIONS } from '../../src/core/tools/definitions';
import type { ToolName } from '../../src/core/tools/schemas';
import { HeadlessTools } from '../../src/mcp/headlessTools';
import { checkToolArgs, toolJsonSchema } from '../../src/core/tools/schemas';

const BAD: [ToolName, Record<string, unknown>, string][] = [
  ['spawn_app', {}, 'spawn_app needs "prompt".'],
  ['spawn_app', { prompt: 'x', appType: 'desktop' }, '"appType" must be one of webapp, react, api, script, python-api, streamlit.'],
  ['spawn_app', { prompt: '   ' }, '"prompt" is empty.'],
  ['spawn_app', { prompt: '' }, '"prompt" is empty.'],
  ['spawn_app', { prompt: 'x'.repeat(MAX_PROMPT_LENGTH + 1) }, `"prompt" is longer than ${MAX_PROMPT_LENGTH} characters.`],
  ['spawn_app', { prompt: 'x', deploy: 'yes' }, '"deploy" must be true or false.'],
  ['spawn_app', { prompt: 'x', color: 'red' }, 'spawn_app has no parameter "color".'],
  ['refine_app', { appId: 3, followUp: 'bigger' }, '"appId" must be a string.'],
  ['refine_app', { appId: 'calc' }, 'refine_app needs "followUp".'],
  ['get_app_logs', { appId: 'calc', tail: 0 }, '"tail" must be a whole number from 1 to 500.'],
  ['get_app_logs', { appId: 'calc', tail: 2.5 }, '"tail" must be a whole number from 1 to 500.'],
  ['list_apps_and_sandboxes', { all: true }, 'list_apps_and_sandboxes has no parameter "all".'],
  ['destroy_sandbox', {}, 'destroy_sandbox needs "sandboxId" or "appId".'],
  ['destroy_sandbox', { sandboxId: 'e2b-1', appId: 'calc' }, 'Give either "sandboxId" or "appId", not both.'],
];

describe('tool arguments: one schema per tool, one check for both agent fronts (issue 19)', () => {
  it('the shared check refuses each bad argument with one sentence and lets good ones through', () => {
    for (const [name, args, sentence] of BAD) assert.equal(checkToolArgs(name, args), sentence, `${name} ${JSON.stringify(args).slice(0, 60)}`);
    const good: [ToolName, Record<string, unknown>][] = [
      ['spawn_app', { prompt: 'a calculator', appType: 'webapp', deploy: false, keep: true }],
      ['deploy_app', { appId: 'calc' }],
      ['refine_app', { appId: 'calc', followUp: 'make it blue' }],
      ['list_apps_and_sandboxes', {}],
      ['get_app_logs', { appId: 'calc', tail: 500 }],
      ['destroy_sandbox', { sandboxId: 'e2b-1' }],
      ['destroy_sandbox', { appId: 'calc' }],
    ];
    for (const [name, args] of good) assert.equal(checkToolArgs(name, args), undefined, name);
  });

  it('the MCP server refuses them with that sentence, before doing anything', async () => {
    const tools = new HeadlessTools({ cfg: {}, local: undefined as never, appsDir: '/nonexistent/spawn-apps' });
    for (const [name, args, sentence] of BAD) {
      const r = await tools.call(name, args);
      assert.deepEqual(r, { text: `Error [usage]: ${sentence}`, isError: true }, name);
    }
  });

  it('the chat tools run the same check before their handlers', () => {
    const src = readFileSync(path.resolve(__dirname, '../../src/vscode/lm/agentTools.ts'), 'utf8');
    const call = src.slice(src.indexOf('async call(name: string'), src.indexOf('switch (def.name)'));
    assert.match(call, /const bad = checkToolArgs\(def\.name, call\.input\);\s*if \(bad\) return errorText\('usage', bad\);/);
  });

  it('what both fronts publish (MCP tools/list, the manifest via sync-tools) is generated from the same schema', () => {
    for (const t of TOOL_DEFINITIONS) assert.deepEqual(t.inputSchema, toolJsonSchema(t.name), t.name);
    assert.equal((TOOL_DEFINITIONS[0]!.inputSchema.properties!.prompt as { maxLength?: number }).maxLength, MAX_PROMPT_LENGTH);
  });
});
