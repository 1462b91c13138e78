/**
 * Dependency specs, parsed in one place: what counts as a registry package, its name and its range, as npm itself
 * reads them (npm-package-arg). Every caller (validation, the scaffold's package.json, the dependency cache, the E2B
 * templates' preinstalled sets, the local runner's install) asks here instead of splitting on `@` itself.
 */
import type npaType from 'npm-package-arg';
import type { AppSpecOf } from '../base/appSpec';
import { normaliseAppPath } from '../base/appPath';

/** One npm dependency: `express`, `express@^4`, `@scope/x@1.2.3`, or a package.json entry's name and value. */
export interface NpmSpec {
  /** The package's name (`@scope/x`). */
  readonly name: string;
  /** The version, range or tag asked for; undefined for "any" (no version, `*` or an empty one). */
  readonly range?: string;
  /**
   * Whether it comes from the registry: not a path, a link, git, a URL, a tarball, a GitHub shorthand or an
   * `npm:` alias (which installs a package of another name).
   */
  readonly registry: boolean;
  /** Whether it is a plain registry package: from the registry, with a valid name and a plain version, range or tag. */
  readonly plain: boolean;
}

/** What the validator calls plain: a lowercase name npm would publish today, and a version, range or tag of these characters. */
const NPM_NAME = /^(@[a-z0-9][a-z0-9._~-]*\/)?[a-z0-9][a-z0-9._~-]*$/;
const NPM_RANGE = /^[0-9A-Za-z.^~<>=*+-]+$/;
const MAX_NAME = 214;

type Npa = typeof npaType;

/**
 * npm-package-arg, loaded when first asked (require caches it): loaded at start it would add ~30 ms of CPU to every
 * CLI start, most of which never parse a spec.
 */
function npa(): Npa {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('npm-package-arg') as Npa;
}

/** npm's own reading (npm-package-arg); undefined for what npm would refuse (an unknown protocol, a bad tag). */
function parsed(read: (npa: Npa) => npaType.Result): npaType.Result | undefined {
  try {
    return read(npa());
  } catch {
    return undefined;
  }
}

function specOf(r: npaType.Result | undefined, fallbackName: string, empty: boolean): NpmSpec {
  const name = r?.name ?? fallbackName;
  const raw = r?.rawSpec ?? '';
  const range = raw === '' || raw === '*' ? undefined : raw;
  // An `npm:` alias comes from the registry but installs a package of another name than the one listed.
  const registry = r?.registry === true && r.type !== 'alias';
  const plain = registry && !empty && name.length > 0 && name.length <= MAX_NAME && NPM_NAME.test(name) && (range === undefined || NPM_RANGE.test(range));
  return { name, range, registry, plain };
}

/** A package.json entry (`"name": "value"`), as npm reads it. */
export function npmEntry(name: string, value: string): NpmSpec {
  return specOf(parsed((p) => p.resolve(name, value.trim())), name, false);
}

/** A dependency as written in a spec's `dependencies` or on a command line: `name` or `name@range`. */
export function npmSpec(dep: string): NpmSpec {
  const d = dep.trim();
  // `name@` asks for nothing (npm reads it as "any"): not a plain dependency.
  const empty = d.endsWith('@') && d.lastIndexOf('@') > 0;
  return specOf(parsed((p) => p(d)), d, empty || d.length > MAX_NAME);
}

/** The normalised name of a pip requirement (`Flask==2.0` → `flask`, `requests[socks]` → `requests`). */
export function pipName(req: string): string {
  const m = /^[A-Za-z0-9][A-Za-z0-9._-]*/.exec(req.trim());
  return (m ? m[0] : req.trim()).toLowerCase().replace(/[-_.]+/g, '-');
}

const PIP_SPEC = /^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?(?:\[[A-Za-z0-9._,-]+\])?(?:(?:==|>=|<=|~=|!=|>|<)[A-Za-z0-9.*+!-]+(?:,(?:==|>=|<=|~=|!=|>|<)[A-Za-z0-9.*+!-]+)*)?$/;

/** Whether a pip requirement is a plain package from the index (a name, extras and version clauses; no URL or option). */
export function isPlainPipRequirement(req: string): boolean {
  return req.length > 0 && req.length <= MAX_NAME && PIP_SPEC.test(req);
}

/** A pip requirement's exact pin: `fastapi==0.142.2` → `0.142.2`; undefined for any other clause (or none). */
export function pipPin(req: string): string | undefined {
  const m = /^[A-Za-z0-9][A-Za-z0-9._-]*(?:\[[^\]]*\])?==([A-Za-z0-9.+!-]+)$/.exec(req.trim());
  return m?.[1];
}

/** Whether a requirement is met by a set of exact versions (`name` → version): the name, and no pin or the same one. */
export function pipSatisfies(pinned: Readonly<Record<string, string>>, req: string): boolean {
  const have = pinned[pipName(req)];
  if (have === undefined || !isPlainPipRequirement(req)) return false;
  if (/^[A-Za-z0-9._-]+(?:\[[^\]]*\])?$/.test(req.trim())) return true;
  return pipPin(req) === have;
}

/**
 * What an app's package.json installs: its dependencies and devDependencies (as `name@version`); undefined when
 * the app has no readable package.json.
 */
export function packageJsonDependencies(spec: Pick<AppSpecOf<string>, 'files'>): string[] | undefined {
  const f = spec.files.find((x) => normaliseAppPath(x.path) === 'package.json');
  if (!f) return undefined;
  try {
    const pkg = JSON.parse(f.content) as { dependencies?: Record<string, unknown>; devDependencies?: Record<string, unknown> };
    const all = { ...(pkg.dependencies ?? {}), ...(pkg.devDependencies ?? {}) };
    return Object.entries(all).map(([n, v]) => (typeof v === 'string' && v ? `${n}@${v}` : n));
  } catch {
    return undefined;
  }
}

/** The package name of a declared dependency (`express@^4`, `@a/b@1`, `Flask==2.0`, `requests[socks]`). */
export function dependencyName(dep: string, ecosystem: 'npm' | 'pip'): string {
  return ecosystem === 'pip' ? pipName(dep) : npmSpec(dep).name;
}
