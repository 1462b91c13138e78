/**
 * The on-disk form of an app: a folder holding its files plus a `spawn-app.json` manifest
 * (appType, startCommand, dependencies, port, title, description, generator). A single `.json` file holding
 * a whole spec (the seed's format, files included) is accepted too.
 */
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { SpawnError } from './errors';
import type { AppFile, AppSpec } from './spec';
import type { SpecDiff } from './iterate';
import { diffSpecs } from './iterate';
import { parseSpec } from './spec';
import { checkPath, hasErrors, LIMITS, MANIFEST_NAME, validateSpec } from './validate';
import type { Finding } from './validate';

export interface Manifest {
  appType: AppSpec['appType'];
  startCommand: string;
  dependencies: string[];
  port: number;
  title?: string;
  description?: string;
  /** Who wrote the code: `templates` (ours) or `claude` (model-written: asks before running unsandboxed). */
  generator?: string;
}

/** Folders never read into an app (installed or generated at run time). */
const SKIP_DIRS = new Set(['node_modules', '.git', '__pycache__', '.venv', 'venv']);

export interface LoadedApp {
  spec: AppSpec;
  generator?: string;
}

export function loadApp(p: string): LoadedApp {
  if (!existsSync(p)) throw new SpawnError('usage', `${p} does not exist.`);
  const st = statSync(p);
  try {
    if (st.isFile()) {
      const raw = JSON.parse(readFileSync(p, 'utf8')) as Record<string, unknown>;
      return { spec: parseSpec(raw), generator: typeof raw.generator === 'string' ? raw.generator : undefined };
    }
    const manifestPath = path.join(p, MANIFEST_NAME);
    if (!existsSync(manifestPath)) throw new SpawnError('usage', `${p} has no ${MANIFEST_NAME}; it is not a Spawn App folder.`);
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as Record<string, unknown>;
    const files = readTree(p);
    return { spec: parseSpec({ ...manifest, files }), generator: typeof manifest.generator === 'string' ? manifest.generator : undefined };
  } catch (err) {
    if (err instanceof SpawnError) throw err;
    if (err instanceof SyntaxError) throw new SpawnError('usage', `${p} is not valid JSON: ${err.message}`);
    if (err instanceof TypeError) throw new SpawnError('usage', `${p}: ${err.message}`);
    throw err;
  }
}

function readTree(root: string): { path: string; content: string }[] {
  const out: { path: string; content: string }[] = [];
  let bytes = 0;
  const walk = (dir: string, rel: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const relPath = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        if (!SKIP_DIRS.has(entry.name)) walk(path.join(dir, entry.name), relPath);
      } else if (entry.isFile() && relPath !== MANIFEST_NAME) {
        if (out.length >= LIMITS.maxFiles + 1 || bytes > LIMITS.maxTotalBytes) continue; // validation reports the excess
        const content = readFileSync(path.join(dir, entry.name), 'utf8');
        bytes += content.length;
        out.push({ path: relPath, content });
      }
    }
  };
  walk(root, '');
  return out;
}

export function manifestOf(spec: AppSpec, generator?: string): Manifest {
  const m: Manifest = { appType: spec.appType, startCommand: spec.startCommand, dependencies: spec.dependencies, port: spec.port };
  if (spec.title) m.title = spec.title;
  if (spec.description) m.description = spec.description;
  if (generator) m.generator = generator;
  return m;
}

/**
 * Writes an app into `dir` (files + manifest). Refuses, writing nothing at all, when validation finds an error:
 * a hostile path from a model never reaches the disk. Returns the findings (warnings only, then).
 */
export function saveApp(dir: string, spec: AppSpec, generator?: string): Finding[] {
  return writeApp(dir, spec, spec.files, [], generator);
}

/**
 * Brings an app folder from `prev` to `next` (e.g. after a refine): writes only the added and changed files,
 * deletes removed ones, updates the manifest. Validated first, like saveApp. Returns the diff.
 */
export function updateApp(dir: string, prev: AppSpec, next: AppSpec, generator?: string): SpecDiff {
  const diff = diffSpecs(prev, next);
  const touched = new Set([...diff.added, ...diff.changed]);
  const files = next.files.filter((f) => {
    const c = checkPath(f.path);
    return c.ok && touched.has(c.path);
  });
  writeApp(dir, next, files, diff.deleted, generator);
  return diff;
}

function writeApp(dir: string, spec: AppSpec, files: readonly AppFile[], deletions: readonly string[], generator?: string): Finding[] {
  const findings = validateSpec(spec);
  if (hasErrors(findings)) {
    throw new SpawnError('blocked', `Not written: validation found ${findings.filter((f) => f.severity === 'error').length} error(s).`);
  }
  mkdirSync(dir, { recursive: true });
  const root = realpathSync(dir);
  const plan = (p: string) => {
    const c = checkPath(p);
    if (!c.ok) throw new SpawnError('blocked', c.message);
    const target = path.resolve(root, c.path);
    if (!target.startsWith(root + path.sep)) throw new SpawnError('blocked', `Refused to write outside ${dir}: ${p}`);
    return { target, rel: c.path };
  };
  const planned = files.map((f) => ({ ...plan(f.path), content: f.content }));
  const removed = deletions.map(plan);
  // An existing symlink on the way could lead outside the folder: check every existing ancestor first.
  for (const p of [...planned, ...removed]) {
    let cur = root;
    for (const seg of p.rel.split('/')) {
      cur = path.join(cur, seg);
      if (!existsSync(cur)) break;
      if (lstatSync(cur).isSymbolicLink()) throw new SpawnError('blocked', `Refused to write through a symbolic link: ${p.rel}`);
    }
  }
  for (const p of planned) {
    mkdirSync(path.dirname(p.target), { recursive: true });
    writeFileSync(p.target, p.content);
  }
  for (const p of removed) rmSync(p.target, { force: true });
  writeFileSync(path.join(root, MANIFEST_NAME), JSON.stringify(manifestOf(spec, generator), null, 2) + '\n');
  return findings;
}
