/**
 * The on-disk form of an app: a folder holding its files plus a `spawn-app.json` manifest
 * (appType, startCommand, dependencies, port, title, description, generator). A single `.json` file holding
 * a whole spec (the seed's format, files included) is accepted too.
 */
import { lstatSync, mkdirSync, readdirSync, realpathSync, statSync } from 'node:fs';
import type { Stats } from 'node:fs';
import path from 'node:path';
import { jsonErrorReason, SpawnError } from '../base/errors';
import { writeTree } from '../base/noFollow';
import type { AppCheck, AppFile, AppSpec } from '../app/spec';
import type { SpecDiff } from './specDiff';
import { diffSpecs } from './specDiff';
import { parseSpec } from '../app/spec';
import { ioSentence, readRegular } from '../base/regularFile';
import { binaryFileSentence, checkPath, hasErrors, LIMITS, MANIFEST_NAME, validateSpec } from '../validate';
import type { Finding } from '../base/finding';

export interface Manifest {
  appType: AppSpec['appType'];
  startCommand: string;
  dependencies: string[];
  port: number;
  title?: string;
  description?: string;
  /** Requests the app answers, checked after each deploy (core/verify). */
  checks?: AppCheck[];
  /** Who wrote the code: `templates` (ours) or `claude` (model-written: asks before running unsandboxed). */
  generator?: string;
}

/** Folders never read into an app (installed or generated at run time). */
const SKIP_DIRS = new Set(['node_modules', '.git', '__pycache__', '.venv', 'venv']);

export interface LoadedApp {
  spec: AppSpec;
  /** What the manifest says about who wrote the code: information only, never trust (see docs/security.md, "The dialog is a control": "ours"). */
  generator?: string;
}

/** The largest `spawn-app.json` read; a whole-spec `.json` file may hold an app's files (JSON-escaped). */
const MAX_MANIFEST_BYTES = 1024 * 1024;
const MAX_SPEC_FILE_BYTES = 2 * LIMITS.maxTotalBytes + MAX_MANIFEST_BYTES;

const usage = (message: string) => new SpawnError('usage', message);

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** The text of a file, or a sentence: binary files (not UTF-8, or holding a NUL) are refused, never silently corrupted. */
function textOf(data: Buffer, shown: string): string {
  const binary = (why: 'not UTF-8 text' | 'it holds a NUL byte') => usage(binaryFileSentence(shown, why, 'so move it out of the app folder'));
  let text: string;
  try {
    text = utf8.decode(data);
  } catch {
    throw binary('not UTF-8 text');
  }
  if (text.includes('\0')) throw binary('it holds a NUL byte');
  return text;
}

function parseJson(text: string, shown: string): Record<string, unknown> {
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch (err) {
    // V8's message quotes the text's first bytes: say what is wrong, never what the file holds.
    throw usage(`${shown} is not valid JSON${jsonErrorReason(err instanceof Error ? err.message : '')}.`);
  }
}

/**
 * Reads an app: a folder with `spawn-app.json`, or a single spec `.json` file. Every bad input is one sentence
 * (a SpawnError 'usage'): a missing path, a link, FIFO, device or folder where a file belongs, a file too large or
 * unreadable, a binary file, bad JSON (never quoted), a bad shape.
 */
export function loadApp(p: string): LoadedApp {
  let st: Stats;
  try {
    st = statSync(p);
  } catch (err) {
    throw ioSentence(p, err);
  }
  try {
    if (!st.isDirectory()) {
      const raw = parseJson(textOf(readRegular(p, p, MAX_SPEC_FILE_BYTES, { followLink: true }), p), p);
      return { spec: parseSpec(raw), generator: typeof raw.generator === 'string' ? raw.generator : undefined };
    }
    const manifestPath = path.join(p, MANIFEST_NAME);
    let mst: Stats | undefined;
    try {
      mst = lstatSync(manifestPath);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw ioSentence(manifestPath, err);
    }
    if (!mst) throw usage(`${p} has no ${MANIFEST_NAME}; it is not a Spawn App folder.`);
    const manifest = parseJson(textOf(readRegular(manifestPath, manifestPath, MAX_MANIFEST_BYTES), manifestPath), manifestPath);
    const files = readTree(p);
    return { spec: parseSpec({ ...manifest, files }), generator: typeof manifest.generator === 'string' ? manifest.generator : undefined };
  } catch (err) {
    if (err instanceof SpawnError) throw err;
    if (err instanceof TypeError) throw usage(`${p}: ${err.message}`);
    throw err;
  }
}

function readTree(root: string): { path: string; content: string }[] {
  const out: { path: string; content: string }[] = [];
  let bytes = 0;
  const walk = (dir: string, rel: string) => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch (err) {
      throw ioSentence(dir, err);
    }
    for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      const relPath = rel ? `${rel}/${entry.name}` : entry.name;
      const abs = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!SKIP_DIRS.has(entry.name)) walk(abs, relPath);
      } else if (relPath !== MANIFEST_NAME) {
        if (out.length >= LIMITS.maxFiles + 1 || bytes > LIMITS.maxTotalBytes) continue; // validation reports the excess
        const content = textOf(readRegular(abs, abs, LIMITS.maxTotalBytes), abs);
        bytes += Buffer.byteLength(content);
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
  if (spec.checks?.length) m.checks = spec.checks;
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
  const planned = [
    ...files.map((f) => ({ ...plan(f.path), content: f.content })),
    { target: path.join(root, MANIFEST_NAME), rel: MANIFEST_NAME, content: JSON.stringify(manifestOf(spec, generator), null, 2) + '\n' },
  ];
  const removed = deletions.map(plan);
  // Never through a link (lstat: a dangling link counts too), a file where a folder belongs, or something other than
  // a regular file where a file goes: all checked before anything is written (noFollow.ts).
  writeTree({ root, shown: dir }, planned.map((p) => ({ rel: p.rel, content: p.content })), removed.map((p) => p.rel));
  return findings;
}
