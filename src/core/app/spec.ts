/** The app spec: the structured form of a generated app, shared by generators, validation and deploy. */

import { normaliseAppPath } from '../base/appPath';
import type { AppCheck, AppFile, AppSpecOf } from '../base/appSpec';
import type { ShapePath } from '../base/shape';
import type { ShapeOf } from '../base/shape';
import { FILE_SHAPE, parseShape, shape, z } from '../base/shape';
import type { AppType } from '../stacks';
import { APP_TYPES, stackOf } from '../stacks';

export type { AppType } from '../stacks';
export type { AppCheck, AppFile } from '../base/appSpec';
export { normaliseAppPath, SEED_APP_ROOT } from '../base/appPath';

export const DEFAULT_PORT = 3000;

/** An app of a registered type (core/stacks). */
export type AppSpec = AppSpecOf<AppType>;

/** The most checks an app may declare (each runs after every deploy). */
export const MAX_CHECKS = 20;

const CHECK_METHOD = /^(GET|HEAD|POST|PUT|PATCH|DELETE|OPTIONS)$/;

/** A declared check as the manifest holds it; a method that is not a string reads as GET. */
const CHECK_SHAPE = shape(() =>
  z.object({
    method: z.optional(z.unknown().check(z.refine((m) => typeof m !== 'string' || CHECK_METHOD.test(m.trim().toUpperCase())))),
    path: z.string().check(z.refine((p) => p.startsWith('/') && !p.startsWith('//'))),
    status: z.number().check(z.int(), z.minimum(100), z.maximum(599)),
    body: z.optional(z.string()),
  }),
);

/**
 * The spec's shape as a manifest, a model's tool call or the seed's format writes it (the schema of every reader).
 * Keys in the order they are reported: the first problem found is the one sentence shown.
 */
export const SPEC_SHAPE = shape(() =>
  z.object({
    appType: z.enum(APP_TYPES),
    files: z.array(FILE_SHAPE()),
    startCommand: z.string().check(z.refine((s) => s.trim().length > 0)),
    port: z.optional(z.number().check(z.int(), z.minimum(1), z.maximum(65535))),
    // An array of names, or package.json style {name: version}.
    dependencies: z.optional(z.nullable(z.union([z.array(z.string()), z.record(z.string(), z.unknown())]))),
    title: z.optional(z.unknown()),
    description: z.optional(z.unknown()),
    checks: z.optional(z.nullable(z.array(CHECK_SHAPE()).check(z.maxLength(MAX_CHECKS)))),
  }),
);

function checkSentence(raw: unknown, i: PropertyKey | undefined, field: PropertyKey | undefined): string {
  const checks = (raw as { checks?: unknown }).checks;
  if (i === undefined) return Array.isArray(checks) ? `checks may list at most ${MAX_CHECKS} requests.` : 'checks must be an array of {method, path, status}.';
  const at = `checks[${String(i)}]`;
  switch (field) {
    case 'method':
      return `${at}.method must be GET, POST, PUT, PATCH, DELETE, HEAD or OPTIONS.`;
    case 'status':
      return `${at}.status must be an HTTP status (100-599).`;
    case 'body':
      return `${at}.body must be a string (JSON).`;
    default:
      return `${at}.path must be a path starting with "/".`;
  }
}

function specSentence(raw: unknown, path: ShapePath): string {
  const [key, i, field] = path;
  switch (key) {
    case undefined:
      return 'The app spec must be a JSON object.';
    case 'appType':
      return `appType must be one of ${APP_TYPES.join(', ')}.`;
    case 'files':
      if (i === undefined) return 'files must be an array of {path, content}.';
      return field === undefined ? `files[${String(i)}] must be an object with path and content.` : `files[${String(i)}].${String(field)} must be a string.`;
    case 'startCommand':
      return 'startCommand must be a non-empty string.';
    case 'port':
      return 'port must be an integer between 1 and 65535.';
    case 'checks':
      return checkSentence(raw, i, field);
    default: {
      const deps = (raw as { dependencies?: unknown }).dependencies;
      const bad = Array.isArray(deps) ? deps.findIndex((d) => typeof d !== 'string') : -1;
      return bad >= 0 ? `dependencies[${bad}] must be a string.` : 'dependencies must be an array of package names.';
    }
  }
}

/**
 * Turns loosely shaped input (a manifest, a model's tool call, the seed's format) into an AppSpec.
 * Shape problems throw with a clear sentence; path and content problems are left to validation,
 * which reports every one of them instead of stopping at the first.
 */
export function parseSpec(raw: unknown): AppSpec {
  const r = parseShape(SPEC_SHAPE, raw, (path) => specSentence(raw, path));
  const spec: AppSpec = {
    appType: r.appType,
    files: r.files.map((f) => ({ path: f.path, content: f.content })),
    startCommand: r.startCommand,
    dependencies: dependencyList(r.dependencies),
    port: r.port ?? DEFAULT_PORT,
  };
  if (typeof r.title === 'string' && r.title.trim()) spec.title = r.title.trim();
  if (typeof r.description === 'string' && r.description.trim()) spec.description = r.description.trim();
  if (r.checks) spec.checks = r.checks.map((c) => checkOf(c));
  return spec;
}

function checkOf(c: ShapeOf<typeof CHECK_SHAPE>): AppCheck {
  const method = typeof c.method === 'string' ? c.method.trim().toUpperCase() : 'GET';
  return { method, path: c.path, status: c.status, ...(c.body !== undefined ? { body: c.body } : {}) };
}

function dependencyList(raw: readonly string[] | Record<string, unknown> | null | undefined): string[] {
  if (!raw) return [];
  if (Array.isArray(raw)) return raw.map((d: string) => d.trim());
  // package.json style {name: version}
  return Object.entries(raw).map(([name, version]) => (typeof version === 'string' && version.trim() && version.trim() !== '*' ? `${name}@${version.trim()}` : name));
}

/** A short, filesystem-friendly name for an app, from its title or prompt. */
export function appNameFrom(text: string, fallback = 'app'): string {
  const slug = text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .split('-')
    .filter(Boolean)
    .slice(0, 5)
    .join('-')
    .slice(0, 40)
    .replace(/-+$/, '');
  return slug || fallback;
}

/** The longest prompt (or refine request) every front accepts: the CLI, the extension, the MCP server, the chat tools. */
export const MAX_PROMPT_LENGTH = 4000;

/** The one sentence when a prompt (or a refine request) is too long to send; undefined when it fits. */
export function promptTooLong(text: string, what = 'prompt'): string | undefined {
  return text.length > MAX_PROMPT_LENGTH ? `The ${what} is longer than ${MAX_PROMPT_LENGTH} characters (it has ${text.length}).` : undefined;
}

/** The file a user most wants to see first. */
export function mainFileOf(spec: Pick<AppSpec, 'appType' | 'files'>): AppFile | undefined {
  const prefer = stackOf(spec.appType).mainFiles;
  for (const p of prefer) {
    const f = spec.files.find((x) => normaliseAppPath(x.path) === p);
    if (f) return f;
  }
  return spec.files[0];
}
