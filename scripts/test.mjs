#!/usr/bin/env node
// `npm test`: every check and suite, built once, then the stages in two lanes side by side, then a table of what
// each stage cost. 2 cores: lane a mostly waits on child processes, sandboxes and fake servers, lane b drives the VS
// Code hosts. The lanes once shared the machine badly: a local sandbox's port was picked free and bound seconds
// later, and a host's code-server port likewise, so the other lane could take it and a test read another app's page.
// Both ports are now held from the moment they are picked (src/core/sandbox/local/ports.ts,
// scripts/vscode-host/host.mjs), and the lanes are the default. The stage scripts of package.json (test:unit,
// test:integration, …) call this with their stages. Tried on a fresh clone and dropped (docs/testing.md): the set-up
// all before the lanes, integration started before the next host's install, and three lanes: each took longer.
//
//   node scripts/test.mjs                 # all stages, two lanes (npm test)
//   node scripts/test.mjs e2e vsix        # only these (their set-up included)
//   node scripts/test.mjs --serial        # one stage at a time (npm run test:serial: slower, output not interleaved)
//   node scripts/test.mjs --keep-going    # every stage runs even after one failed
//
// Set-up, once: the .vsix (vsce runs build:prod) and the dev build before any stage; the VS Code hosts (install.sh /
// install-next.sh: a check when installed) and the compiled host suites beside lane a's first stages. No stage rebuilds:
// SPAWN_APP_TEST_BUILT=1 tells the tests' ensureBuilt() that dist/ is fresh (a rebuild while a host loads
// dist/extension.js could hand it half a file). A failed stage stops the lanes from starting another; the
// running ones finish; the exit code is 1. See docs/testing.md.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const node = process.execPath;
const mocha = [node, 'node_modules/mocha/bin/mocha.js'];
const unitMocha = [...mocha, '--no-config', '-n', 'import=tsx', '--require', 'test/helpers/noProcesses.ts', '--timeout', '20000', '--exit'];
const host = [node, 'scripts/vscode-host/run-tests.mjs', '--extension', '.'];

/**
 * Set-up steps: what they run, and which stages need them. `hosts`: the VS Code hosts' set-up (installs, the compiled
 * host suites), which touches neither dist/ nor what lane a runs: side by side it runs at the head of the lanes while
 * lane a starts, and a stage that needs it waits for it (on a fresh clone the installs take ≈ 85 s). The others run
 * first, alone: the .vsix's production build and the dev build both write dist/.
 */
const SETUP = [
  { name: 'install hosts', cmd: ['bash', 'scripts/vscode-host/install.sh'], for: ['integration', 'e2e', 'vsix'], hosts: true },
  { name: 'install next host', cmd: ['bash', 'scripts/vscode-host/install-next.sh'], for: ['lm'], hosts: true },
  { name: 'package .vsix', cmd: ['npm', 'run', '--silent', 'package'], for: ['vsix'] },
  { name: 'build', cmd: ['npm', 'run', '--silent', 'build'], for: 'all' },
  { name: 'build host suites', cmd: ['npm', 'run', '--silent', 'build:tests'], for: ['integration', 'lm', 'vsix'], hosts: true },
];

/** The stages, in their lane's order. Lane "a" mostly waits (processes, sandboxes); lane "b" runs the hosts. */
const STAGES = [
  // package.json's own scripts: what `npm run lint` checks is written there once.
  { name: 'lint', lane: 'a', cmd: ['npm', 'run', '--silent', 'lint'] },
  { name: 'typecheck', lane: 'a', cmd: ['npm', 'run', '--silent', 'typecheck'] },
  { name: 'commands', lane: 'a', cmd: ['npm', 'run', '--silent', 'check:commands'] },
  { name: 'node', lane: 'a', cmd: [...unitMocha, 'test/node/**/*.test.ts'] },
  { name: 'process', lane: 'a', cmd: [...unitMocha, 'test/process/**/*.test.ts'] },
  // As root: the containment suites once more as a throwaway unprivileged user (the root run is `process`'s).
  { name: 'unprivileged', lane: 'a', cmd: ['bash', 'scripts/test-containment.sh', '--unprivileged'] },
  { name: 'vsix', lane: 'a', cmd: [node, 'scripts/test-vsix.mjs', '--packaged'] },
  { name: 'integration', lane: 'b', cmd: [...host, '--tests', 'out/test/integration/index.js', '--timeout', '900000'] },
  { name: 'lm', lane: 'b', cmd: [...host, '--install', 'test/host/lm-fixture', '--tests', 'out/test/integration-lm/index.js', '--timeout', '240000'], env: { SPAWN_APP_VSCODE_HOST: 'next' } },
  { name: 'e2e', lane: 'b', cmd: [...mocha, '--no-config', '--require', 'tsx/cjs', '--timeout', '240000', '--bail', '--exit', 'test/e2e/**/*.e2e.ts'] },
];

const args = process.argv.slice(2);
const serial = args.includes('--serial');
// --keep-going: a failed stage does not stop the next ones (to see every stage's result in one run).
const keepGoing = args.includes('--keep-going');
const wanted = args.filter((a) => !a.startsWith('--'));
for (const w of wanted) {
  if (!STAGES.some((s) => s.name === w)) {
    console.error(`unknown stage "${w}"; the stages: ${STAGES.map((s) => s.name).join(', ')}`);
    process.exit(2);
  }
}
const stages = STAGES.filter((s) => !wanted.length || wanted.includes(s.name));
const env = { ...process.env, SPAWN_APP_TEST_BUILT: '1' };
const costs = [];
let failed = false;
let sideBySide = false;

/** Runs one command; its output lines prefixed with `[name]` when lanes run side by side. Resolves its exit code. */
function run(name, cmd, extraEnv = {}, prefix = false) {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(cmd[0], cmd.slice(1), { cwd: root, env: { ...env, ...extraEnv }, stdio: prefix ? ['ignore', 'pipe', 'pipe'] : 'inherit' });
    if (prefix) {
      for (const [from, to] of [[child.stdout, process.stdout], [child.stderr, process.stderr]]) {
        let rest = '';
        from.setEncoding('utf8');
        from.on('data', (d) => {
          const lines = (rest + d).split('\n');
          rest = lines.pop();
          for (const l of lines) to.write(`[${name}] ${l}\n`);
        });
        from.on('end', () => rest && to.write(`[${name}] ${rest}\n`));
      }
    }
    child.on('error', (err) => {
      console.error(`[${name}] ${err.message}`);
      resolve(127);
    });
    child.on('close', (code, signal) => {
      const seconds = (Date.now() - started) / 1000;
      costs.push({ name, seconds, ok: code === 0 });
      console.log(`[${name}] ${code === 0 ? 'passed' : `FAILED (${signal ?? `exit ${code}`})`} in ${seconds.toFixed(1)} s`);
      resolve(code ?? 1);
    });
  });
}

/** Runs set-up steps in turn; false (and the run failed) at the first that fails. */
async function steps(list, prefix) {
  for (const step of list) {
    if ((await run(step.name, step.cmd, {}, prefix)) !== 0) {
      failed = true;
      return false;
    }
  }
  return true;
}

/** The set-up steps this run needs (`hosts`: the hosts' ones, or the others). */
const setup = (hosts) => SETUP.filter((step) => !!step.hosts === hosts && (step.for === 'all' || stages.some((s) => step.for.includes(s.name))));
const needsHosts = (stage) => SETUP.some((step) => step.hosts && step.for !== 'all' && step.for.includes(stage.name));

/** Runs a lane's stages in turn; a stage that needs the hosts' set-up waits for `hostsReady` first. */
async function lane(list, prefix, hostsReady) {
  for (const s of list) {
    if (failed && !keepGoing) return;
    if (needsHosts(s) && !(await hostsReady)) return;
    // Side by side, lane b's hosts (CPU-bound: code-server, Chromium) run at a lower priority, so lane a's processes,
    // which mostly wait and then need the CPU at once, are not queued behind them (fresh clone: 531 s against 594 s).
    const cmd = !serial && s.lane === 'b' && process.platform === 'linux' ? ['nice', '-n', '5', ...s.cmd] : s.cmd;
    if ((await run(s.name, cmd, s.env, prefix)) !== 0) failed = true;
  }
}

const t0 = Date.now();
if (await steps(setup(false), false)) {
  if (serial) {
    if (await steps(setup(true), false)) await lane(stages, false, Promise.resolve(true));
  }
  else {
    const lanes = ['a', 'b'].map((l) => stages.filter((s) => s.lane === l)).filter((l) => l.length);
    sideBySide = lanes.length > 1;
    const hostsReady = steps(setup(true), sideBySide);
    await Promise.all(lanes.map((l) => lane(l, sideBySide, hostsReady)));
  }
}
const total = (Date.now() - t0) / 1000;
console.log(`\nstage              seconds  result${sideBySide ? '   (lanes a and b run side by side)' : ''}`);
for (const c of costs) {
  const lane = STAGES.find((s) => s.name === c.name)?.lane ?? '-';
  console.log(`${`${c.name}${lane === '-' ? '' : ` (${lane})`}`.padEnd(18)} ${c.seconds.toFixed(1).padStart(7)}  ${c.ok ? 'ok' : 'FAILED'}`);
}
console.log(`${'total'.padEnd(18)} ${total.toFixed(1).padStart(7)}  ${failed ? 'FAILED' : 'ok'}`);
process.exitCode = failed ? 1 : 0;
