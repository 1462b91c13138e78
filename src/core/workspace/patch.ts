/** Patches (from a follow-up prompt or a fix): their shape, the tool the model fills, and applying one to a spec. */
import { SpawnError } from '../base/errors';
import type { ShapePath } from '../base/shape';
import { FILE_SHAPE, parseShape, shape, z } from '../base/shape';
import type { AppFile, AppSpec } from '../app/spec';
import { checkPath, hasErrors, validateSpec } from '../validate';
import type { Finding } from '../base/finding';

/** What a refine or fix returns: full content per changed or added file, and the paths to delete. */
export interface AppPatch {
  changes: AppFile[];
  deletions: string[];
  startCommand?: string;
  dependencies?: string[];
  summary?: string;
}

/** The tool the model fills for a patch (JSON Schema). */
export const PATCH_TOOL = {
  name: 'update_app',
  description: 'Change the app: give the full new content of every file you change or add, and the paths of files to delete. Leave out files that stay the same.',
  input_schema: {
    type: 'object' as const,
    properties: {
      summary: { type: 'string', description: 'One sentence on what changed.' },
      changes: {
        type: 'array',
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
    deletions: z.optional(z.array(z.string())),
    startCommand: z.optional(z.unknown()),
    dependencies: z.optional(z.unknown()),
    summary: z.optional(z.unknown()),
  }),
);

function patchSentence([key, i]: ShapePath): string {
  if (key === undefined) return 'The patch must be an object.';
  if (key === 'changes') return i === undefined ? 'changes must be an array of {path, content}.' : `changes[${String(i)}] must have a string path and content.`;
  return 'deletions must be an array of paths.';
}

export function parsePatch(raw: unknown): AppPatch {
  const r = parseShape(PATCH_SHAPE, raw, patchSentence);
  const patch: AppPatch = { changes: r.changes.map((c) => ({ path: c.path, content: c.content })), deletions: r.deletions ?? [] };
  if (typeof r.startCommand === 'string' && r.startCommand.trim()) patch.startCommand = r.startCommand;
  if (Array.isArray(r.dependencies)) patch.dependencies = r.dependencies.filter((d): d is string => typeof d === 'string');
  if (typeof r.summary === 'string') patch.summary = r.summary;
  return patch;
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
