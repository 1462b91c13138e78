#!/usr/bin/env node
// `npm run try`: the real VS Code of scripts/vscode-host (code-server 4.100.3) with Spawn App loaded, for anyone
// without VS Code desktop. Prints the URL to open in a browser; Ctrl-C stops it. Everything it writes goes to a
// temp folder that is removed on exit. Options: --port N (default: a free one), --folder DIR (default: a temp one).
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, URLSearchParams } from 'node:url';
import { parseArgs } from 'node:util';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({ options: { port: { type: 'string' }, folder: { type: 'string' } } });
const tmp = mkdtempSync(path.join(os.tmpdir(), 'spawn-app-try-'));
const dirs = Object.fromEntries(['user', 'extensions', 'data', 'config', 'workspace'].map((d) => [d, path.join(tmp, d)]));
for (const d of Object.values(dirs)) mkdirSync(d, { recursive: true });
mkdirSync(path.join(dirs.user, 'User'), { recursive: true });
writeFileSync(path.join(dirs.user, 'User/settings.json'), JSON.stringify({ 'workbench.startupEditor': 'none', 'telemetry.telemetryLevel': 'off', 'security.workspace.trust.enabled': false }));
const folder = path.resolve(values.folder ?? dirs.workspace);

const port = values.port ? Number(values.port) : await new Promise((resolve) => {
  const s = net.createServer().listen(0, '127.0.0.1', () => {
    const p = s.address().port;
    s.close(() => resolve(p));
  });
});
const bin = path.join(root, '.vscode-host/code-server/node_modules/.bin/code-server');
const env = { ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('VSCODE_'))), XDG_DATA_HOME: dirs.data, XDG_CONFIG_HOME: dirs.config, EXTENSIONS_GALLERY: '{}' };
const server = spawn(bin, ['--auth', 'none', '--bind-addr', `127.0.0.1:${port}`, '--user-data-dir', dirs.user, '--extensions-dir', dirs.extensions,
  '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust', folder], { env, stdio: ['ignore', 'ignore', 'inherit'], detached: true });

const payload = JSON.stringify([['extensionDevelopmentPath', `vscode-remote://127.0.0.1:${port}${root}`]]);
const url = `http://127.0.0.1:${port}/?${new URLSearchParams({ folder, payload })}`;
console.log(`\nSpawn App in VS Code ${'1.100.3'}: open\n\n  ${url}\n\n(the Spawn App icon is in the activity bar; Ctrl-C stops it)\n`);

const stop = () => {
  try {
    process.kill(-server.pid, 'SIGTERM');
  } catch {
    // already gone
  }
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
server.on('exit', () => {
  rmSync(tmp, { recursive: true, force: true });
  process.exit(0);
});
