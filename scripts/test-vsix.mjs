#!/usr/bin/env node
// Proves the packaged extension: builds spawn-app.vsix (npm run package), checks what it ships, installs it into
// the real VS Code (code-server --install-extension into a scratch extensions folder) and checks it is listed,
// then runs what only the installed files (the minified bundle and only what .vscodeignore ships) can prove, in the
// real extension host: activation, every contributed command registered, and one spawn → deploy → preview (the
// webview's media). The rest of the integration suite runs against the dev build in test:integration.
// --packaged: spawn-app.vsix and out/test are fresh (npm test, scripts/test.mjs, made them). Exit code: 0 when
// all of that passed.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const codeServer = path.join(root, '.vscode-host/code-server/node_modules/.bin/code-server');
const run = (cmd, args, opts = {}) => execFileSync(cmd, args, { cwd: root, stdio: 'inherit', ...opts });

const packaged = process.argv.includes('--packaged');
if (!packaged) run('npm', ['run', 'package']);
// What the .vsix ships (vsce ls): the icon, the walkthrough's media, the bundle; no sources, tests or scripts.
const files = execFileSync('npx', ['vsce', 'ls', '--no-dependencies'], { cwd: root, encoding: 'utf8' }).trim().split('\n').map((l) => l.trim());
const mustShip = ['media/icon.png', 'dist/extension.js', 'dist/node_modules/playwright-core/index.js', 'package.nls.json', 'l10n/bundle.l10n.json', 'media/walkthrough/agents.md', 'docs/screenshots/03-prompt.png'];
for (const f of mustShip) if (!files.includes(f)) throw new Error(`vsce ls does not list ${f}:\n${files.join('\n')}`);
// Screenshots ship only for the walkthrough; the README's are shown from the repository (vsce rewrites their links).
const walkthroughImages = new Set(JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')).contributes.walkthroughs.flatMap((w) => w.steps.map((s) => s.media.image)).filter(Boolean));
const stray = files.filter((f) => /^(src|test|scripts|out|node_modules|\.vscode-host)\/|\.ts$|\.map$|\.vsix$/.test(f) || (/^docs\//.test(f) && !walkthroughImages.has(f)));
if (stray.length) throw new Error(`the .vsix would ship sources, tests or docs it does not show: ${stray.join(', ')}`);
console.log(`[vsix] vsce ls: ${files.length} files, icon included, no sources or tests`);
if (!packaged) run('npm', ['run', 'build:tests']);
const scratch = mkdtempSync(path.join(os.tmpdir(), 'spawn-vsix-'));
try {
  const env = { ...process.env, XDG_CONFIG_HOME: path.join(scratch, 'config'), XDG_DATA_HOME: path.join(scratch, 'data') };
  const extDir = path.join(scratch, 'extensions');
  run(codeServer, ['--extensions-dir', extDir, '--user-data-dir', path.join(scratch, 'user'), '--install-extension', path.join(root, 'spawn-app.vsix')], { env });
  const listed = execFileSync(codeServer, ['--extensions-dir', extDir, '--user-data-dir', path.join(scratch, 'user'), '--list-extensions', '--show-versions'], { cwd: root, env, encoding: 'utf8' });
  if (!/spawn-app\.spawn-app@\d/.test(listed)) throw new Error(`the installed extension is not listed:\n${listed}`);
  console.log(`[vsix] installed: ${listed.trim()}`);
  const installed = path.join(extDir, readdirSync(extDir).find((n) => n.startsWith('spawn-app.spawn-app-')));
  const shipped = readdirSync(installed).sort().join(' ');
  console.log(`[vsix] shipped: ${shipped}`);
  // The installed copy has no node_modules: the suites' own mocha comes from the repository (out/test/...).
  const r = spawnSync(process.execPath, [
    'scripts/vscode-host/run-tests.mjs', '--extension', installed, '--tests', 'out/test/integration/index.js',
    '--env', 'SPAWN_APP_TEST_GREP=^activation |^spawn → .* (generates the app|deploys what the editor holds)', '--timeout', '180000',
  ], { cwd: root, stdio: 'inherit' });
  process.exitCode = r.status ?? 1;
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
