/**
 * Trust ("ours") is one digest in the core (core/tools/trust.ts TrustedSpecs): the CLI, the MCP server and the
 * extension's AppTree all mark what their own template generator wrote and ask the same question of it, so the
 * same app is trusted or untrusted alike through every front (issue 19).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AppTree } from '../../src/core/workspace/appTree';
import { encodeText } from '../../src/core/workspace/treeText';
import { TemplateGenerator } from '../../src/core/generate/templates';
import { LocalProvider } from '../../src/core/sandbox/local/provider';
import type { AppSpec } from '../../src/core/app/spec';
import { HeadlessTools, REFUSED_UNSANDBOXED } from '../../src/mcp/headlessTools';
import { mayRunWithoutAsking, needsSayso } from '../../src/core/tools/trust';
import { TrustedSpecs } from '../../src/core/app/trust';
import { deployConfirmation } from '../../src/vscode/deploy/deployConfirmation';
import { ensureBuilt, NO_VERIFY, runCli } from '../helpers/cli';

const generate = async (): Promise<AppSpec> => (await new TemplateGenerator().generate({ prompt: 'a calculator', appType: 'webapp' })).spec;
const edited = (spec: AppSpec): AppSpec => ({ ...spec, files: spec.files.map((f) => (f.path === 'server.js' ? { ...f, content: f.content + '\n// edited\n' } : f)) });
/** A local runner without bubblewrap: the only case where trust decides anything. */
const unsandboxed = { id: 'local' as const, isolation: () => ({ sandboxed: false }) };

describe('trust: one digest for every front (issue 19)', () => {
  it('ours is exactly what the template generator wrote here: any change to what runs is not ours, the title is', async () => {
    const spec = await generate();
    const trusted = new TrustedSpecs();
    assert.equal(trusted.isOurs(spec), false, 'nothing is ours before this process marks it');
    trusted.markOurs(spec);
    assert.equal(trusted.isOurs(spec), true);
    const renamed: AppSpec = { ...spec, title: 'Renamed', description: 'other words' };
    assert.equal(trusted.isOurs(renamed), true, 'title and description do not run');
    const changes: [string, AppSpec][] = [
      ['a file', edited(spec)],
      ['the start command', { ...spec, startCommand: 'node evil.js' }],
      ['a dependency', { ...spec, dependencies: [...spec.dependencies, 'left-pad'] }],
      ['the app type', { ...spec, appType: 'api' }],
      ['the port', { ...spec, port: spec.port + 1 }],
      ['a new file', { ...spec, files: [...spec.files, { path: 'extra.js', content: 'x' }] }],
    ];
    for (const [what, changed] of changes) assert.equal(trusted.isOurs(changed), false, what);
    assert.equal(needsSayso(true, false), true);
    assert.equal(needsSayso(true, true), false);
    assert.equal(needsSayso(false, false), false, 'a sandbox needs no say-so');
  });

  describe('the same app through the CLI, the MCP server and the extension', () => {
    let tmp: string;
    beforeEach(() => (tmp = mkdtempSync(path.join(os.tmpdir(), 'spawn-trust-'))));
    afterEach(() => rmSync(tmp, { recursive: true, force: true }));

    it('a template generated here runs unsandboxed without asking; edited after, every front asks (or refuses)', async function () {
      this.timeout(60_000);
      const spec = await generate();

      // The extension: AppTree marks what the Spawner's template generator wrote in the session's one digest; the
      // session's rule decides, and the deploy dialog shows its answer.
      const tree = new AppTree();
      const app = tree.createApp({ nameHint: 'calculator', generator: 'templates' });
      tree.setSpec(app, spec, 'templates');
      tree.markOurs(app);
      const dialog = () => {
        const r = tree.specOf(app);
        return deployConfirmation({ appName: app.name, spec: r.spec!, findings: r.findings, generator: r.generator, unsandboxed: !mayRunWithoutAsking(r.spec!, unsandboxed, tree.trusted, false).ok, provider: 'local', e2bTemplate: 'base', timeoutMinutes: 15 });
      };
      assert.equal(tree.isOurs(app), true);
      assert.equal(dialog().unsandboxedModelCode, false);

      // The CLI: its context's TrustedSpecs is marked by generateSpec; deployAndServe asks mayRunWithoutAsking.
      const cliTrusted = new TrustedSpecs();
      cliTrusted.markOurs(spec);
      assert.equal(mayRunWithoutAsking(spec, unsandboxed, cliTrusted, false).ok, true);

      // The MCP server: spawn_app with the built-in templates, then deploy_app on the unsandboxed local runner.
      const appsDir = path.join(tmp, 'apps');
      const local = new LocalProvider({ root: path.join(tmp, 'sandboxes'), sandbox: 'off', env: { ...process.env, SPAWN_APP_SANDBOX: 'off' } });
      const tools = new HeadlessTools({ cfg: { verify: false }, local, appsDir, provider: 'local' });
      try {
        const written = await tools.call('spawn_app', { prompt: 'a calculator', appType: 'webapp', deploy: false });
        assert.equal(written.isError, false, written.text);
        const ran = await tools.call('deploy_app', { appId: 'calculator' });
        assert.equal(ran.isError, false, ran.text);
        assert.match(ran.text, /Started/);
        await tools.call('destroy_sandbox', { appId: 'calculator' });

        // Now the same edit in each front.
        const server = path.join(appsDir, 'calculator', 'server.js');
        writeFileSync(server, readFileSync(server, 'utf8') + '\n// edited\n');
        const refused = await tools.call('deploy_app', { appId: 'calculator' });
        assert.equal(refused.isError, true);
        assert.match(refused.text, new RegExp(`^Error \\[${REFUSED_UNSANDBOXED.replace('.', '\\.')}\\]`));
      } finally {
        await tools.shutdown();
        await local.destroyAll();
      }
      tree.writeFile(tree.pathOf(app, 'server.js'), encodeText(spec.files.find((f) => f.path === 'server.js')!.content + '\n// edited\n'), { create: false, overwrite: true });
      assert.equal(tree.isOurs(app), false);
      assert.equal(dialog().unsandboxedModelCode, true);
      assert.equal(mayRunWithoutAsking(edited(spec), unsandboxed, cliTrusted, false).ok, false);
    });

    it('the CLI: the same template read from a folder is not ours (deploy PATH asks; without a terminal it needs --yes)', async function () {
      this.timeout(60_000);
      ensureBuilt();
      const dir = path.join(tmp, 'calculator');
      const gen = await runCli(['generate', 'a calculator', '--type', 'webapp', '--generator', 'templates', '--out', dir]);
      assert.equal(gen.code, 0, gen.stderr);
      const r = await runCli(['deploy', dir, '--provider', 'local'], { SPAWN_APP_SANDBOX: 'off', SPAWN_APP_LOCAL_ROOT: path.join(tmp, 'sandboxes'), ...NO_VERIFY });
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /not generated from a built-in template just now \(it was read from a folder, restored or edited\), and the local runner would run it unsandboxed.*Pass --yes/);
    });
  });
});
