/**
 * The app data archive (`.tar.gz`, ustar with GNU long names): written from files and folders only, and read back
 * with every entry checked before anything is written. A link (hard or symbolic), a device or FIFO, an absolute
 * path, a path with `..`, or more than DATA_ARCHIVE_MAX_BYTES unpacked is refused, each in one sentence.
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import { SpawnError } from './errors';

/** The most an archive may hold unpacked (and the most an export packs). */
export const DATA_ARCHIVE_MAX_BYTES = 256 * 2 ** 20;
/** The most entries an archive may hold. */
export const DATA_ARCHIVE_MAX_ENTRIES = 100_000;

export interface ArchiveEntry {
  /** A plain relative path, `/`-separated (no `.`, `..` or empty segment). */
  rel: string;
  type: 'file' | 'dir';
  /** Permission bits (0o777 at most). */
  mode: number;
  content?: Uint8Array;
}

const BLOCK = 512;

function header(name: string, type: string, size: number, mode: number): Buffer {
  const h = Buffer.alloc(BLOCK);
  h.write(name, 0, 100, 'utf8');
  h.write(`${(mode & 0o777).toString(8).padStart(7, '0')}\0`, 100, 'ascii');
  h.write('0000000\0', 108, 'ascii'); // uid
  h.write('0000000\0', 116, 'ascii'); // gid
  h.write(`${size.toString(8).padStart(11, '0')}\0`, 124, 'ascii');
  h.write(`${Math.floor(Date.now() / 1000).toString(8).padStart(11, '0')}\0`, 136, 'ascii');
  h.write('        ', 148, 'ascii');
  h.write(type, 156, 'ascii');
  h.write('ustar  \0', 257, 'ascii'); // GNU magic: its 'L' long names are read by every tar
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'ascii');
  return h;
}

function padded(data: Uint8Array): Buffer[] {
  const rest = data.length % BLOCK;
  return rest ? [Buffer.from(data), Buffer.alloc(BLOCK - rest)] : [Buffer.from(data)];
}

/** A `.tar.gz` of the entries (folders end with `/`; a name over 100 bytes goes in a GNU long-name entry). */
export function packArchive(entries: readonly ArchiveEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) {
    const name = e.type === 'dir' ? `${e.rel}/` : e.rel;
    const bytes = Buffer.from(name, 'utf8');
    if (bytes.length > 100) parts.push(header('././@LongLink', 'L', bytes.length + 1, 0), ...padded(Buffer.concat([bytes, Buffer.alloc(1)])));
    const content = e.type === 'file' ? e.content ?? new Uint8Array() : new Uint8Array();
    parts.push(header(bytes.length > 100 ? bytes.subarray(0, 100).toString('utf8') : name, e.type === 'dir' ? '5' : '0', content.length, e.mode));
    if (content.length) parts.push(...padded(content));
  }
  parts.push(Buffer.alloc(BLOCK * 2));
  return gzipSync(Buffer.concat(parts));
}

function refuse(shown: string, why: string): SpawnError {
  return new SpawnError('usage', `${shown} ${why}; data import takes only plain files and folders.`);
}

function field(h: Buffer, start: number, len: number): string {
  const raw = h.subarray(start, start + len);
  const end = raw.indexOf(0);
  return raw.subarray(0, end < 0 ? len : end).toString('utf8');
}

function octal(h: Buffer, start: number, len: number): number {
  const s = field(h, start, len).trim();
  return s ? parseInt(s, 8) : 0;
}

/** The entry's path, checked: plain relative segments only (`./` in front is dropped). Undefined: the archive's root. */
function checkedPath(raw: string, shown: string): string | undefined {
  if (raw.startsWith('/')) throw refuse(shown, `holds an absolute path (${JSON.stringify(raw)})`);
  const segs = raw.split('/').filter((s) => s !== '' && s !== '.');
  if (segs.includes('..')) throw refuse(shown, `holds a path that leaves the data folder (${JSON.stringify(raw)})`);
  return segs.length ? segs.join('/') : undefined;
}

const MB = (n: number) => (n >= 2 ** 20 ? `${Math.round(n / 2 ** 20)} MB` : `${Math.ceil(n / 1024)} KB`);

/**
 * Reads a `.tar.gz` (`shown`: how the file is named in sentences) into its files and folders; nothing is written.
 * Refuses links, devices and FIFOs, absolute or `..` paths, and more than DATA_ARCHIVE_MAX_BYTES unpacked.
 */
export function readArchive(gz: Uint8Array, shown: string, maxBytes = DATA_ARCHIVE_MAX_BYTES): ArchiveEntry[] {
  let tar: Buffer;
  try {
    tar = gunzipSync(gz, { maxOutputLength: maxBytes + DATA_ARCHIVE_MAX_ENTRIES * BLOCK });
  } catch (err) {
    if (err instanceof RangeError || (err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw new SpawnError('usage', `${shown} is larger than ${MB(maxBytes)} unpacked, the most data import takes.`);
    throw new SpawnError('usage', `${shown} is not a .tar.gz archive (${(err as Error).message}).`);
  }
  const out: ArchiveEntry[] = [];
  let total = 0;
  let longName: string | undefined;
  for (let off = 0; off + BLOCK <= tar.length; ) {
    const h = tar.subarray(off, off + BLOCK);
    if (h.every((b) => b === 0)) break;
    let sum = 0;
    for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : h[i]!;
    if (sum !== octal(h, 148, 8)) throw new SpawnError('usage', `${shown} is not a .tar.gz archive (a damaged header).`);
    const type = String.fromCharCode(h[156]!);
    const size = octal(h, 124, 12);
    const body = tar.subarray(off + BLOCK, off + BLOCK + size);
    off += BLOCK + Math.ceil(size / BLOCK) * BLOCK;
    if (body.length < size) throw new SpawnError('usage', `${shown} is not a .tar.gz archive (it ends inside an entry).`);
    const prefix = field(h, 345, 155);
    const name = longName ?? (prefix && field(h, 257, 6).startsWith('ustar') && h[262] === 0 ? `${prefix}/${field(h, 0, 100)}` : field(h, 0, 100));
    longName = undefined;
    if (type === 'L') {
      longName = body.toString('utf8').replace(/\0+$/, '');
      continue;
    }
    if (type === 'x') {
      const m = /(?:^|\n)\d+ path=([^\n]*)\n/.exec(body.toString('utf8'));
      if (m) longName = m[1];
      continue;
    }
    if (type === 'g') continue;
    if (type === '1' || type === '2') throw refuse(shown, `holds a link (${JSON.stringify(name)} → ${JSON.stringify(field(h, 157, 100))})`);
    if (type === '3' || type === '4' || type === '6') throw refuse(shown, `holds a device or FIFO (${JSON.stringify(name)})`);
    if (type !== '0' && type !== '\0' && type !== '7' && type !== '5') throw refuse(shown, `holds an entry of another kind (${JSON.stringify(name)}, type ${JSON.stringify(type)})`);
    const rel = checkedPath(name, shown);
    if (rel === undefined) continue;
    total += size;
    if (total > maxBytes) throw new SpawnError('usage', `${shown} is larger than ${MB(maxBytes)} unpacked, the most data import takes.`);
    if (out.length >= DATA_ARCHIVE_MAX_ENTRIES) throw new SpawnError('usage', `${shown} holds more than ${DATA_ARCHIVE_MAX_ENTRIES} entries, the most data import takes.`);
    const mode = octal(h, 100, 8) & 0o777;
    out.push(type === '5' ? { rel, type: 'dir', mode: mode || 0o755 } : { rel, type: 'file', mode: mode || 0o644, content: Buffer.from(body) });
  }
  return out;
}
