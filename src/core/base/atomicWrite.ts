/**
 * The one atomic writer: every durable file Spawn App keeps (records, drafts, versions, the spend file, a local
 * sandbox's record, the system scan) and every file it writes into a folder others can change (noFollow.ts) is
 * written as a fresh temp file beside it — created exclusively, never through a link — synced, then renamed over
 * the name. A crash at any moment leaves the old content or the new, never a mix; a leftover temp file ends `.tmp`.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, constants, fchmodSync, fsyncSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import path from 'node:path';

export interface AtomicWriteOptions {
  /** The file's permission bits (set exactly, whatever the umask); else a new file's default (0666 less the umask). */
  mode?: number;
}

/**
 * The temp file's name beside `file`: hidden, unique, ending `.tmp` (JsonStore's load removes such leftovers). The
 * name's part is cut at 200 bytes (names are limited in bytes: 255), so any name that fits has a temp name that fits.
 */
export function tempNameFor(file: string): string {
  const part = Buffer.from(path.basename(file), 'utf8').subarray(0, 200).toString('utf8');
  return path.join(path.dirname(file), `.${part}.${randomBytes(6).toString('hex')}.tmp`);
}

/** Writes `data` to `file` so that a crash at any moment leaves either the old or the new content, never a mix. */
export function writeFileAtomic(file: string, data: string | Uint8Array, opts: AtomicWriteOptions = {}): void {
  const tmp = tempNameFor(file);
  const fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, opts.mode ?? 0o666);
  try {
    try {
      const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
      let off = 0;
      while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
      if (opts.mode !== undefined) fchmodSync(fd, opts.mode);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, file);
  } catch (err) {
    try {
      unlinkSync(tmp);
    } catch {
      // already gone
    }
    throw err;
  }
}
