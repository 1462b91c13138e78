import assert from 'node:assert/strict';
import { templateSpec } from '../../src/core/generate/templateFiles';
import { deployConfirmation } from '../../src/vscode/deployConfirmation';

const calculator = templateSpec('webapp', 'a calculator');
const base = { appName: 'calculator', spec: calculator, findings: [], e2bTemplate: 'base', timeoutMinutes: 15 };

describe('deployConfirmation (the extension’s deploy dialog)', () => {
  it('says which provider runs what, and what gets installed', () => {
    const c = deployConfirmation({ ...base, generator: 'templates', provider: 'local' });
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
    assert.match(local.detail, /written by a model.*unsandboxed, with your permissions/);
    const unknown = deployConfirmation({ ...base, generator: 'disk', provider: 'local' });
    assert.equal(unknown.unsandboxedModelCode, true);
    const e2b = deployConfirmation({ ...base, generator: 'claude', provider: 'e2b' });
    assert.equal(e2b.unsandboxedModelCode, false);
    assert.match(e2b.message, /to E2B\?$/);
    assert.match(e2b.detail, /an E2B sandbox \(template base, stops after 15 min unless extended\)/);
  });

  it('lists warnings with file and line, at most six', () => {
    const findings = Array.from({ length: 8 }, (_, i) => ({ severity: 'warning' as const, rule: 'code.eval', path: 'app.js', line: i + 1, message: 'eval() runs arbitrary code.' }));
    const c = deployConfirmation({ ...base, generator: 'templates', provider: 'local', findings, redeploy: true });
    assert.equal(c.action, 'Redeploy');
    assert.equal(c.warn, true);
    assert.match(c.detail, /^8 warnings:$/m);
    assert.match(c.detail, /^• app\.js:1: eval\(\) runs arbitrary code\.$/m);
    assert.match(c.detail, /^• … and 2 more \(see Problems\)$/m);
  });

  it('marks dependencies the sandbox already has', () => {
    const api = templateSpec('api', 'notes');
    const c = deployConfirmation({ ...base, spec: api, generator: 'templates', provider: 'e2b', install: undefined });
    assert.match(c.detail, /^Installs: express@\^4\.21\.2 \(preinstalled\)$/m);
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
    assert.match(c.detail, /runs it unsandboxed, with your permissions/);
  });
});
