/**
 * The package registries the install steps may reach: the user's own settings (npm's registry variable, pip's index
 * variables and pip config files), never the app's. The install proxy lets exactly these host:port pairs through
 * even when they are on this machine or its LAN (a local mirror); pip inside the sandbox reads the user's index
 * settings from a copy the runner writes (credentials removed), never a config file in the app's home.
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { hasControl, withoutCredentials } from './bwrap';

const PIP_KEYS = new Set(['index-url', 'extra-index-url', 'find-links', 'trusted-host', 'no-index']);

function home(env: NodeJS.ProcessEnv): string {
  return env.HOME && path.isAbsolute(env.HOME) ? env.HOME : os.homedir();
}

/** pip's user-level config files (and PIP_CONFIG_FILE), which the sandbox does not show, in pip's order. */
function pipUserFiles(env: NodeJS.ProcessEnv): string[] {
  const xdg = env.XDG_CONFIG_HOME && path.isAbsolute(env.XDG_CONFIG_HOME) ? env.XDG_CONFIG_HOME : path.join(home(env), '.config');
  const files = [path.join(home(env), '.pip', 'pip.conf'), path.join(xdg, 'pip', 'pip.conf')];
  if (env.PIP_CONFIG_FILE && env.PIP_CONFIG_FILE !== '/dev/null') files.push(env.PIP_CONFIG_FILE);
  return files;
}

/** pip's system-wide config files (visible read-only inside the sandbox, where pip reads them itself). */
const PIP_GLOBAL_FILES = ['/etc/pip.conf', '/etc/xdg/pip/pip.conf'];

/** The index settings of pip config files (`[global]` and `[install]`), later files winning, credentials removed. */
export function pipIndexSettings(files: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of files) {
    let text: string;
    try {
      text = readFileSync(f, 'utf8');
    } catch {
      continue;
    }
    let section = '';
    let key: string | undefined;
    for (const raw of text.split('\n')) {
      const line = raw.replace(/\r$/, '');
      const head = /^\s*\[([^\]]+)\]\s*$/.exec(line);
      if (head) {
        section = head[1]!.trim().toLowerCase();
        key = undefined;
        continue;
      }
      if (/^\s*[#;]/.test(line) || !line.trim()) continue;
      if (/^\s/.test(line) && key) {
        out[key] = `${out[key]} ${line.trim()}`.trim();
        continue;
      }
      const kv = /^\s*([A-Za-z_-]+)\s*[=:]\s*(.*)$/.exec(line);
      key = undefined;
      if (!kv || (section !== 'global' && section !== 'install')) continue;
      const k = kv[1]!.toLowerCase().replace(/_/g, '-');
      if (!PIP_KEYS.has(k)) continue;
      key = k;
      out[k] = kv[2]!.trim();
    }
  }
  for (const [k, v] of Object.entries(out)) {
    const clean = withoutCredentials(v);
    if (clean === undefined || hasControl(clean)) delete out[k];
    else out[k] = clean;
  }
  return out;
}

/** The text of the pip config file the install steps read: the user's own index settings (user-level files). */
export function pipConfigText(env: NodeJS.ProcessEnv): string {
  const s = pipIndexSettings(pipUserFiles(env));
  return `[global]\n${Object.entries(s).map(([k, v]) => `${k} = ${v}`).join('\n')}\n`;
}

function hostPort(url: string): { host: string; port: number } | undefined {
  try {
    const u = new URL(url);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return undefined;
    return { host: u.hostname.replace(/^\[|\]$/g, ''), port: Number(u.port) || (u.protocol === 'https:' ? 443 : 80) };
  } catch {
    return undefined;
  }
}

/** The registries' host:port pairs: npm's registry (default registry.npmjs.org) and pip's indexes (default pypi.org). */
export function registryHosts(env: NodeJS.ProcessEnv): { host: string; port: number }[] {
  const urls = [env.npm_config_registry || env.NPM_CONFIG_REGISTRY || 'https://registry.npmjs.org/', 'https://pypi.org/simple', 'https://files.pythonhosted.org/'];
  const pip = { ...pipIndexSettings([...PIP_GLOBAL_FILES, ...pipUserFiles(env)]) };
  for (const v of [env.PIP_INDEX_URL, env.PIP_EXTRA_INDEX_URL, env.PIP_FIND_LINKS, pip['index-url'], pip['extra-index-url'], pip['find-links']]) {
    if (v) urls.push(...v.split(/\s+/).filter(Boolean));
  }
  const out = new Map<string, { host: string; port: number }>();
  for (const u of urls) {
    const hp = hostPort(u);
    if (hp) out.set(`${hp.host}:${hp.port}`, hp);
  }
  return [...out.values()];
}
