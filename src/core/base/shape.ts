/**
 * Shapes read from disk or the wire (a manifest, a model's tool input, a patch, drafts, versions, the spend file,
 * a sandbox's record, the webview's messages) are checked by one zod schema each. zod/mini: the same checks as zod,
 * smaller. Both zod and the schemas are made on first use (`shape`): loading zod/mini and building the schemas
 * at start cost the CLI ~40 ms before any command ran (`spawn-app --version` included).
 */
import type * as Zod from 'zod/mini';

type ZodMini = typeof Zod;

let loaded: ZodMini | undefined;

/** zod/mini itself, loaded on first use (the bundler keeps it out of the start). */
function zod(): ZodMini {
  // A require, not an import: an import would load zod/mini with this module, at every front's start.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (loaded ??= (require('./zodMini') as { z: ZodMini }).z);
}

/** zod/mini's functions for a shape's builder; touching one loads zod (so only inside `shape(() => …)`). */
export const z: ZodMini = new Proxy({} as ZodMini, { get: (_t, key) => zod()[key as keyof ZodMini] });

/** A schema made on first use. */
export type Shape<S extends Zod.ZodMiniType = Zod.ZodMiniType> = () => S;

/** What a shape's schema reads into. */
export type ShapeOf<L extends Shape> = Zod.infer<ReturnType<L>>;

/** A schema built the first time it is asked for (never at module load): `const SPEC_SHAPE = shape(() => z.object(…))`. */
export function shape<S extends Zod.ZodMiniType>(build: () => S): Shape<S> {
  let made: S | undefined;
  return () => (made ??= build());
}

/** Where in the input a check failed: `files`, 0, `path`. */
export type ShapePath = readonly PropertyKey[];

/**
 * `raw` checked against `schema`; a bad shape throws a TypeError with one sentence, `sentence(path)` of the first
 * problem found (never zod's own text or a stack of issues).
 */
export function parseShape<S extends Zod.ZodMiniType>(schema: Shape<S>, raw: unknown, sentence: (path: ShapePath) => string): Zod.infer<S> {
  const r = schema().safeParse(raw);
  if (r.success) return r.data as Zod.infer<S>;
  throw new TypeError(sentence(r.error.issues[0]?.path ?? []));
}

/** `raw` checked against `schema`, or undefined when its shape is wrong (records that are dropped, not reported). */
export function shapeOrUndefined<S extends Zod.ZodMiniType>(schema: Shape<S>, raw: unknown): Zod.infer<S> | undefined {
  const r = schema().safeParse(raw);
  return r.success ? (r.data as Zod.infer<S>) : undefined;
}

/** A file as every shape holds it: a path and its whole text. */
export const FILE_SHAPE = shape(() => z.object({ path: z.string(), content: z.string() }));
