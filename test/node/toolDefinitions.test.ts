import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { languageModelToolContributions, languageModelToolSetContributions, TOOL_DEFINITIONS } from '../../src/core/tools/definitions';

const pkg = JSON.parse(readFileSync(path.resolve(__dirname, '../../package.json'), 'utf8'));

describe('agent tool definitions (one source for MCP and VS Code)', () => {
  it('package.json contributes exactly the shared definitions (run `npm run sync:tools` after changing them)', () => {
    assert.deepEqual(pkg.contributes.languageModelTools, languageModelToolContributions());
    assert.deepEqual(pkg.contributes.languageModelToolSets, languageModelToolSetContributions());
    assert.deepEqual(languageModelToolSetContributions()[0]!.tools, TOOL_DEFINITIONS.map((t) => t.name));
  });

  it('the six tools of issue 14, each with a schema, descriptions and a unique #reference', () => {
    assert.deepEqual(TOOL_DEFINITIONS.map((t) => t.name), ['spawn_app', 'deploy_app', 'refine_app', 'list_apps_and_sandboxes', 'get_app_logs', 'destroy_sandbox']);
    const refs = TOOL_DEFINITIONS.map((t) => t.toolReferenceName);
    assert.equal(new Set(refs).size, refs.length);
    assert.equal(TOOL_DEFINITIONS[0]!.toolReferenceName, 'spawnApp');
    for (const t of TOOL_DEFINITIONS) {
      assert.match(t.name, /^[a-z_]+$/);
      assert.match(t.toolReferenceName, /^[A-Za-z]+$/, 'no spaces: it is typed after # in chat');
      assert.ok(t.modelDescription.length > 80 && t.userDescription.length > 10, t.name);
      assert.equal(t.inputSchema.type, 'object');
      assert.equal(t.inputSchema.additionalProperties, false);
      for (const r of t.inputSchema.required ?? []) assert.ok(t.inputSchema.properties?.[r], `${t.name}.${r}`);
      for (const [k, prop] of Object.entries(t.inputSchema.properties ?? {})) assert.ok(prop.description, `${t.name}.${k} has a description`);
    }
    const spawn = TOOL_DEFINITIONS[0]!.inputSchema;
    assert.deepEqual(Object.keys(spawn.properties!), ['prompt', 'appType', 'deploy', 'keep']);
    assert.deepEqual(spawn.properties!.appType!.enum, ['webapp', 'react', 'api', 'script', 'python-api', 'streamlit']);
    assert.deepEqual(TOOL_DEFINITIONS[2]!.inputSchema.required, ['appId', 'followUp']);
    assert.deepEqual(Object.keys(TOOL_DEFINITIONS[4]!.inputSchema.properties!), ['appId', 'tail']);
  });

  it('the tools are not hidden behind a context key: the extension registers them all as it activates', () => {
    for (const t of pkg.contributes.languageModelTools) assert.equal(t.when, undefined, t.name);
    const registered = readFileSync(path.resolve(__dirname, '../../src/vscode/lm/registerAgentTools.ts'), 'utf8');
    assert.match(registered, /vscode\.lm\.registerTool[<(]/);
  });
});
