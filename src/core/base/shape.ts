/**
 * Shapes read from disk or the wire (a manifest, a model's tool input, a patch, drafts, versions, the spend file,
 * a sandbox's record, the webview's messages) are checked by one zod schema each. zod/mini: the same checks as zod,
 * tree-shaken to what the schemas use, so the CLI's start stays fast (zod in full would add ~70 ms of CPU to it).
 */
import * as z from 'zod/mini';

export { z };

/** Where in the input a check failed: `files`, 0, `path`. */
export type ShapePath = readonly PropertyKey[];

/**
 * `raw` checked against `schema`; a bad shape throws a TypeError with one sentence, `sentence(path)` of the first
 * problem found (never zod's own text or a stack of issues).
 */
export function parseShape<T>(schema: z.ZodMiniType<T>, raw: unknown, sentence: (path: ShapePath) => string): T {
  const r = schema.safeParse(raw);
  if (r.success) return r.data;
  throw new TypeError(sentence(r.error.issues[0]?.path ?? []));
}

/** `raw` checked against `schema`, or undefined when its shape is wrong (records that are dropped, not reported). */
export function shapeOrUndefined<T>(schema: z.ZodMiniType<T>, raw: unknown): T | undefined {
  const r = schema.safeParse(raw);
  return r.success ? r.data : undefined;
}

/** A file as every shape holds it: a path and its whole text. */
export const FILE_SHAPE = z.object({ path: z.string(), content: z.string() });
