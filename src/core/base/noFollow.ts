/**
 * Writes, deletes and folder walks that never follow a link, for folders someone else may change while we work in
 * them: a user's app folder (`generate --out`, an accepted refine) and, above all, a sandbox's app folder once its
 * code has run (a redeploy writes into it from the host, and the app may have swapped any file or folder for a
 * link to a file of the user's, or for a FIFO, and may keep swapping while we write).
 *
 * On Linux every step goes through the descriptor of the folder checked before it: `/proc/self/fd/<fd>/<name>`
 * (Node's stand-in for openat) opens the next folder with O_NOFOLLOW | O_DIRECTORY, so a folder swapped for a
 * link after it was checked is never entered, whatever happens to the path meanwhile. Files are written as a
 * fresh temp file (O_CREAT | O_EXCL | O_NOFOLLOW) renamed over the name (rename replaces the entry; it never
 * writes into what was there, a link, a FIFO or another name of a file). Without /proc (macOS, where the local
 * runner has no sandbox) the same checks run on paths, which holds against links planted beforehand.
 *
 * Before anything is written, every path is checked: a link anywhere on the way, a file where a folder belongs,
 * or something other than a regular file where a file goes, refuses the whole write in one sentence. (One that
 * appears while the files are written stops the write where it is met, with the same sentence.)
 */
import { chmodSync, closeSync, constants, existsSync, fstatSync, lstatSync, mkdirSync, opendirSync, openSync, readdirSync, readSync, renameSync, rmdirSync, rmSync, unlinkSync } from 'node:fs';
import type { Stats } from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { SpawnError } from './errors';
import { writeFileAtomic } from './atomicWrite';

/** Whether folders can be used through their descriptors (`/proc/self/fd`), checked once. */
let procFd: boolean | undefined;
function viaFd(): boolean {
  procFd ??= process.platform === 'linux' && existsSync('/proc/self/fd');
  return procFd;
}

// (libuv opens every descriptor close-on-exec: none of these leaks into a child process.)
const DIR_FLAGS = constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW;

/** A folder opened for work: its descriptor (Linux) or its checked path (elsewhere). */
class Dir {
  private constructor(
    private fd: number | undefined,
    readonly path: string,
  ) {}

  /** The path of `name` in this folder, resolved through the descriptor when there is one. */
  at(name: string): string {
    return this.fd !== undefined ? `/proc/self/fd/${this.fd}/${name}` : path.join(this.path, name);
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  /** Gives the user back read, write and search on this folder when it is theirs and lacks one (for its removal). */
  ownAgain(): void {
    if (this.fd === undefined) return;
    const st = fstatSync(this.fd);
    if (st.uid === process.getuid?.() && (st.mode & 0o700) !== 0o700) chmodSync(`/proc/self/fd/${this.fd}`, (st.mode & 0o777) | 0o700);
  }

  /** Opens a folder Spawn App itself made or was given (the root of the work): its path is trusted. */
  static root(p: string): Dir {
    return new Dir(viaFd() ? openSync(p, constants.O_RDONLY | constants.O_DIRECTORY) : undefined, p);
  }

  /**
   * Opens the folder `name` of this one, never through a link: undefined when nothing is there; a link, or
   * something that is not a folder, throws `NotAFolder` (the caller says what it was).
   */
  child(name: string): Dir | undefined {
    const p = path.join(this.path, name);
    if (this.fd === undefined) {
      let st: Stats;
      try {
        st = lstatSync(p);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw err;
      }
      if (!st.isDirectory()) throw new NotAFolder(st.isSymbolicLink());
      return new Dir(undefined, p);
    }
    try {
      return new Dir(openSync(this.at(name), DIR_FLAGS), p);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return undefined;
      if (code === 'ELOOP' || code === 'ENOTDIR') throw new NotAFolder(lstatOr(this.at(name))?.isSymbolicLink() !== false);
      throw err;
    }
  }
}

class NotAFolder extends Error {
  constructor(readonly link: boolean) {
    super(link ? 'a symbolic link' : 'not a folder');
  }
}

function lstatOr(p: string): Stats | undefined {
  try {
    return lstatSync(p);
  } catch {
    return undefined;
  }
}

function segmentsOf(rel: string): string[] {
  const segs = rel.split('/');
  // Callers pass checked paths (validate.checkPath); this is the last guard, not the validation.
  if (segs.some((s) => s === '' || s === '.' || s === '..' || s.includes('\0'))) throw new SpawnError('blocked', `Refused to write ${JSON.stringify(rel)}: not a plain relative path.`);
  return segs;
}

/** What is written and to whom it is shown: `dir` names the folder in sentences (a path, or "the app folder"). */
export interface Where {
  root: string;
  shown: string;
}

function blockedLink(w: Where, rel: string, at: string): SpawnError {
  return new SpawnError('blocked', `Nothing was written: ${at === rel ? rel : `${at} (on the way to ${rel})`} in ${w.shown} is a symbolic link, and Spawn App never writes through links.`);
}

function notFolder(w: Where, rel: string, at: string): SpawnError {
  return new SpawnError('blocked', `Nothing was written: ${at} in ${w.shown} is a file where ${rel} needs a folder.`);
}

/**
 * Walks to the folder holding `rel`'s last segment: each folder opened from the one before, never through a link.
 * `create` makes missing folders (0777 less the umask); without it a missing folder ends the walk (undefined).
 * The caller closes the returned folder.
 */
function walkTo(w: Where, rel: string, create: boolean): { dir: Dir; name: string } | undefined {
  const segs = segmentsOf(rel);
  let dir = Dir.root(w.root);
  try {
    for (let i = 0; i < segs.length - 1; i++) {
      const at = segs.slice(0, i + 1).join('/');
      if (create) {
        try {
          mkdirSync(dir.at(segs[i]!));
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        }
      }
      let next: Dir | undefined;
      try {
        next = dir.child(segs[i]!);
      } catch (err) {
        if (err instanceof NotAFolder) throw err.link ? blockedLink(w, rel, at) : notFolder(w, rel, at);
        throw err;
      }
      dir.close();
      if (!next) return undefined;
      dir = next;
    }
    return { dir, name: segs[segs.length - 1]! };
  } catch (err) {
    dir.close();
    throw err;
  }
}

/** Refuses a link anywhere on the way to `rel`, a file where a folder belongs, and a non-file where the file goes. */
function check(w: Where, rel: string): void {
  const found = walkTo(w, rel, false);
  if (!found) return;
  try {
    const st = lstatOr(found.dir.at(found.name));
    if (!st) return;
    if (st.isSymbolicLink()) throw blockedLink(w, rel, rel);
    if (!st.isFile()) throw new SpawnError('blocked', `Nothing was written: ${rel} in ${w.shown} exists and is not a regular file.`);
  } finally {
    found.dir.close();
  }
}

/** Writes one file as a fresh temp file renamed over the name; an existing file's permission bits are kept. */
function writeOne(w: Where, rel: string, content: string | Uint8Array, mode: number | undefined): void {
  const { dir, name } = walkTo(w, rel, true)!;
  try {
    let keep = mode;
    const st = lstatOr(dir.at(name));
    if (st?.isSymbolicLink()) throw blockedLink(w, rel, rel);
    if (st && !st.isFile()) throw new SpawnError('blocked', `Nothing was written: ${rel} in ${w.shown} exists and is not a regular file.`);
    if (st && keep === undefined) keep = st.mode & 0o777; // never a set-id bit, whoever set it
    // Through the folder's descriptor (dir.at), so no link on the way can redirect the temp file or the rename.
    writeFileAtomic(dir.at(name), content, { mode: keep });
  } finally {
    dir.close();
  }
}

export interface TreeWrite {
  /** A checked relative path (validate.checkPath), `/`-separated. */
  rel: string;
  content: string | Uint8Array;
  /** Permission bits of a new file (default 0666 less the umask; an existing file keeps its own). */
  mode?: number;
}

/**
 * Writes `files` into the folder `w.root` and deletes `remove` (files), never through a link: everything is
 * checked first and nothing at all is written when any path is refused (one SpawnError 'blocked' sentence).
 */
export function writeTree(w: Where, files: readonly TreeWrite[], remove: readonly string[] = []): void {
  for (const rel of [...files.map((f) => f.rel), ...remove]) check(w, rel);
  for (const f of files) writeOne(w, f.rel, f.content, f.mode);
  for (const rel of remove) {
    check(w, rel);
    const found = walkTo(w, rel, false);
    if (!found) continue;
    try {
      unlinkSync(found.dir.at(found.name));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    } finally {
      found.dir.close();
    }
  }
}

/**
 * Makes the folder `rel` of `w.root` (and the folders on the way), never through a link, and runs `fn` with a
 * function that names an entry inside it; the folder stays the one checked while `fn` runs.
 */
export function inFolder<T>(w: Where, rel: string, fn: (at: (name: string) => string) => T): T {
  const { dir } = walkTo(w, `${rel}/-`, true)!; // the folder holding "-": `rel` itself
  try {
    return fn((n) => dir.at(n));
  } finally {
    dir.close();
  }
}

/**
 * Deeper than this, a folder is not walked into but moved up into the folder being removed (by rename, which follows
 * no link), to be removed in a later round: the walk's stack and its open descriptors stay bounded however deep a
 * chain of folders the app made (a 20 000-deep one overflowed the stack, and the sandbox could not be removed).
 */
const MAX_DEPTH = 64;
/** Rounds of removeTree (a chain of MAX_ROUNDS × MAX_DEPTH folders): finite even if something kept adding folders. */
const MAX_ROUNDS = 100_000;

/** Moves the folder `name` of `from` into `top` under a fresh name; false when it is not a folder (removed in place). */
type Spill = (from: Dir, name: string) => boolean;

/**
 * The folder `name` of `dir`, opened without following a link; undefined when it is gone, a link or not a folder (or,
 * with `unreadable`, one that cannot be opened for want of permission).
 */
function folderOrNone(dir: Dir, name: string, unreadable = false): Dir | undefined {
  try {
    return dir.child(name);
  } catch (err) {
    if (!(err instanceof NotAFolder) && !(unreadable && (err as NodeJS.ErrnoException).code === 'EACCES')) throw err;
    return undefined;
  }
}

/** Linux's O_PATH: a descriptor that names an inode without opening it. */
const O_PATH = 0o10000000;

/**
 * The folder `name` of `dir` that the user cannot open although it is theirs (the app took their permissions away:
 * chmod 000): read, write and search given back through an O_PATH descriptor of that very folder (a link there is
 * never followed), then opened. Undefined when it is not such a folder.
 */
function reopenLocked(dir: Dir, name: string): Dir | undefined {
  let fd: number;
  try {
    fd = openSync(dir.at(name), O_PATH | constants.O_NOFOLLOW);
  } catch {
    return undefined;
  }
  try {
    const st = fstatSync(fd);
    if (!st.isDirectory() || st.uid !== process.getuid?.()) return undefined;
    chmodSync(`/proc/self/fd/${fd}`, (st.mode & 0o777) | 0o700);
  } finally {
    closeSync(fd);
  }
  return folderOrNone(dir, name);
}

/**
 * Removes the entry `name` of `dir`: a folder's content first, each sub-folder opened from its parent; a link is
 * removed, never followed. A folder of the user's that the app locked (no read, write or search) is unlocked first.
 */
function removeIn(dir: Dir, name: string, spill: Spill, depth: number, again = true): void {
  let sub: Dir | undefined;
  try {
    sub = folderOrNone(dir, name);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EACCES' || !viaFd()) throw err;
    sub = reopenLocked(dir, name);
    if (!sub) throw err;
  }
  if (!sub) {
    try {
      unlinkSync(dir.at(name));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    return;
  }
  try {
    sub.ownAgain();
    for (const n of readdirSync(sub.at('.'))) {
      if (depth >= MAX_DEPTH && spill(sub, n)) continue;
      removeIn(sub, n, spill, depth + 1);
    }
  } finally {
    sub.close();
  }
  try {
    rmdirSync(dir.at(name));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if ((code === 'ENOTEMPTY' || code === 'EEXIST') && again) removeIn(dir, name, spill, depth, false); // something was added meanwhile
    else if (code !== 'ENOENT') throw err;
  }
}

/**
 * `rm -rf` that never follows a link, not even one swapped in while it runs: for a sandbox's folders (its app
 * folder, its home), which code of the app may still be changing. Nothing there: nothing to do. Folders deeper than
 * MAX_DEPTH are moved up into the target and removed in further rounds.
 */
export function removeTree(target: string): void {
  if (!viaFd()) {
    rmSync(target, { recursive: true, force: true });
    return;
  }
  let parent: Dir;
  try {
    parent = Dir.root(path.dirname(path.resolve(target)));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return; // no folder to hold it: nothing there
    throw err;
  }
  const base = path.basename(path.resolve(target));
  try {
    for (let round = 0; ; round++) {
      let top: Dir | undefined;
      try {
        top = parent.child(base);
      } catch (err) {
        // A link (removed, never followed), or a folder the app locked: removeIn unlocks it.
        if (!(err instanceof NotAFolder) && (err as NodeJS.ErrnoException).code !== 'EACCES') throw err;
      }
      let spilled = 0;
      const spill: Spill = (from, n) => {
        if (!top || !lstatOr(from.at(n))?.isDirectory()) return false;
        renameSync(from.at(n), top.at(`.spawn-app-rm-${randomBytes(6).toString('hex')}`));
        spilled++;
        return true;
      };
      try {
        removeIn(parent, base, spill, 0);
        return;
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        // Folders moved up this round are still in the target: another round (each one is MAX_DEPTH shallower).
        if (!(spilled > 0 && round < MAX_ROUNDS && (code === 'ENOTEMPTY' || code === 'EEXIST'))) throw err;
      } finally {
        top?.close();
      }
    }
  } finally {
    parent.close();
  }
}

/** What a read walk found: folders and regular files (their content when asked), and what it left alone. */
export interface TreeRead {
  entries: { rel: string; type: 'file' | 'dir'; mode: number; size: number; content?: Buffer }[];
  /** Links, FIFOs, sockets and devices: never followed, opened or counted. */
  skipped: string[];
  /** The regular files' bytes. */
  bytes: number;
  /** The walk stopped at `maxEntries`: the folder holds more (its size is then at least `bytes`). */
  more: boolean;
}

/**
 * Walks the folder `root` (one the app may be changing) without following a link: each folder opened from the one
 * before it, each file opened O_NOFOLLOW | O_NONBLOCK and checked with fstat, so a link or FIFO is never followed,
 * opened blocking or counted. With `read`, the files' content too, at most `maxBytes` in all (one sentence past it).
 * Deeper than MAX_DEPTH folders, the rest is skipped; past `maxEntries` the walk stops (`more`; with `read`, one
 * sentence), and a folder's names past it are never read. A missing root: nothing.
 */
export function readTree(root: string, opts: { read: boolean; maxBytes: number; maxEntries: number; shown: string }): TreeRead {
  const out: TreeRead = { entries: [], skipped: [], bytes: 0, more: false };
  let top: Dir | undefined;
  const parent = Dir.root(path.dirname(path.resolve(root)));
  try {
    top = parent.child(path.basename(path.resolve(root)));
  } catch (err) {
    if (err instanceof NotAFolder) throw new SpawnError('blocked', `${opts.shown} is ${err.message}, not a folder; Spawn App never follows it.`);
    if ((err as NodeJS.ErrnoException).code === 'EACCES') throw new SpawnError('blocked', `${opts.shown} cannot be read: its permissions were taken away (chmod).`);
    throw err;
  } finally {
    parent.close();
  }
  if (!top) return out;
  const walk = (dir: Dir, prefix: string, depth: number): void => {
    const listed = someNames(dir, opts.maxEntries - out.entries.length);
    if (listed.more) out.more = true;
    for (const name of listed.names) {
      const rel = prefix ? `${prefix}/${name}` : name;
      if (out.entries.length >= opts.maxEntries) {
        out.more = true;
        break;
      }
      const st = lstatOr(dir.at(name));
      if (st?.isDirectory() && depth < MAX_DEPTH) {
        const sub = folderOrNone(dir, name, true);
        if (!sub) {
          out.skipped.push(rel); // swapped for a link (or gone) since the lstat, or made unreadable
          continue;
        }
        try {
          out.entries.push({ rel, type: 'dir', mode: st.mode & 0o777, size: 0 });
          walk(sub, rel, depth + 1);
        } finally {
          sub.close();
        }
        continue;
      }
      if (!st?.isFile()) {
        if (st) out.skipped.push(rel);
        continue;
      }
      const file = readFileNoFollow(dir.at(name), opts.read ? opts.maxBytes - out.bytes : 0, `${opts.shown}: ${rel}`);
      if (!file) {
        out.skipped.push(rel);
        continue;
      }
      out.bytes += file.size;
      if (opts.read && out.bytes > opts.maxBytes) throw new SpawnError('usage', `${opts.shown} holds more than ${Math.round(opts.maxBytes / 2 ** 20)} MB, the most Spawn App packs.`);
      out.entries.push({ rel, type: 'file', mode: file.mode, size: file.size, ...(opts.read ? { content: file.content } : {}) });
    }
  };
  try {
    walk(top, '', 0);
  } finally {
    top.close();
  }
  if (out.more && opts.read) throw new SpawnError('usage', `${opts.shown} holds more than ${opts.maxEntries} files and folders, the most Spawn App packs.`);
  return out;
}

/**
 * At most `max` names of a folder (sorted), and whether it holds more: a folder of a million names the app made is
 * never listed whole (reading them all blocked the host's process for seconds, at every size count).
 */
function someNames(dir: Dir, max: number): { names: string[]; more: boolean } {
  const names: string[] = [];
  const d = opendirSync(dir.at('.'));
  try {
    for (let e = d.readSync(); e; e = d.readSync()) {
      if (names.length >= max) return { names: names.sort(), more: true };
      names.push(e.name);
    }
  } finally {
    d.closeSync();
  }
  return { names: names.sort(), more: false };
}

/** A regular file opened without following a link or blocking (undefined: not a regular file when opened). */
function readFileNoFollow(at: string, limit: number, shown: string): { size: number; mode: number; content: Buffer } | undefined {
  let fd: number;
  try {
    fd = openSync(at, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch {
    return undefined; // a link (ELOOP), gone, or not ours to read
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) return undefined;
    if (limit <= 0) return { size: st.size, mode: st.mode & 0o777, content: Buffer.alloc(0) };
    if (st.size > limit) throw new SpawnError('usage', `${shown} is larger than the ${Math.round(limit / 2 ** 20)} MB left to pack.`);
    const buf = Buffer.alloc(st.size);
    let n = 0;
    while (n < buf.length) {
      const r = readSync(fd, buf, n, buf.length - n, null);
      if (r === 0) break;
      n += r;
    }
    return { size: n, mode: st.mode & 0o777, content: buf.subarray(0, n) };
  } finally {
    closeSync(fd);
  }
}
