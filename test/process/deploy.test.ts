import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { deploy, installCommand } from '../../src/core/deploy/deploy';
import type { SpawnEvent } from '../../src/core/base/events';
import type { Isolation } from '../../src/core/sandbox/local/bwrap';
import { LocalProvider } from '../../src/core/sandbox/local/provider';
import type { AppSpec } from '../../src/core/app/spec';
import { isDown, request } from '../helpers/http';

const SERVER = "require('http').createServer((q,s)=>s.end('hello from '+q.url)).listen(process.env.PORT||3000, ()=>console.log('listening'))";

function webapp(over: Partial<AppSpec> = {}): AppSpec {
  return { appType: 'webapp', files: [{ path: 'server.js', content: SERVER }], startCommand: 'node server.js', dependencies: [], port: 3000, ...over };
}

describe('deploy pipeline (local provider)', function () {
  let root: string;
  let provider: LocalProvider;
  let events: SpawnEvent[];
  beforeEach(() => {
    root = mkdtempSync(path.join(os.tmpdir(), 'spawn-deploy-test-'));
    provider = new LocalProvider({ root });
    events = [];
  });
  afterEach(async () => {
    await provider.destroyAll();
    rmSync(root, { recursive: true, force: true });
  });
  const sandboxesLeft = () => readdirSync(root).filter((n) => n.startsWith('local-')).length;

  it('runs every phase in order and the app answers at the URL', async () => {
    const d = await deploy({ spec: webapp(), provider, onEvent: (e) => events.push(e) });
    const res = await request(d.url + '/x');
    assert.equal(res.status, 200);
    assert.equal(res.body, 'hello from /x');
    const phases = events.filter((e) => e.event === 'phase').map((e) => `${e.phase}:${e.status}`);
    assert.deepEqual(phases, [
      'validate:started', 'validate:finished', 'create:started', 'create:finished', 'write:started', 'write:finished',
      'install:skipped', 'start:started', 'start:finished', 'health:started', 'health:finished',
    ]);
    const ready = events.find((e) => e.event === 'ready');
    assert.ok(ready && ready.event === 'ready' && ready.url === d.url && ready.provider === 'local');
    assert.ok(events.some((e) => e.event === 'log' && e.source === 'app' && e.line === 'listening'));
    await d.sandbox.destroy();
    assert.ok(await isDown(d.url));
  });

  it('blocks a spec with errors before creating anything', async () => {
    await assert.rejects(
      deploy({ spec: webapp({ files: [{ path: '../../etc/evil', content: 'x' }] }), provider, onEvent: (e) => events.push(e) }),
      (err: Error & { code?: string }) => err.code === 'blocked',
    );
    assert.ok(events.some((e) => e.event === 'finding' && e.rule === 'path.traversal'));
    assert.ok(!events.some((e) => e.event === 'phase' && e.phase === 'create'));
    assert.equal(sandboxesLeft(), 0);
  });

  it('fails fast with the last output when the app exits before answering, and removes the sandbox', async () => {
    const spec = webapp({ files: [{ path: 'server.js', content: "console.log('booting'); console.error('Error: boom at startup'); process.exit(7)" }] });
    // A 30 s ready timeout outlasts the test's: a deploy that waited for it instead of the exit fails there.
    await assert.rejects(deploy({ spec, provider, onEvent: (e) => events.push(e), readyTimeoutMs: 30_000 }), (err: Error & { code?: string; detail?: string }) => {
      assert.equal(err.code, 'deploy.start_failed');
      assert.match(err.message, /exit code 7/);
      assert.match(err.detail ?? '', /boom at startup/);
      return true;
    });
    assert.equal(sandboxesLeft(), 0);
  });

  it('times out when the app never answers, kills it and removes the sandbox', async () => {
    const spec = webapp({ files: [{ path: 'server.js', content: "console.log('not listening'); setInterval(()=>{}, 1000)" }] });
    // verify: false: no browser starting beside the 500 ms wait (the check would come after the health check anyway).
    await assert.rejects(deploy({ spec, provider, readyTimeoutMs: 500, verify: false }), (err: Error & { code?: string; detail?: string }) => {
      assert.equal(err.code, 'deploy.health_timeout');
      assert.match(err.detail ?? '', /not listening/);
      return true;
    });
    assert.equal(sandboxesLeft(), 0);
  });

  it('reports an install failure with the installer\'s last lines and cleans up', async () => {
    const spec = webapp({ dependencies: ['left-pad@1.3.0'] });
    // An npm that always fails stands in for a broken install, without touching the network. It lives in a temp
    // folder, which the sandbox hides: this test runs the unsandboxed fallback, with that folder on its PATH.
    const bin = mkdtempSync(path.join(os.tmpdir(), 'fake-npm-'));
    const fs = await import('node:fs');
    fs.writeFileSync(path.join(bin, 'npm'), '#!/bin/sh\necho "npm ERR! 404 Not Found - left-pad" >&2\nexit 1\n', { mode: 0o755 });
    const fallback = new LocalProvider({ root, sandbox: 'off', env: { ...process.env, PATH: `${bin}:${process.env.PATH}` } });
    try {
      await assert.rejects(deploy({ spec, provider: fallback, onEvent: (e) => events.push(e) }), (err: Error & { code?: string; detail?: string }) => {
        assert.equal(err.code, 'deploy.install_failed');
        assert.match(err.detail ?? '', /404 Not Found/);
        return true;
      });
    } finally {
      await fallback.destroyAll();
      rmSync(bin, { recursive: true, force: true });
    }
    assert.ok(events.some((e) => e.event === 'log' && e.source === 'install' && /404/.test(e.line)));
    assert.equal(sandboxesLeft(), 0);
  });

  it('cancellation during the health check destroys the sandbox and stops the app', async () => {
    const spec = webapp({ files: [{ path: 'server.js', content: "setTimeout(()=>require('http').createServer((q,s)=>s.end('late')).listen(process.env.PORT), 5000)" }] });
    const ac = new AbortController();
    const p = deploy({ spec, provider, signal: ac.signal, onEvent: (e) => {
      events.push(e);
      if (e.event === 'phase' && e.phase === 'health' && e.status === 'started') setTimeout(() => ac.abort(), 100);
    } });
    await assert.rejects(p, { name: 'CancelledError' });
    assert.equal(sandboxesLeft(), 0);
    assert.ok(!events.some((e) => e.event === 'ready'));
  });

  it('cancellation before create creates nothing', async () => {
    const ac = new AbortController();
    ac.abort();
    await assert.rejects(deploy({ spec: webapp(), provider, signal: ac.signal }), { name: 'CancelledError' });
    assert.equal(sandboxesLeft(), 0);
  });

  it('installCommand: none without dependencies, npm for Node apps, pip for scripts, skips preinstalled', () => {
    assert.equal(installCommand(webapp()), undefined);
    assert.match(installCommand(webapp({ dependencies: ['express@^4'] }))!, /npm install .*'express@\^4'/);
    assert.match(installCommand(webapp({ appType: 'script', dependencies: ['requests'] }))!, /pip install .*'requests'/);
    assert.equal(installCommand(webapp({ dependencies: ['express'] }), { preinstalled: () => true }), undefined);
  });

  it('installCommand: only the declared dependencies, no app config; install scripts only where sandboxed', () => {
    type Iso = { isolation: () => Isolation };
    const sandboxed: Iso = { isolation: () => ({ sandboxed: true, network: true }) };
    const bare: Iso = { isolation: () => ({ sandboxed: false, network: true, reason: 'no bwrap' }) };
    const npm = installCommand(webapp({ dependencies: ['express@^4', 'left-pad'] }), sandboxed)!;
    // A staging folder of its own (no package.json, .npmrc, lock file or workspace of the app), an empty user config.
    assert.match(npm, /^rm -rf \.spawn-install && mkdir \.spawn-install && cd \.spawn-install && echo '\{"private":true\}' > package\.json && npm install /);
    assert.match(npm, / --userconfig=\/dev\/null --workspaces=false --package-lock=false /);
    // Every declared dependency goes into the staged node_modules that replaces the app's.
    assert.match(npm, /'express@\^4' 'left-pad' && cd \.\. && rm -rf node_modules && mv \.spawn-install\/node_modules node_modules/);
    // A sandbox image that has some of them (a Spawn App E2B template): only the missing ones, in place, still no app config.
    const onTemplate = installCommand(webapp({ dependencies: ['express@^4', 'left-pad'] }), { ...sandboxed, preinstalled: (d) => d.startsWith('express') })!;
    assert.match(onTemplate, /^npm install .* --userconfig=\/dev\/null --workspaces=false --package-lock=false 'left-pad'$/);
    assert.doesNotMatch(npm, /--ignore-scripts/);
    assert.match(installCommand(webapp({ dependencies: ['left-pad'] }), bare)!, /--ignore-scripts/);
    const pip = (p?: Iso) => installCommand(webapp({ appType: 'script', dependencies: ['requests'] }), p)!;
    // pip runs isolated from a staging folder (no pip/__main__.py of the app's), with no config file of the app's home.
    assert.match(pip(sandboxed), /^rm -rf \.spawn-install && mkdir \.spawn-install && cd \.spawn-install && PIP_CONFIG_FILE="\$\{SPAWN_APP_PIP_CONFIG:-\/dev\/null\}" python3 -I -m pip install /);
    assert.doesNotMatch(pip(sandboxed), /only-binary/);
    assert.match(pip(bare), /--only-binary=:all: 'requests'; s=\$\?; cd \.\. && rm -rf \.spawn-install; exit \$s$/);
  });
});
