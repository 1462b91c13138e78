/**
 * The local runner's dependency cache: a stack's locked dependency set (a react app's scaffold packages, the
 * express of an api app) is installed once per user into an entry, and every later app of that stack links it.
 *
 * - Where: `$SPAWN_APP_CACHE_DIR`, else `$XDG_CACHE_HOME/spawn-app/deps`, else `~/.cache/spawn-app/deps`; one
 *   entry per stack and locked set, `<stack>-<hash>` (the hash covers the packages, the platform, the Node major,
 *   whether install scripts ran and, for a Python stack, the minor version of the `python3` its steps run). The folders are created 0700 and, like the local root, refused when they are
 *   another user's, writable by others, or links.
 * - Built by the install sandbox: npm runs inside bubblewrap (scripts allowed there; `--ignore-scripts` without it)
 *   into a temporary folder of the cache that only that install may write, then a marker is written and the folder
 *   is renamed into place. Two deploys building the same entry at once each build their own temporary folder; the
 *   first rename wins and the other's copy is dropped.
 * - Used by apps: the app's `node_modules` is a real folder of symbolic links into the entry (so Vite's own cache,
 *   `node_modules/.vite`, stays the app's); the entry is bound read-only into the app's sandbox. Extra dependencies
 *   install per app, staged, and are moved in beside the links.
 * - A broken entry (no marker, a package missing or of another version) is removed and rebuilt.
 * - Python stacks (pip): the entry is a virtual environment (`venv/`), made and filled inside the install sandbox
 *   (`python3 -I -m venv`, then `python3 -I -m pip --python venv/bin/python install` the pins, or `uv pip install`
 *   when uv is on the sandbox's PATH), with the user's index settings only (registries.ts). An app without extras runs
 *   with the entry's `venv/bin` first on its PATH; an app with extras gets a venv of its own (its sandbox's `venv`,
 *   read-only to the app) that sees the entry's packages (a `.pth` file) and installs only the extras (pipOverlay).
 */
import { createHash, randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { accessSync, closeSync, constants, existsSync, fstatSync, lstatSync, mkdirSync, openSync, readdirSync, readFileSync, readlinkSync, realpathSync, renameSync, rmSync, statSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SpawnError } from '../../base/errors';
import { inFolder, removeTree, writeTree } from '../../base/noFollow';
import type { AppSpec } from '../../app/spec';
import type { AppType } from '../../app/spec';
import { APP_TYPES, dependenciesOf, ecosystemOf, stackOf } from '../../stacks';
import type { Ecosystem } from '../../stacks';
import { pipName, pipSatisfies } from '../../stacks/packageSpec';
import { notPrivate } from '../../base/notPrivate';
import { packagesSatisfy } from '../preinstalled';

/** npm as every local install runs it (installCommand's flags): no user config, no lock file, scripts only sandboxed. */
export function npmInstall(sandboxed: boolean): string {
  return `npm install --no-audit --no-fund --no-progress --no-update-notifier --loglevel=error --userconfig=/dev/null --workspaces=false --package-lock=false${sandboxed ? '' : ' --ignore-scripts'}`;
}

/** The locked dependency set of each stack that has one (exact versions). */
export const STACK_LOCKED_SETS: Partial<Record<AppType, Readonly<Record<string, string>>>> = Object.fromEntries(
  APP_TYPES.flatMap((t) => {
    const packages = stackOf(t).packages;
    return packages ? [[t, packages]] : [];
  }),
);

/**
 * pip as the cache build and an app's extras run it (`packages`: shell-quoted): isolated (-I), into the venv `venv`, the user's index settings
 * only (SPAWN_APP_PIP_CONFIG, registries.ts), never `--user` (appEnv sets PIP_USER for plain installs); only wheels
 * where nothing sandboxes a package's setup.py. uv instead when the sandbox's PATH has it (it reads the same index
 * variables, and no config file of the app's: --no-config).
 */
export function pipInto(venv: string, sandboxed: boolean, packages: string): string {
  const binary = sandboxed ? '' : ' --only-binary=:all:';
  const uv = `uv pip install --quiet --no-config --python ${venv}/bin/python${sandboxed ? '' : ' --only-binary :all:'}`;
  const pip = `PIP_USER=0 PIP_CONFIG_FILE="\${SPAWN_APP_PIP_CONFIG:-/dev/null}" python3 -I -m pip --python ${venv}/bin/python install --quiet --disable-pip-version-check --no-warn-script-location --retries 1${binary}`;
  return `if command -v uv >/dev/null 2>&1; then ${uv} ${packages}; else ${pip} ${packages}; fi`;
}

/**
 * The shell lines that make an app's own venv (`venv`, shell-quoted: a host-only folder of its sandbox, bound writable
 * only into the install step, so the app's running code cannot plant anything in it meanwhile) over a cache entry's
 * (`entryVenv`): emptied (`--clear`: the folder is a mount point there), then the entry's site-packages come after the
 * app's own through a `.pth` file, so pip installs only the extras (the pins are already there).
 */
export function pipOverlay(entryVenv: string, venv: string): string {
  return `python3 -I -m venv --clear --without-pip ${venv} && P=$(${venv}/bin/python -I -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])') && ` +
    `for d in ${entryVenv}/lib/python3*/site-packages; do echo "$d"; done > "$P/spawn-cache.pth"`;
}

export const MARKER = 'spawn-cache.json';
const MARKER_VERSION = 1;

export interface CacheMarker {
  version: number;
  key: string;
  stack: string;
  /** Absent: npm (entries before the Python stacks). */
  ecosystem?: Ecosystem;
  packages: Record<string, string>;
  /** Every package folder npm installed (from node_modules/.package-lock.json), relative to the entry. */
  installed: { path: string; version: string }[];
  scripts: boolean;
  builtAt: number;
  bytes: number;
}

export interface CacheEntryInfo {
  key: string;
  stack: string;
  dir: string;
  bytes: number;
  builtAt?: number;
  /** False for a half-written or damaged entry (the next deploy of its stack rebuilds it). */
  complete: boolean;
}

/** The default cache folder (see the module comment). */
export function defaultCacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  if (env.SPAWN_APP_CACHE_DIR) return env.SPAWN_APP_CACHE_DIR;
  const xdg = env.XDG_CACHE_HOME && path.isAbsolute(env.XDG_CACHE_HOME) ? env.XDG_CACHE_HOME : path.join(env.HOME || os.homedir(), '.cache');
  return path.join(xdg, 'spawn-app', 'deps');
}

/** What an app takes from its stack's entry and what it installs itself. */
export interface CachePlan {
  stack: AppType;
  /** Absent: npm. */
  ecosystem?: Ecosystem;
  key: string;
  dir: string;
  /** Declared dependencies the entry covers. */
  covered: string[];
  /** Declared dependencies installed per app (not in the locked set, or another version). */
  extras: string[];
}

/** `python`: the minor version of the interpreter a Python entry is built with (a venv of 3.11 is no use to 3.12). */
export function entryKey(stack: string, packages: Record<string, string>, scripts: boolean, python?: string): string {
  const locked = Object.entries(packages).sort(([a], [b]) => a.localeCompare(b)).map(([n, v]) => `${n}@${v}`);
  const h = createHash('sha256')
    .update(JSON.stringify({ locked, platform: process.platform, arch: process.arch, node: process.versions.node.split('.')[0], scripts, ...(python ? { python } : {}) }))
    .digest('hex')
    .slice(0, 12);
  return `${stack}-${h}`;
}

const pythonVersions = new Map<string, string>();

/**
 * The minor version (`3.11`) of the first `python3` on `searchPath` (the PATH a step runs with), or `none` when there is
 * none. Asked of the interpreter itself (isolated, no site: `-I -S`), once per interpreter file as it is now (its real
 * path, size and change time: a system upgrade replaces it).
 */
export function pythonMinor(searchPath: string): string {
  for (const dir of searchPath.split(':')) {
    if (!dir || !path.isAbsolute(dir)) continue;
    const file = path.join(dir, 'python3');
    let id: string;
    try {
      accessSync(file, constants.X_OK);
      const real = realpathSync(file);
      const st = statSync(real);
      if (!st.isFile()) continue;
      id = `${file}\0${real}\0${st.size}\0${st.ctimeMs}`;
    } catch {
      continue;
    }
    const known = pythonVersions.get(id);
    if (known) return known;
    let version = 'unknown';
    try {
      const out = execFileSync(file, ['-I', '-S', '-c', 'import sys; print("%d.%d" % sys.version_info[:2])'], { encoding: 'utf8', timeout: 10_000, stdio: ['ignore', 'pipe', 'ignore'] }).trim();
      if (/^\d+\.\d+$/.test(out)) version = out;
    } catch {
      // it does not run: its entry is keyed apart, and its build says why
    }
    pythonVersions.set(id, version);
    return version;
  }
  return 'none';
}

function dirSize(dir: string): number {
  let total = 0;
  const stack = [dir];
  while (stack.length) {
    const d = stack.pop()!;
    let names: string[];
    try {
      names = readdirSync(d);
    } catch {
      continue;
    }
    for (const n of names) {
      const p = path.join(d, n);
      try {
        const st = lstatSync(p);
        total += st.size;
        if (st.isDirectory()) stack.push(p);
      } catch {
        // gone meanwhile
      }
    }
  }
  return total;
}

function readMarker(dir: string): CacheMarker | undefined {
  const file = path.join(dir, MARKER);
  if (notPrivate(file, 'file')) return undefined;
  try {
    const m = JSON.parse(readFileSync(file, 'utf8')) as CacheMarker;
    return m && m.version === MARKER_VERSION && Array.isArray(m.installed) ? m : undefined;
  } catch {
    return undefined;
  }
}

/** The version in a package's package.json; read without following a link (the install ran code of the packages). */
function installedVersion(pkgDir: string): string | undefined {
  const file = path.join(pkgDir, 'package.json');
  let fd: number | undefined;
  try {
    if (!lstatSync(pkgDir).isDirectory() || !lstatSync(file).isFile()) return undefined;
    fd = openSync(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    if (!fstatSync(fd).isFile()) return undefined;
    return (JSON.parse(readFileSync(fd, 'utf8')) as { version?: string }).version;
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Why an entry folder is not usable (undefined: it is complete). Reads with lstat: links are never followed. */
export function entryProblem(dir: string, key: string): string | undefined {
  const m = readMarker(dir);
  if (!m || m.key !== key) return 'it has no valid completion marker';
  if (m.ecosystem === 'pip') return venvProblem(dir, m);
  for (const i of m.installed) {
    if (installedVersion(path.join(dir, i.path)) !== i.version) return `${i.path} is missing or damaged`;
  }
  return undefined;
}

/** The interpreter a venv runs (its `bin/python3` link, never followed beyond reading it), when it is there. */
function venvPython(venv: string): string | undefined {
  try {
    const target = readlinkSync(path.join(venv, 'bin', 'python3'));
    return path.isAbsolute(target) && existsSync(target) ? target : undefined;
  } catch {
    return undefined;
  }
}

/** Why a Python entry is not usable: its interpreter gone (a system upgrade), a package's metadata missing. */
function venvProblem(dir: string, m: CacheMarker): string | undefined {
  if (!venvPython(path.join(dir, 'venv'))) return 'its Python interpreter is gone';
  for (const i of m.installed) {
    try {
      if (!lstatSync(path.join(dir, i.path)).isDirectory() || !lstatSync(path.join(dir, i.path, 'METADATA')).isFile()) return `${i.path} is damaged`;
    } catch {
      return `${i.path} is missing`;
    }
  }
  return undefined;
}

/** The distributions of a venv (`*.dist-info` folders of its site-packages), relative to the entry, by normalised name. */
function installedDists(dir: string): { path: string; version: string; name: string }[] {
  const out: { path: string; version: string; name: string }[] = [];
  const lib = path.join(dir, 'venv', 'lib');
  let pys: string[] = [];
  try {
    pys = readdirSync(lib).filter((n) => /^python3\.\d+$/.test(n) && lstatSync(path.join(lib, n)).isDirectory());
  } catch {
    return out;
  }
  for (const py of pys) {
    const site = path.join(lib, py, 'site-packages');
    let names: string[] = [];
    try {
      if (lstatSync(site).isDirectory()) names = readdirSync(site);
    } catch {
      continue;
    }
    for (const n of names) {
      const m = /^(.+)-([^-]+)\.dist-info$/.exec(n);
      if (m) out.push({ path: `venv/lib/${py}/site-packages/${n}`, version: m[2]!, name: pipName(m[1]!) });
    }
  }
  return out;
}

/** Every package folder of an install (nested node_modules too), relative to the entry, with its version. */
function installedPackages(dir: string): { path: string; version: string }[] {
  const out: { path: string; version: string }[] = [];
  const walk = (rel: string) => {
    let names: string[];
    try {
      if (!lstatSync(path.join(dir, rel)).isDirectory()) return; // a link is not walked into
      names = readdirSync(path.join(dir, rel));
    } catch {
      return;
    }
    for (const n of names) {
      if (n.startsWith('.')) continue;
      const scope = path.join(dir, rel, n);
      const pkgs = !n.startsWith('@') ? [n] : lstatSync(scope).isDirectory() ? readdirSync(scope).map((s) => `${n}/${s}`) : [];
      for (const pkg of pkgs) {
        const p = `${rel}/${pkg}`;
        const version = installedVersion(path.join(dir, p));
        if (version === undefined) continue;
        out.push({ path: p, version });
        walk(`${p}/node_modules`);
      }
    }
  };
  walk('node_modules');
  return out;
}

export class DepCache {
  private readonly building = new Map<string, Promise<void>>();

  /**
   * `pythonPath`: the PATH a Python stack's steps run with (sandboxed or not), whose `python3` the entry's venv is
   * made with; its minor version is part of a Python entry's key. Absent: the parent's PATH.
   */
  constructor(readonly root: string, private readonly pythonPath: (sandboxed: boolean) => string = () => process.env.PATH ?? '/usr/bin:/bin') {}

  /** The cache's own folders (the root and, for the default layout, its `spawn-app` parent), each refused when unsafe. */
  private guarded(): string[] {
    const parent = path.dirname(this.root);
    return path.basename(parent) === 'spawn-app' ? [parent, this.root] : [this.root];
  }

  private refuse(p: string, why: string): never {
    throw new SpawnError('blocked', `The dependency cache folder ${p} is not safe to use: ${why}. Remove it, or set SPAWN_APP_CACHE_DIR to a private folder of yours.`);
  }

  /** Creates the cache folders (0700) when missing; refuses ones that are not this user's own private folders. */
  ensureRoot(): void {
    for (const p of this.guarded()) {
      if (!existsSync(p)) mkdirSync(p, { recursive: true, mode: 0o700 });
      const why = notPrivate(p, 'folder');
      if (why) this.refuse(p, why);
    }
  }

  private assertRootSafe(): boolean {
    if (!existsSync(this.root)) return false;
    for (const p of this.guarded()) {
      const why = existsSync(p) ? notPrivate(p, 'folder') : undefined;
      if (why) this.refuse(p, why);
    }
    return true;
  }

  lockedSet(plan: CachePlan): Readonly<Record<string, string>> {
    return STACK_LOCKED_SETS[plan.stack]!;
  }

  /** The plan for an app: undefined when its stack has no locked set or the app uses none of it. */
  plan(spec: AppSpec, scripts: boolean): CachePlan | undefined {
    const locked = STACK_LOCKED_SETS[spec.appType];
    if (!locked) return undefined;
    const ecosystem = ecosystemOf(spec);
    const declared = dependenciesOf(spec);
    const covered = declared.filter((d) => (ecosystem === 'pip' ? pipSatisfies(locked, d) : packagesSatisfy(locked, d)));
    if (covered.length === 0) return undefined;
    const key = entryKey(spec.appType, locked, scripts, ecosystem === 'pip' ? pythonMinor(this.pythonPath(scripts)) : undefined);
    return { stack: spec.appType, ecosystem, key, dir: path.join(this.root, key), covered, extras: declared.filter((d) => !covered.includes(d)) };
  }

  /**
   * Whether the plan's entry is complete and usable. An entry that is another user's or writable by others is
   * refused with a sentence; a broken one is removed (the caller rebuilds it).
   */
  ready(plan: CachePlan): boolean {
    if (!this.assertRootSafe() || !existsSync(plan.dir)) return false;
    const unsafe = notPrivate(plan.dir, 'folder');
    if (unsafe) this.refuse(plan.dir, unsafe);
    if (entryProblem(plan.dir, plan.key) === undefined) return true;
    this.discard(plan.dir);
    return false;
  }

  /** Moves a folder out of the way and removes it (a running app's copy keeps its open files). */
  private discard(dir: string): void {
    const trash = path.join(this.root, `.trash-${randomBytes(4).toString('hex')}`);
    try {
      renameSync(dir, trash);
      rmSync(trash, { recursive: true, force: true });
    } catch {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  /**
   * Builds the plan's entry once: `install(tmp)` runs the locked install into a fresh temporary folder (inside the
   * install sandbox), then the marker is written and the folder renamed into place. Concurrent builds in this
   * process share one build; across processes the first rename wins.
   */
  async build(plan: CachePlan, scripts: boolean, install: (tmp: string) => Promise<void>): Promise<void> {
    const running = this.building.get(plan.key);
    if (running) return running;
    const job = (async () => {
      this.ensureRoot();
      this.removeLeftovers();
      const tmp = path.join(this.root, `.tmp-${plan.key}-${randomBytes(4).toString('hex')}`);
      mkdirSync(tmp, { mode: 0o700 });
      try {
        await install(tmp);
        const locked = STACK_LOCKED_SETS[plan.stack]!;
        const installed = plan.ecosystem === 'pip' ? installedDists(tmp) : installedPackages(tmp);
        for (const [n, v] of Object.entries(locked)) {
          const there = plan.ecosystem === 'pip' ? installed.some((i) => 'name' in i && i.name === pipName(n) && i.version === v) : installedVersion(path.join(tmp, 'node_modules', n)) === v;
          if (!there) throw new SpawnError('deploy.install_failed', `The ${plan.stack} dependency cache was not built: ${n} ${v} is missing after the install.`);
        }
        const marker: CacheMarker = { version: MARKER_VERSION, key: plan.key, stack: plan.stack, ...(plan.ecosystem === 'pip' ? { ecosystem: 'pip' as const } : {}), packages: { ...locked }, installed: installed.map((i) => ({ path: i.path, version: i.version })), scripts, builtAt: Date.now(), bytes: dirSize(tmp) };
        // The install ran package scripts in this folder: the marker is written without following what they left.
        writeTree({ root: tmp, shown: `the dependency cache build folder ${tmp}` }, [{ rel: MARKER, content: JSON.stringify(marker, null, 2), mode: 0o600 }]);
        try {
          renameSync(tmp, plan.dir);
        } catch (err) {
          const code = (err as NodeJS.ErrnoException).code;
          // Another process finished the same entry first: use theirs when it is complete.
          if ((code === 'ENOTEMPTY' || code === 'EEXIST') && this.ready(plan)) return;
          if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw err;
          renameSync(tmp, plan.dir);
        }
      } finally {
        if (existsSync(tmp)) rmSync(tmp, { recursive: true, force: true });
      }
    })();
    this.building.set(plan.key, job);
    try {
      await job;
    } finally {
      this.building.delete(plan.key);
    }
  }

  /** Temporary and trash folders of builds that died (older than an hour: a live build is never that old). */
  private removeLeftovers(): void {
    for (const n of readdirSync(this.root)) {
      if (!n.startsWith('.tmp-') && !n.startsWith('.trash-')) continue;
      const p = path.join(this.root, n);
      try {
        if (Date.now() - lstatSync(p).mtimeMs > 3_600_000 && !notPrivate(p, 'folder')) rmSync(p, { recursive: true, force: true });
      } catch {
        // gone meanwhile
      }
    }
  }

  /** The entries, complete or not (temporary build folders are left out). */
  entries(): CacheEntryInfo[] {
    if (!this.assertRootSafe()) return [];
    const out: CacheEntryInfo[] = [];
    for (const name of readdirSync(this.root).sort()) {
      if (name.startsWith('.')) continue;
      const dir = path.join(this.root, name);
      if (notPrivate(dir, 'folder')) continue;
      const m = readMarker(dir);
      const complete = entryProblem(dir, name) === undefined;
      out.push({ key: name, stack: m?.stack ?? name.replace(/-[0-9a-f]+$/, ''), dir, bytes: dirSize(dir), builtAt: m?.builtAt, complete });
    }
    return out;
  }

  /** Removes every entry (and leftover temporary folders) except those in `keep`; returns what was removed. */
  clear(keep: ReadonlySet<string> = new Set()): { removed: CacheEntryInfo[]; kept: string[] } {
    const removed: CacheEntryInfo[] = [];
    const kept: string[] = [];
    if (!this.assertRootSafe()) return { removed, kept };
    const listed = new Map(this.entries().map((e) => [e.key, e]));
    for (const name of readdirSync(this.root)) {
      const dir = path.join(this.root, name);
      if (notPrivate(dir, 'folder')) continue;
      if (keep.has(dir)) {
        kept.push(name);
        continue;
      }
      const info = listed.get(name);
      rmSync(dir, { recursive: true, force: true });
      if (info) removed.push(info);
    }
    return { removed, kept };
  }
}

/** The packages of a node_modules folder (`name` or `@scope/name`), without dot entries. */
function packageNames(dir: string): string[] {
  const out: string[] = [];
  for (const n of readdirSync(dir)) {
    if (n.startsWith('.')) continue;
    if (n.startsWith('@')) for (const s of readdirSync(path.join(dir, n))) out.push(`${n}/${s}`);
    else out.push(n);
  }
  return out;
}

/**
 * LINK_SCRIPT without extras, run by the runner itself: only for an app folder in which nothing has run yet (it
 * holds just the files Spawn App wrote); even so, no link in it is followed (noFollow.ts: removed, then made by
 * descriptor), so a link planted there could not redirect these writes either.
 */
export function linkEntry(appDir: string, src: string): void {
  const w = { root: appDir, shown: 'the app folder' };
  removeTree(path.join(appDir, 'node_modules'));
  const scoped = new Map<string, string[]>();
  for (const n of packageNames(src)) {
    const [scope, name] = n.includes('/') ? n.split('/') as [string, string] : ['', n];
    scoped.set(scope, [...(scoped.get(scope) ?? []), name]);
  }
  for (const [scope, names] of scoped) {
    inFolder(w, scope ? `node_modules/${scope}` : 'node_modules', (at) => {
      for (const name of names) symlinkSync(path.join(src, scope, name), at(name));
    });
  }
  let bins: string[] = [];
  try {
    bins = readdirSync(path.join(src, '.bin'));
  } catch {
    // no binaries
  }
  inFolder(w, 'node_modules/.bin', (at) => {
    for (const b of bins) symlinkSync(readlinkSync(path.join(src, '.bin', b)), at(b));
  });
}

/**
 * The script that links an entry into an app's `node_modules` (run inside the app's sandbox with `node -e`, in the
 * app folder): a real `node_modules` of links to the entry's packages, `.bin` links copied as they are (relative,
 * so they resolve through the package links); then the staged extras (when any) are moved in. On a name in both,
 * the entry's package stays, unless the app declared that name itself (argv[3], JSON).
 */
export const LINK_SCRIPT = `const f=require('fs'),p=require('path');const[src,stage,own]=process.argv.slice(1);const mine=new Set(JSON.parse(own||'[]'));
const d='node_modules';f.rmSync(d,{recursive:true,force:true});f.mkdirSync(d);
const names=(dir)=>{const o=[];for(const n of f.readdirSync(dir)){if(n.startsWith('.'))continue;if(n.startsWith('@'))for(const s of f.readdirSync(p.join(dir,n)))o.push(n+'/'+s);else o.push(n)}return o};
const put=(n)=>f.mkdirSync(p.dirname(p.join(d,n)),{recursive:true});
for(const n of names(src)){put(n);f.symlinkSync(p.join(src,n),p.join(d,n))}
const bins=(dir)=>{try{return f.readdirSync(p.join(dir,'.bin'))}catch{return[]}};
f.mkdirSync(p.join(d,'.bin'));for(const b of bins(src))f.symlinkSync(f.readlinkSync(p.join(src,'.bin',b)),p.join(d,'.bin',b));
if(stage){const cached=new Set(names(src));for(const n of names(stage)){if(cached.has(n)&&!mine.has(n))continue;put(n);f.rmSync(p.join(d,n),{recursive:true,force:true});f.renameSync(p.join(stage,n),p.join(d,n))}
for(const b of bins(stage)){const t=p.join(d,'.bin',b);if(f.existsSync(t)&&!mine.has(b))continue;f.rmSync(t,{force:true});f.renameSync(p.join(stage,'.bin',b),t)}}`;
