/** Patches (from a follow-up prompt or a fix): their shape, the tool the model fills, and applying one to a spec. */
import { SpawnError } from '../base/errors';
import type { ShapePath } from '../base/shape';
import { FILE_SHAPE, parseShape, shape, z } from '../base/shape';
import type { AppFile, AppSpec } from '../app/spec';
import { checkPath, hasErrors, validateSpec } from '../validate';
import type { Finding } from '../base/finding';
import type { AppSecrets } from '../base/secrets';
import { REDACTED, Redactor } from '../base/secrets';

/** What a refine or fix returns: full content per changed or added file, and the paths to delete. */
export interface AppPatch {
  changes: AppFile[];
  deletions: string[];
  startCommand?: string;
  dependencies?: string[];
  summary?: string;
}

/**
 * An edit of one file in a model's answer: the one place where `find` occurs is replaced. The generators turn edits
 * into whole files (`patchWithEdits`) as soon as the answer arrives, so an AppPatch (a proposal, a version, a diff)
 * always holds whole files.
 */
export interface FileEdit {
  path: string;
  find: string;
  replace: string;
}

/** The tool the model fills for a patch (JSON Schema). */
export const PATCH_TOOL = {
  name: 'update_app',
  description:
    'Change the app: for a small change in a file, an edit (its exact text to find, which must occur once, and the replacement); for a new file or one mostly rewritten, its full new content in changes; the paths of files to delete. Leave out files that stay the same.',
  input_schema: {
    type: 'object' as const,
    properties: {
      summary: { type: 'string', description: 'One sentence on what changed.' },
      edits: {
        type: 'array',
        description: 'Small changes, applied in order: each replaces the one occurrence of find (copied exactly, with enough lines to be unique) in path.',
        items: {
          type: 'object',
          properties: { path: { type: 'string' }, find: { type: 'string' }, replace: { type: 'string' } },
          required: ['path', 'find', 'replace'],
        },
      },
      changes: {
        type: 'array',
        description: 'The full content of each file added or mostly rewritten.',
        items: {
          type: 'object',
          properties: { path: { type: 'string' }, content: { type: 'string' } },
          required: ['path', 'content'],
        },
      },
      deletions: { type: 'array', items: { type: 'string' } },
      startCommand: { type: 'string', description: 'Only when the start command must change.' },
      dependencies: { type: 'array', items: { type: 'string' }, description: 'Only when dependencies change: the full new list.' },
    },
    required: ['changes', 'deletions'],
  },
};

/** Checks a patch's shape (from a model) and returns it typed; throws a TypeError with a clear sentence. */
/** A patch as the patch tool's input (and a stored proposal) holds it; keys in the order they are reported. */
export const PATCH_SHAPE = shape(() =>
  z.object({
    changes: z.array(FILE_SHAPE()),
    edits: z.optional(z.array(z.object({ path: z.string(), find: z.string(), replace: z.string() }))),
    deletions: z.optional(z.array(z.string())),
    startCommand: z.optional(z.unknown()),
    dependencies: z.optional(z.unknown()),
    summary: z.optional(z.unknown()),
  }),
);

function patchSentence([key, i]: ShapePath): string {
  if (key === undefined) return 'The patch must be an object.';
  if (key === 'changes') return i === undefined ? 'changes must be an array of {path, content}.' : `changes[${String(i)}] must have a string path and content.`;
  if (key === 'edits') return i === undefined ? 'edits must be an array of {path, find, replace}.' : `edits[${String(i)}] must have a string path, find and replace.`;
  return 'deletions must be an array of paths.';
}

export function parsePatch(raw: unknown): AppPatch & { edits?: FileEdit[] } {
  const r = parseShape(PATCH_SHAPE, raw, patchSentence);
  const patch: AppPatch & { edits?: FileEdit[] } = { changes: r.changes.map((c) => ({ path: c.path, content: c.content })), deletions: r.deletions ?? [] };
  if (r.edits?.length) patch.edits = r.edits.map((e) => ({ path: e.path, find: e.find, replace: e.replace }));
  if (typeof r.startCommand === 'string' && r.startCommand.trim()) patch.startCommand = r.startCommand;
  if (Array.isArray(r.dependencies)) patch.dependencies = r.dependencies.filter((d): d is string => typeof d === 'string');
  if (typeof r.summary === 'string') patch.summary = r.summary;
  return patch;
}

/**
 * A model's answer with its edits made into whole files, against the app as it was sent (`spec`): each edit's `find`
 * must occur exactly once in its file (as the answer's earlier edits and changes left it). The model was sent the
 * app's secrets as `[redacted]` (forModel): a `find` copied from it matches the file's values there, and a `[redacted]`
 * its `replace` keeps is the value it stood for. A TypeError says which edit failed and why, in one sentence the
 * model can act on (the generator's repair attempt sends it back).
 */
export function patchWithEdits(spec: AppSpec, patch: AppPatch & { edits?: FileEdit[] }, secrets?: AppSecrets): AppPatch & { edited: string[] } {
  const { edits, ...rest } = patch;
  // A path both written and deleted would lose the change without a word (applyPatch deletes it): the model is told.
  const deleted = new Set(rest.deletions.flatMap((d) => {
    const c = checkPath(d);
    return c.ok ? [c.path] : []; // a refused path is applyPatch's to refuse
  }));
  const both = (path: string, what: string) => {
    if (deleted.has(path)) throw new TypeError(`${what} ${path}, which the same answer deletes: keep the file or delete it, not both.`);
  };
  rest.changes.forEach((c, i) => {
    const k = checkPath(c.path);
    if (k.ok) both(k.path, `changes[${i}] writes`);
  });
  if (!edits?.length) return { ...rest, edited: [] };
  const key = (p: string) => {
    const c = checkPath(p);
    if (!c.ok) throw new TypeError(`An edit's path is refused: ${c.message}`);
    return c.path;
  };
  const values = new Redactor(Object.values(secrets ?? {})).redacted;
  const files = new Map(spec.files.map((f) => [key(f.path), f.content] as const));
  const changed = new Map(rest.changes.map((c) => [key(c.path), c.content] as const));
  edits.forEach((e, i) => {
    const p = key(e.path);
    both(p, `edits[${i}] changes`);
    const current = changed.get(p) ?? files.get(p);
    if (current === undefined) throw new TypeError(`edits[${i}] changes ${e.path}, which the app does not have: give a new file's whole content in changes.`);
    if (!e.find) throw new TypeError(`edits[${i}].find is empty: copy the exact text to replace from ${e.path}.`);
    const found = occurrences(current, e.find, values);
    if (found.length === 0) throw new TypeError(`edits[${i}].find does not occur in ${e.path}: copy the text exactly as the file has it, or give the whole file in changes.`);
    if (found.length > 1) throw new TypeError(`edits[${i}].find occurs more than once in ${e.path}: include more of the lines around it so that it is unique.`);
    const [{ at, length, stoodFor }] = found as [Occurrence];
    changed.set(p, current.slice(0, at) + unredacted(e.replace, stoodFor) + current.slice(at + length));
  });
  return { ...rest, changes: [...changed].map(([path, content]) => ({ path, content })), edited: [...new Set(edits.map((e) => key(e.path)))] };
}

interface Occurrence {
  at: number;
  length: number;
  /** The values its `[redacted]`s stood for, in order. */
  stoodFor: string[];
}

/** Where `find` occurs in `text` (two at most): as it is, else with each `[redacted]` standing for one of `values`. */
function occurrences(text: string, find: string, values: readonly string[]): Occurrence[] {
  const out: Occurrence[] = [];
  for (let at = text.indexOf(find); at >= 0 && out.length < 2; at = text.indexOf(find, at + 1)) out.push({ at, length: find.length, stoodFor: [] });
  if (out.length || !values.length || !find.includes(REDACTED)) return out;
  const escape = (t: string) => t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const re = new RegExp(find.split(REDACTED).map(escape).join(`(${values.map(escape).join('|')})`), 'g');
  for (let m = re.exec(text); m && out.length < 2; m = re.exec(text)) out.push({ at: m.index, length: m[0].length, stoodFor: m.slice(1) });
  return out;
}

/** A replacement's `[redacted]`s as the values they stood for in its find (in order; or the one value they all were). */
function unredacted(replace: string, stoodFor: string[]): string {
  const parts = replace.split(REDACTED);
  if (parts.length === 1 || stoodFor.length === 0) return replace;
  const one = new Set(stoodFor).size === 1 ? stoodFor[0] : undefined;
  if (parts.length - 1 !== stoodFor.length && one === undefined) return replace;
  return parts.reduce((acc, part, i) => acc + (one ?? stoodFor[i - 1]) + part);
}

/**
 * Applies a patch to a spec and validates the result (with `validate`: the session's passes the app's secrets). A
 * patch touching a path outside the app (or any other validation error it introduces) is refused as a whole: nothing
 * of it is applied.
 */
export function applyPatch(spec: AppSpec, patch: AppPatch, validate: (spec: AppSpec) => Finding[] = validateSpec): { spec: AppSpec; findings: Finding[] } {
  const norm = (p: string) => {
    const c = checkPath(p);
    if (!c.ok) throw new SpawnError('blocked', `The change was refused: ${c.message}`);
    return c.path;
  };
  const deletions = new Set(patch.deletions.map(norm));
  const changes = new Map(patch.changes.map((f) => [norm(f.path), f.content] as const));
  const files: AppFile[] = [];
  for (const f of spec.files) {
    const p = norm(f.path);
    if (deletions.has(p)) continue;
    if (changes.has(p)) {
      files.push({ path: p, content: changes.get(p)! });
      changes.delete(p);
    } else files.push({ path: p, content: f.content });
  }
  for (const [p, content] of changes) files.push({ path: p, content });
  const next: AppSpec = {
    ...spec,
    files,
    startCommand: patch.startCommand ?? spec.startCommand,
    dependencies: patch.dependencies ?? spec.dependencies,
  };
  const findings = validate(next);
  if (hasErrors(findings)) {
    const first = findings.find((f) => f.severity === 'error')!;
    throw new SpawnError('blocked', `The change was refused: ${first.message}`);
  }
  return { spec: next, findings };
}
