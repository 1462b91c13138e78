/**
 * Finds a Chromium-family browser on this machine (never downloads one): the path the user gave (the setting
 * `spawnApp.browserPath`, or `SPAWN_APP_BROWSER` for the CLI and the MCP server), else Chromium, Chrome or Edge on
 * PATH or at their usual install paths on Linux, macOS and Windows.
 */
import { accessSync, constants, statSync } from 'node:fs';
import path from 'node:path';

/** Names looked up on PATH, best first. */
const PATH_NAMES = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable', 'chrome', 'microsoft-edge', 'microsoft-edge-stable', 'msedge'];

function installPaths(platform: NodeJS.Platform, env: NodeJS.ProcessEnv): string[] {
  if (platform === 'darwin') {
    const apps = ['Google Chrome.app/Contents/MacOS/Google Chrome', 'Chromium.app/Contents/MacOS/Chromium', 'Microsoft Edge.app/Contents/MacOS/Microsoft Edge'];
    return [...apps.map((a) => `/Applications/${a}`), ...(env.HOME ? apps.map((a) => `${env.HOME}/Applications/${a}`) : [])];
  }
  if (platform === 'win32') {
    const roots = [env.PROGRAMFILES, env['PROGRAMFILES(X86)'], env.LOCALAPPDATA].filter((r): r is string => !!r);
    const rel = ['Google\\Chrome\\Application\\chrome.exe', 'Chromium\\Application\\chrome.exe', 'Microsoft\\Edge\\Application\\msedge.exe'];
    return roots.flatMap((r) => rel.map((x) => path.win32.join(r, x)));
  }
  return ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome', '/usr/bin/google-chrome-stable', '/opt/google/chrome/chrome', '/usr/bin/microsoft-edge', '/opt/microsoft/msedge/msedge', '/snap/bin/chromium'];
}

function isExecutable(p: string, platform: NodeJS.Platform): boolean {
  try {
    if (!statSync(p).isFile()) return false;
    if (platform !== 'win32') accessSync(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export interface FindBrowserOptions {
  /** The user's choice: used when it is an executable file, and then nothing else is looked for. */
  browserPath?: string;
  env?: NodeJS.ProcessEnv;
  platform?: NodeJS.Platform;
}

export type BrowserLookup = { path: string; reason?: undefined } | { path?: undefined; reason: string };

/** The browser to verify with, or why there is none (one sentence). */
export function findBrowser(opts: FindBrowserOptions = {}): BrowserLookup {
  const platform = opts.platform ?? process.platform;
  const env = opts.env ?? process.env;
  if (opts.browserPath) {
    return isExecutable(opts.browserPath, platform) ? { path: opts.browserPath } : { reason: `The browser path ${opts.browserPath} is not an executable file.` };
  }
  const exe = platform === 'win32' ? '.exe' : '';
  for (const dir of (env.PATH ?? env.Path ?? '').split(path.delimiter).filter(Boolean)) {
    for (const name of PATH_NAMES) {
      const p = path.join(dir, name + exe);
      if (isExecutable(p, platform)) return { path: p };
    }
  }
  const found = installPaths(platform, env).find((p) => isExecutable(p, platform));
  return found ? { path: found } : { reason: 'No Chromium, Chrome or Edge was found on this machine.' };
}

/** The sentence that says how to get the full check (after `findBrowser` found none). */
export const HOW_TO_GET_A_BROWSER =
  'Install Chromium, Chrome or Edge, or set spawnApp.browserPath (SPAWN_APP_BROWSER for the CLI and MCP server) to one, for the full check in a browser.';
