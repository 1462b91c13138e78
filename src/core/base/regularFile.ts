/**
 * Reading a file a user or an app names, safely: regular files only (no link where one is not expected, no FIFO,
 * socket, device or folder), opened non-blocking so nothing hangs, and never more than a limit, whatever the file
 * claims or grows to. Every refusal is one sentence (a SpawnError 'usage') that starts with how the file is shown.
 */
import { closeSync, constants, fstatSync, lstatSync, openSync, readSync, statSync } from 'node:fs';
import type { Stats } from 'node:fs';
import { SpawnError } from './errors';

const usage = (message: string) => new SpawnError('usage', message);

function mb(bytes: number): string {
  return bytes >= 1048576 ? `${Math.round(bytes / 1048576)} MB` : `${Math.round(bytes / 1024)} KB`;
}

/** One sentence for a file-system error, never the file's content. */
export function ioSentence(shown: string, err: unknown): SpawnError {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT') return usage(`${shown} does not exist.`);
  if (code === 'EACCES' || code === 'EPERM') return usage(`${shown} cannot be read (permission denied).`);
  if (code === 'ELOOP') return usage(`${shown} is a symbolic link; Spawn App reads only regular files.`);
  if (code === 'EISDIR') return usage(`${shown} is a folder, not a file.`);
  return usage(`${shown} cannot be read (${code ?? 'I/O error'}).`);
}

/** Refuses anything but a regular file within the size limit; says which in one sentence. */
function checkRegular(st: Stats, shown: string, limit: number): void {
  if (st.isSymbolicLink()) throw usage(`${shown} is a symbolic link; Spawn App reads only regular files.`);
  if (st.isDirectory()) throw usage(`${shown} is a folder, not a file.`);
  if (!st.isFile()) throw usage(`${shown} is not a regular file (a FIFO, socket or device); Spawn App reads only regular files.`);
  if (st.size > limit) throw usage(`${shown} is larger than ${mb(limit)}, the most Spawn App reads.`);
}

/**
 * Reads a regular file, checked before reading: lstat first (no link, FIFO, device or folder; within `limit`),
 * then opened non-blocking (a FIFO swapped in meanwhile cannot hang us) and checked again with fstat. Reads at
 * most `limit` bytes whatever the file claims. Every refusal is a 'usage' SpawnError whose sentence starts with
 * `shown` ("The env file x is not a regular file (a FIFO, socket or device); …").
 */
export function readRegular(abs: string, shown: string, limit: number, opts: { followLink?: boolean } = {}): Buffer {
  let st: Stats;
  try {
    st = opts.followLink ? statSync(abs) : lstatSync(abs);
  } catch (err) {
    throw ioSentence(shown, err);
  }
  checkRegular(st, shown, limit);
  let fd: number;
  try {
    fd = openSync(abs, constants.O_RDONLY | constants.O_NONBLOCK | (opts.followLink ? 0 : constants.O_NOFOLLOW));
  } catch (err) {
    throw ioSentence(shown, err);
  }
  try {
    checkRegular(fstatSync(fd), shown, limit);
    let buf = Buffer.alloc(Math.min(limit + 1, st.size + 1));
    let n = 0;
    for (;;) {
      if (n === buf.length) {
        // It grew since the stat: read on, but never past the limit.
        if (buf.length > limit) throw usage(`${shown} is larger than ${mb(limit)}, the most Spawn App reads.`);
        const bigger = Buffer.alloc(Math.min(limit + 1, buf.length * 2));
        buf.copy(bigger, 0, 0, n);
        buf = bigger;
      }
      const r = readSync(fd, buf, n, buf.length - n, null);
      if (r === 0) break;
      n += r;
    }
    return buf.subarray(0, n);
  } catch (err) {
    throw err instanceof SpawnError ? err : ioSentence(shown, err);
  } finally {
    closeSync(fd);
  }
}
