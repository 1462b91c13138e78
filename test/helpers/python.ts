/** The Python stacks' tests: whether the pip index configured here serves the pins, and where they cache the venvs. */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** The pins the index configured here does not serve (pip download, no install), as one sentence; undefined: all there. */
export function missingFromIndex(reqs: string[]): string | undefined {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'spawn-pip-probe-'));
  try {
    execFileSync('python3', ['-m', 'pip', 'download', '--no-deps', '--retries', '1', '--quiet', '-d', dir, ...reqs], { stdio: 'pipe', timeout: 180_000 });
    return undefined;
  } catch (err) {
    const text = String((err as { stderr?: Buffer }).stderr ?? err);
    const what = /No matching distribution found for (\S+)/.exec(text)?.[1] ?? reqs.join(', ');
    return `the pip index configured on this machine does not serve ${what} (pip download failed), so the Python stacks cannot be installed here`;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A per-user cache folder kept between runs (building streamlit's venv takes minutes on a loaded machine). */
export const PY_TEST_CACHE = path.join(os.tmpdir(), `spawn-app-test-pycache-${process.getuid?.() ?? 0}`, 'deps');

/**
 * This user's pip config file (as pip finds it: PIP_CONFIG_FILE, else the XDG or legacy user file), for a process
 * whose XDG_CONFIG_HOME is somewhere else (a VS Code host's): passed on as its PIP_CONFIG_FILE.
 */
export function userPipConfig(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.PIP_CONFIG_FILE && env.PIP_CONFIG_FILE !== '/dev/null') return env.PIP_CONFIG_FILE;
  const home = env.HOME || os.homedir();
  const xdg = env.XDG_CONFIG_HOME && path.isAbsolute(env.XDG_CONFIG_HOME) ? env.XDG_CONFIG_HOME : path.join(home, '.config');
  return [path.join(xdg, 'pip', 'pip.conf'), path.join(home, '.pip', 'pip.conf')].find((f) => existsSync(f));
}
