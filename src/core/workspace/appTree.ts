/**
 * The in-memory workspace of generated apps: one folder per app holding its files and its `spawn-app.json`
 * manifest, the same layout `saveApp` writes to disk. The extension's FileSystemProvider is a thin adapter over
 * this tree; what the tree holds (edits included) is what `specOf` hands to deploy.
 *
 * Paths are absolute POSIX paths: `/` is the root, `/<app>` an app's folder, `/<app>/<file>` its files.
 */
import { randomBytes } from 'node:crypto';
import type { Manifest } from './appDir';
import { manifestOf } from './appDir';
import type { AppSecrets } from '../base/secrets';
import type { AppSpec } from '../app/spec';
import { jsonErrorReason } from '../base/errors';
import { appNameFrom, DEFAULT_PORT, parseSpec } from '../app/spec';
import type { Finding } from '../base/finding';
import { binaryFileSentence, checkPath, MANIFEST_NAME, validateSpec } from '../validate';
import { TrustedSpecs } from '../app/trust';
import type { AppMeta, AppSpecResult, NodeKind, NodeStat, SerializedApp, SerializedTree, TreeChange } from './treeTypes';
import { TreeError } from './treeTypes';
import { decodeText, encodeText, isUtf8, jsonErrorLine, keyLine, manifestLineFor, manifestText } from './treeText';

interface FileNode {
  kind: 'file';
  data: Uint8Array;
  ctime: number;
  mtime: number;
}

interface DirNode {
  kind: 'directory';
  entries: Map<string, TreeNode>;
  ctime: number;
  mtime: number;
}

type TreeNode = FileNode | DirNode;

/** The manifest of an app created empty (a folder made in the Explorer). */
export const BLANK_MANIFEST: Manifest = { appType: 'webapp', startCommand: 'node server.js', dependencies: [], port: DEFAULT_PORT };

function splitPath(p: string): string[] {
  return p.split('/').filter(Boolean);
}

function joinPath(parts: readonly string[]): string {
  return '/' + parts.join('/');
}

export class AppTree {
  private readonly root: DirNode = { kind: 'directory', entries: new Map(), ctime: Date.now(), mtime: Date.now() };
  /** App metadata by folder name. */
  private readonly meta = new Map<string, AppMeta>();
  private readonly listeners = new Set<(changes: readonly TreeChange[]) => void>();

  /**
   * @param trusted What this process generated from a built-in template (digests of what runs; never persisted): the
   * app session's one digest (the extension passes `Session.trusted`, so the session's trust rule reads what this tree
   * marks).
   */
  constructor(readonly trusted: TrustedSpecs = new TrustedSpecs()) {}

  /** Subscribes to changes; returns the unsubscribe function. */
  onDidChange(listener: (changes: readonly TreeChange[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(changes: TreeChange[]): void {
    if (changes.length === 0) return;
    for (const l of [...this.listeners]) l(changes);
  }

  // ---- the file-system view -------------------------------------------------------------------------------

  stat(path: string): NodeStat {
    const node = this.lookup(path);
    return { kind: node.kind, ctime: node.ctime, mtime: node.mtime, size: node.kind === 'file' ? node.data.byteLength : node.entries.size };
  }

  exists(path: string): boolean {
    return this.find(splitPath(path)) !== undefined;
  }

  readDirectory(path: string): [string, NodeKind][] {
    const dir = this.lookupDir(path);
    return [...dir.entries].map(([name, n]) => [name, n.kind]);
  }

  readFile(path: string): Uint8Array {
    const node = this.lookup(path);
    if (node.kind !== 'file') throw new TreeError('FileIsADirectory', `${path} is a folder.`, path);
    return node.data;
  }

  writeFile(path: string, data: Uint8Array, opts: { create: boolean; overwrite: boolean }): void {
    const parts = splitPath(path);
    if (parts.length < 2) throw new TreeError('NoPermissions', 'Only app folders live at the top level; put files inside an app.', path);
    this.checkRelative(parts.slice(1), path);
    const parent = this.lookupDir(joinPath(parts.slice(0, -1)));
    const name = parts[parts.length - 1]!;
    const existing = parent.entries.get(name);
    if (existing?.kind === 'directory') throw new TreeError('FileIsADirectory', `${path} is a folder.`, path);
    if (!existing && !opts.create) throw new TreeError('FileNotFound', `${path} does not exist.`, path);
    if (existing && opts.create && !opts.overwrite) throw new TreeError('FileExists', `${path} already exists.`, path);
    const now = Date.now();
    if (existing) {
      existing.data = data;
      existing.mtime = now;
      this.emit([{ type: 'changed', path }]);
    } else {
      parent.entries.set(name, { kind: 'file', data, ctime: now, mtime: now });
      parent.mtime = now;
      this.emit([{ type: 'created', path }, { type: 'changed', path: joinPath(parts.slice(0, -1)) }]);
    }
  }

  /** Creates a folder; at the top level that is a new, blank app. */
  createDirectory(path: string): void {
    const parts = splitPath(path);
    if (parts.length === 0) throw new TreeError('FileExists', 'The root exists.', path);
    if (parts.length === 1) {
      this.createAppNamed(parts[0]!, { generator: 'user' }, BLANK_MANIFEST);
      return;
    }
    this.checkRelative(parts.slice(1), path);
    const parent = this.lookupDir(joinPath(parts.slice(0, -1)));
    const name = parts[parts.length - 1]!;
    if (parent.entries.has(name)) throw new TreeError('FileExists', `${path} already exists.`, path);
    const now = Date.now();
    parent.entries.set(name, { kind: 'directory', entries: new Map(), ctime: now, mtime: now });
    parent.mtime = now;
    this.emit([{ type: 'created', path }, { type: 'changed', path: joinPath(parts.slice(0, -1)) }]);
  }

  delete(path: string, opts: { recursive: boolean } = { recursive: true }): void {
    const parts = splitPath(path);
    if (parts.length === 0) throw new TreeError('NoPermissions', 'The root cannot be deleted.', path);
    if (parts.length === 2 && parts[1] === MANIFEST_NAME) {
      throw new TreeError('NoPermissions', `${MANIFEST_NAME} describes how the app runs; edit it instead of deleting it.`, path);
    }
    const parent = this.lookupDir(joinPath(parts.slice(0, -1)));
    const name = parts[parts.length - 1]!;
    const node = parent.entries.get(name);
    if (!node) throw new TreeError('FileNotFound', `${path} does not exist.`, path);
    if (node.kind === 'directory' && node.entries.size > 0 && !opts.recursive && parts.length > 1) {
      throw new TreeError('NoPermissions', `${path} is not empty.`, path);
    }
    const gone = this.pathsUnder(path, node);
    parent.entries.delete(name);
    parent.mtime = Date.now();
    if (parts.length === 1) this.meta.delete(name);
    this.emit([...gone.map((p) => ({ type: 'deleted' as const, path: p })), { type: 'changed', path: joinPath(parts.slice(0, -1)) }]);
  }

  rename(from: string, to: string, opts: { overwrite: boolean } = { overwrite: false }): void {
    const src = splitPath(from);
    const dst = splitPath(to);
    if (src.length === 0 || dst.length === 0) throw new TreeError('NoPermissions', 'The root cannot be moved.', from);
    if (src.length === 1 !== (dst.length === 1)) {
      throw new TreeError('NoPermissions', 'An app folder stays at the top level, and files stay inside apps.', from);
    }
    if ((src.length === 2 && src[1] === MANIFEST_NAME) || (dst.length === 2 && dst[1] === MANIFEST_NAME)) {
      throw new TreeError('NoPermissions', `${MANIFEST_NAME} keeps its name.`, from);
    }
    if (dst.length === 1) {
      const c = checkPath(dst[0]!);
      if (!c.ok) throw new TreeError('NoPermissions', c.message, to);
    } else {
      this.checkRelative(dst.slice(1), to);
    }
    if (joinPath(dst).startsWith(joinPath(src) + '/')) throw new TreeError('NoPermissions', 'A folder cannot move into itself.', to);
    const srcParent = this.lookupDir(joinPath(src.slice(0, -1)));
    const srcName = src[src.length - 1]!;
    const node = srcParent.entries.get(srcName);
    if (!node) throw new TreeError('FileNotFound', `${from} does not exist.`, from);
    const dstParent = this.lookupDir(joinPath(dst.slice(0, -1)));
    const dstName = dst[dst.length - 1]!;
    if (joinPath(src) === joinPath(dst)) return;
    const existing = dstParent.entries.get(dstName);
    if (existing && !opts.overwrite) throw new TreeError('FileExists', `${to} already exists.`, to);
    if (existing && dst.length === 1) throw new TreeError('FileExists', `An app named ${dstName} already exists.`, to);
    const gone = this.pathsUnder(from, node);
    srcParent.entries.delete(srcName);
    dstParent.entries.set(dstName, node);
    const now = Date.now();
    srcParent.mtime = now;
    dstParent.mtime = now;
    if (src.length === 1) {
      const m = this.meta.get(srcName);
      this.meta.delete(srcName);
      if (m) {
        m.name = dstName;
        this.meta.set(dstName, m);
      }
    }
    const created = this.pathsUnder(to, node);
    this.emit([
      ...gone.map((p) => ({ type: 'deleted' as const, path: p })),
      ...created.map((p) => ({ type: 'created' as const, path: p })),
      { type: 'changed', path: joinPath(src.slice(0, -1)) },
      { type: 'changed', path: joinPath(dst.slice(0, -1)) },
    ]);
  }

  // ---- the app view ---------------------------------------------------------------------------------------

  apps(): AppMeta[] {
    return [...this.meta.values()].sort((a, b) => a.createdAt - b.createdAt);
  }

  /** An app by id or by folder name. */
  app(idOrName: string): AppMeta | undefined {
    return this.meta.get(idOrName) ?? [...this.meta.values()].find((m) => m.id === idOrName);
  }

  /** The app a path lies in. */
  appOf(path: string): AppMeta | undefined {
    const first = splitPath(path)[0];
    return first === undefined ? undefined : this.meta.get(first);
  }

  /** The tree path of an app (or of a file inside it). */
  pathOf(app: AppMeta, rel?: string): string {
    return rel ? `/${app.name}/${rel}` : `/${app.name}`;
  }

  /** A folder name derived from `hint` that no app has yet. */
  uniqueName(hint: string): string {
    const base = appNameFrom(hint);
    let name = base;
    for (let i = 2; this.root.entries.has(name); i++) name = `${base}-${i}`;
    return name;
  }

  /** Creates an empty app (just its manifest) under a fresh name derived from `nameHint`. */
  createApp(opts: { nameHint: string; generator?: string; prompt?: string; manifest?: Manifest }): AppMeta {
    return this.createAppNamed(this.uniqueName(opts.nameHint), opts, opts.manifest ?? BLANK_MANIFEST);
  }

  private createAppNamed(name: string, opts: { generator?: string; prompt?: string }, manifest: Manifest): AppMeta {
    const c = checkPath(name);
    if (!c.ok || c.path.includes('/')) throw new TreeError('NoPermissions', `${JSON.stringify(name)} is not a valid app folder name.`, `/${name}`);
    if (this.root.entries.has(name)) throw new TreeError('FileExists', `An app named ${name} already exists.`, `/${name}`);
    const now = Date.now();
    const dir: DirNode = { kind: 'directory', entries: new Map(), ctime: now, mtime: now };
    dir.entries.set(MANIFEST_NAME, { kind: 'file', data: encodeText(manifestText(manifest)), ctime: now, mtime: now });
    this.root.entries.set(name, dir);
    this.root.mtime = now;
    const meta: AppMeta = { id: randomBytes(6).toString('hex'), name, generator: opts.generator, prompt: opts.prompt, createdAt: now };
    this.meta.set(name, meta);
    this.emit([{ type: 'created', path: `/${name}` }, { type: 'created', path: `/${name}/${MANIFEST_NAME}` }, { type: 'changed', path: '/' }]);
    return meta;
  }

  /**
   * Writes one file of an app from text (a generator's stream), creating folders on the way. A path that
   * validation refuses is not written: the finding is returned instead.
   */
  putFile(app: AppMeta, rawPath: string, content: string): { ok: true; path: string } | { ok: false; finding: Finding } {
    const c = checkPath(rawPath);
    if (!c.ok) return { ok: false, finding: { severity: 'warning', rule: c.rule, path: MANIFEST_NAME, line: 1, message: `A generated file was dropped: ${c.message}` } };
    if (c.path === MANIFEST_NAME) return { ok: false, finding: { severity: 'warning', rule: 'path.reserved', path: MANIFEST_NAME, line: 1, message: `A generated file named ${MANIFEST_NAME} was dropped.` } };
    const parts = c.path.split('/');
    let dir = `/${app.name}`;
    for (const seg of parts.slice(0, -1)) {
      dir += `/${seg}`;
      const found = this.find(splitPath(dir));
      if (!found) this.createDirectory(dir);
      else if (found.kind !== 'directory') return { ok: false, finding: { severity: 'warning', rule: 'path.conflict', path: MANIFEST_NAME, line: 1, message: `A generated file was dropped: ${dir.slice(app.name.length + 2)} is both a file and a folder.` } };
    }
    const full = `/${app.name}/${c.path}`;
    const existing = this.find(splitPath(full));
    if (existing?.kind === 'directory') return { ok: false, finding: { severity: 'warning', rule: 'path.conflict', path: MANIFEST_NAME, line: 1, message: `A generated file was dropped: ${c.path} is both a file and a folder.` } };
    const data = encodeText(content);
    if (existing?.kind === 'file' && sameBytes(existing.data, data)) return { ok: true, path: c.path };
    this.writeFile(full, data, { create: true, overwrite: true });
    return { ok: true, path: c.path };
  }

  /** Records who wrote the app's code now (e.g. `claude` after an accepted change). */
  setGenerator(app: AppMeta, generator: string): void {
    app.generator = generator;
  }

  /** Makes the app hold exactly `spec`'s files and a manifest describing it. */
  setSpec(app: AppMeta, spec: AppSpec, generator?: string): Finding[] {
    const dropped: Finding[] = [];
    const keep = new Set<string>([MANIFEST_NAME]);
    for (const f of spec.files) {
      const r = this.putFile(app, f.path, f.content);
      if (r.ok) keep.add(r.path);
      else dropped.push(r.finding);
    }
    for (const rel of this.filePaths(app)) {
      if (!keep.has(rel) && this.exists(this.pathOf(app, rel))) this.delete(this.pathOf(app, rel));
    }
    if (generator !== undefined) app.generator = generator;
    this.writeFile(this.pathOf(app, MANIFEST_NAME), encodeText(manifestText(manifestOf(spec))), { create: true, overwrite: true });
    return dropped;
  }

  /** App-relative paths of every file of an app except its manifest, sorted. */
  filePaths(app: AppMeta): string[] {
    const dir = this.find([app.name]);
    if (!dir || dir.kind !== 'directory') return [];
    const out: string[] = [];
    const walk = (d: DirNode, rel: string) => {
      for (const [name, node] of d.entries) {
        const p = rel ? `${rel}/${name}` : name;
        if (node.kind === 'directory') walk(node, p);
        else if (p !== MANIFEST_NAME) out.push(p);
      }
    };
    walk(dir, '');
    return out.sort();
  }

  /**
   * The app as a spec (what deploy runs) plus every finding, located on a file and line where possible. With the
   * app's `secrets`, the findings include theirs (a value written into a file, a secret read in browser code), as
   * the deploy pipeline finds them: a front asks with these findings, never learns of them only after a yes.
   */
  specOf(app: AppMeta, opts: { secrets?: AppSecrets } = {}): AppSpecResult {
    const read = this.readSpec(app);
    if (!read.spec) return { findings: read.findings, generator: app.generator, ours: false };
    const { spec, text } = read;
    const findings = validateSpec(spec, { secrets: opts.secrets }).map((f) => (f.path ? f : { ...f, path: MANIFEST_NAME, line: manifestLineFor(f.rule, text) }));
    // Apps hold text: a binary file (a dropped image) would be corrupted on its way to a sandbox or a folder.
    for (const p of this.filePaths(app)) {
      if (!findings.some((f) => f.rule === 'file.binary' && f.path === p) && !isUtf8(this.readFile(this.pathOf(app, p)))) {
        findings.push({ severity: 'error', rule: 'file.binary', path: p, message: binaryFileSentence(p, 'not UTF-8 text') });
      }
    }
    return { spec, findings, generator: app.generator, ours: this.trusted.isOurs(spec) };
  }

  /** The app's manifest and files as a spec, without validation; the findings say why when it cannot be read. */
  private readSpec(app: AppMeta): { spec: AppSpec; text: string } | { spec?: undefined; findings: Finding[] } {
    const manifestPath = this.pathOf(app, MANIFEST_NAME);
    if (!this.exists(manifestPath)) {
      return { findings: [{ severity: 'error', rule: 'manifest.missing', message: `The app has no ${MANIFEST_NAME}.` }] };
    }
    const text = decodeText(this.readFile(manifestPath));
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      return { findings: [{ severity: 'error', rule: 'manifest.invalid', path: MANIFEST_NAME, line: jsonErrorLine(message, text), message: `${MANIFEST_NAME} is not valid JSON${jsonErrorReason(message)}.` }] };
    }
    const files = this.filePaths(app).map((p) => ({ path: p, content: decodeText(this.readFile(this.pathOf(app, p))) }));
    try {
      return { spec: parseSpec(raw && typeof raw === 'object' && !Array.isArray(raw) ? { ...(raw as Record<string, unknown>), files } : raw), text };
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      const key = /^(\w+)/.exec(message)?.[1];
      return { findings: [{ severity: 'error', rule: 'manifest.invalid', path: MANIFEST_NAME, line: (key && keyLine(text, key)) || 1, message: `${MANIFEST_NAME}: ${message}` }] };
    }
  }

  // ---- trust ----------------------------------------------------------------------------------------------

  /**
   * Records that this process just generated the app from a built-in template: until its files change (an edit,
   * a model's change, a restore of other content), `isOurs` is true. Call it only right after generating.
   */
  markOurs(app: AppMeta): void {
    const { spec } = this.readSpec(app);
    if (spec) this.trusted.markOurs(spec);
  }

  /**
   * Whether the app is still exactly a built-in template this process generated (never true after a reload): the
   * core's one digest (tools/trust.ts), the same the CLI and the MCP server use.
   */
  isOurs(app: AppMeta): boolean {
    const { spec } = this.readSpec(app);
    return spec !== undefined && this.trusted.isOurs(spec);
  }

  // ---- persistence ----------------------------------------------------------------------------------------

  serialize(): SerializedTree {
    return { version: 1, apps: this.apps().map((m) => this.serializeApp(m)) };
  }

  /** One app as plain JSON (its metadata and every file, manifest included). */
  serializeApp(m: AppMeta): SerializedApp {
    return {
      id: m.id,
      name: m.name,
      generator: m.generator,
      prompt: m.prompt,
      createdAt: m.createdAt,
      files: [MANIFEST_NAME, ...this.filePaths(m)].filter((p) => this.exists(this.pathOf(m, p))).map((p) => ({ path: p, content: decodeText(this.readFile(this.pathOf(m, p))) })),
    };
  }

  /** Adds the apps of a snapshot (skipping any whose name is taken); returns how many were restored. */
  restore(snapshot: unknown): number {
    const s = snapshot as Partial<SerializedTree> | undefined;
    if (!s || s.version !== 1 || !Array.isArray(s.apps)) return 0;
    let n = 0;
    for (const a of s.apps) {
      if (!a || typeof a.name !== 'string' || typeof a.id !== 'string' || !Array.isArray(a.files) || this.root.entries.has(a.name)) continue;
      const c = checkPath(a.name);
      if (!c.ok || c.path.includes('/')) continue;
      const now = Date.now();
      this.root.entries.set(a.name, { kind: 'directory', entries: new Map(), ctime: now, mtime: now });
      const meta: AppMeta = { id: a.id, name: a.name, generator: a.generator, prompt: a.prompt, createdAt: typeof a.createdAt === 'number' ? a.createdAt : now };
      this.meta.set(a.name, meta);
      for (const f of a.files) {
        if (f && typeof f.path === 'string' && typeof f.content === 'string') {
          if (f.path === MANIFEST_NAME) this.writeFile(this.pathOf(meta, MANIFEST_NAME), encodeText(f.content), { create: true, overwrite: true });
          else this.putFile(meta, f.path, f.content);
        }
      }
      n++;
    }
    if (n) this.emit([{ type: 'changed', path: '/' }]);
    return n;
  }

  // ---- helpers --------------------------------------------------------------------------------------------

  private find(parts: readonly string[]): TreeNode | undefined {
    let node: TreeNode = this.root;
    for (const part of parts) {
      if (node.kind !== 'directory') return undefined;
      const next: TreeNode | undefined = node.entries.get(part);
      if (!next) return undefined;
      node = next;
    }
    return node;
  }

  private lookup(path: string): TreeNode {
    const parts = splitPath(path);
    let node: TreeNode = this.root;
    for (let i = 0; i < parts.length; i++) {
      if (node.kind !== 'directory') throw new TreeError('FileNotADirectory', `${joinPath(parts.slice(0, i))} is a file.`, path);
      const next: TreeNode | undefined = node.entries.get(parts[i]!);
      if (!next) throw new TreeError('FileNotFound', `${path} does not exist.`, path);
      node = next;
    }
    return node;
  }

  private lookupDir(path: string): DirNode {
    const node = this.lookup(path);
    if (node.kind !== 'directory') throw new TreeError('FileNotADirectory', `${path} is a file.`, path);
    return node;
  }

  /** Refuses app-relative paths that validation would refuse (so nothing undeployable is ever created). */
  private checkRelative(rel: readonly string[], full: string): void {
    const c = checkPath(rel.join('/'));
    if (!c.ok && c.rule !== 'path.reserved') throw new TreeError('NoPermissions', c.message, full);
  }

  private pathsUnder(path: string, node: TreeNode): string[] {
    const out = [path];
    if (node.kind === 'directory') for (const [name, child] of node.entries) out.push(...this.pathsUnder(`${path}/${name}`, child));
    return out;
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false;
  return true;
}
