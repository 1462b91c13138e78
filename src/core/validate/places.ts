/** Where a file is, whatever it holds: folders other tools act on, environment files, package-manager configuration. */
import type { Finding } from './finding';

/**
 * Package-manager configuration an app may carry (npm, yarn, pnpm, bun, pip, conda). Each changes what an install
 * does behind the deploy dialog's "Installs" line (another registry serving other code under the same name, a
 * script shell, auth tokens), and a generated app never needs one: errors, fixed by deleting the file.
 */
const PACKAGE_CONFIG = new Set(['.npmrc', '.yarnrc', '.yarnrc.yml', '.pnpmfile.cjs', 'bunfig.toml', 'pip.conf', 'pip.ini', '.pypirc', '.condarc', 'uv.toml']);

/**
 * Findings about where a file is, whatever it holds: folders other tools act on (`.git/`: hooks and config that git
 * runs; `.vscode/`: tasks and settings the editor applies when the saved app is opened) are errors; `.idea/` and
 * `.env*` files (secrets that would be shipped to the sandbox) are warnings.
 */
export function scanPlace(p: string): Finding[] {
  const segs = p.split('/');
  const base = segs[segs.length - 1]!;
  const dirs = segs.slice(0, -1);
  const out: Finding[] = [];
  if (dirs.includes('.git') || base === '.git') {
    out.push({ severity: 'error', rule: 'place.git', path: p, message: `${p} is inside .git/, where git runs hooks and reads its config; an app may not write there.` });
  } else if (dirs.includes('.vscode')) {
    out.push({ severity: 'error', rule: 'place.vscode', path: p, message: `${p} is inside .vscode/, whose tasks and settings an editor applies when the folder is opened; an app may not write there.` });
  } else if (dirs.includes('.idea')) {
    out.push({ severity: 'warning', rule: 'place.idea', path: p, message: `${p} is inside .idea/, whose run configurations an IDE applies when the folder is opened.` });
  }
  if (/^\.env(?:\..+|rc)?$/.test(base)) {
    out.push({ severity: 'warning', rule: 'place.env', path: p, message: `${p} is an environment file: it may hold secrets, and it is copied into the sandbox with the app.` });
  }
  if (PACKAGE_CONFIG.has(base) || (dirs.at(-1) === 'pip' && dirs.at(-2) === '.config') || (dirs.at(-1) === '.pip' && base.endsWith('.conf'))) {
    out.push({ severity: 'error', rule: 'install.config', path: p, message: `${p} configures the package manager (registry, scripts, credentials), so the install could differ from what the deploy dialog lists; delete it.` });
  }
  return out;
}
