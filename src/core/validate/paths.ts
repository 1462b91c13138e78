/** Where an app's files may be: relative paths inside the app folder, no reserved name, no file that is also a folder. */
import { SEED_APP_ROOT } from '../base/appPath';
import type { Finding } from './finding';
import { LIMITS } from './limits';

/** The on-disk manifest name; an app file may not take it. */
export const MANIFEST_NAME = 'spawn-app.json';

/**
 * Checks one path as written by a user or a model. Returns the normalised app-relative path, or the
 * reason it is refused. Accepts the seed's `/app/...` form.
 */
export function checkPath(raw: string): { ok: true; path: string } | { ok: false; rule: string; message: string } {
  const bad = (rule: string, message: string) => ({ ok: false as const, rule, message });
  if (typeof raw !== 'string' || raw.length === 0) return bad('path.empty', 'A file has an empty path.');
  if (raw.includes('\0')) return bad('path.nul', `The path ${JSON.stringify(raw)} contains a NUL byte.`);
  if (raw.includes('\\')) return bad('path.backslash', `The path ${JSON.stringify(raw)} uses a backslash; use forward slashes.`);
  if (/^[a-zA-Z]:/.test(raw)) return bad('path.drive', `The path ${JSON.stringify(raw)} names a drive.`);
  if (raw.length > LIMITS.maxPathLength) return bad('path.too_long', `A path is longer than ${LIMITS.maxPathLength} characters.`);
  let p = raw;
  if (p.startsWith('/')) {
    if (p === SEED_APP_ROOT || p === SEED_APP_ROOT + '/') return bad('path.root', 'A file cannot be the app folder itself.');
    if (!p.startsWith(SEED_APP_ROOT + '/')) return bad('path.absolute', `The path ${JSON.stringify(raw)} is outside the app folder.`);
    p = p.slice(SEED_APP_ROOT.length + 1);
  }
  while (p.startsWith('./')) p = p.slice(2);
  if (p === '' || p === '.' || p === '/') return bad('path.root', 'A file cannot be the app folder itself.');
  const segments = p.split('/');
  for (const s of segments) {
    if (s === '..') return bad('path.traversal', `The path ${JSON.stringify(raw)} escapes the app folder.`);
    if (s === '' || s === '.') return bad('path.invalid', `The path ${JSON.stringify(raw)} has an empty or "." segment.`);
    if (s.length > LIMITS.maxSegmentLength) return bad('path.too_long', `A name in ${JSON.stringify(raw.slice(0, 60))}… is longer than ${LIMITS.maxSegmentLength} characters.`);
    // eslint-disable-next-line no-control-regex
    if (/[\x00-\x1f\x7f-\x9f]/.test(s)) return bad('path.invalid', `The path ${JSON.stringify(raw)} contains control characters.`);
  }
  if (p === MANIFEST_NAME) return bad('path.reserved', `${MANIFEST_NAME} is reserved for the app's manifest.`);
  return { ok: true, path: p };
}

/** A file and a folder of the same name cannot both exist. */
export function pathConflicts(paths: ReadonlySet<string>): Finding[] {
  const out: Finding[] = [];
  for (const p of paths) {
    const parts = p.split('/');
    for (let i = 1; i < parts.length; i++) {
      const dir = parts.slice(0, i).join('/');
      if (paths.has(dir)) out.push({ severity: 'error', rule: 'path.conflict', path: dir, message: `${dir} is both a file and a folder.` });
    }
  }
  return out;
}
