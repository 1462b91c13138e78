/**
 * The sandbox's seccomp filter (bwrap `--seccomp FD`): the kernel's key management calls (`add_key`, `keyctl`,
 * `request_key`) fail with EPERM inside every step.
 *
 * Why: keyrings are not part of any namespace bwrap makes. A process keeps its session keyring across fork, exec
 * and unshare, so without this the app holds the runner's session keyring (a login's, with whatever the user or
 * their tools keep there: Kerberos tickets, tokens added with `keyctl`) and, being the same kernel uid as its owner
 * (root's uid when run as root), may read the keys in it and add its own to it. Everything else is allowed.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const LD_W_ABS = 0x20;
const JEQ_K = 0x15;
const AND_K = 0x54;
const RET_K = 0x06;
const RET_ALLOW = 0x7fff0000;
const RET_EPERM = 0x00050000 | 1;

/** The key management calls per audit architecture (x86-64 also masks the x32 bit, so x32 calls are caught too). */
const KEY_CALLS: { arch: number; mask?: number; nrs: number[] }[] = [
  { arch: 0xc000003e, mask: 0xbfffffff, nrs: [248, 249, 250] }, // x86-64 (and x32)
  { arch: 0x40000003, nrs: [286, 287, 288] }, // i386 (int 0x80 from a 64-bit process too)
  { arch: 0xc00000b7, nrs: [217, 218, 219] }, // aarch64
  { arch: 0x40000028, nrs: [309, 310, 311] }, // arm (32-bit, also on aarch64)
  { arch: 0xc00000f3, nrs: [217, 218, 219] }, // riscv64
];

/** The filter as bwrap reads it: an array of `struct sock_filter` (u16 code, u8 jt, u8 jf, u32 k), in this machine's byte order. */
export function keyringFilter(): Buffer {
  type Ins = { code: number; jt: number | string; jf: number | string; k: number; label?: string };
  const prog: Ins[] = [{ code: LD_W_ABS, jt: 0, jf: 0, k: 4 }]; // seccomp_data.arch
  KEY_CALLS.forEach((a, i) => prog.push({ code: JEQ_K, jt: `arch${i}`, jf: 0, k: a.arch }));
  prog.push({ code: RET_K, jt: 0, jf: 0, k: RET_ALLOW });
  KEY_CALLS.forEach((a, i) => {
    prog.push({ code: LD_W_ABS, jt: 0, jf: 0, k: 0, label: `arch${i}` }); // seccomp_data.nr
    if (a.mask !== undefined) prog.push({ code: AND_K, jt: 0, jf: 0, k: a.mask });
    for (const nr of a.nrs) prog.push({ code: JEQ_K, jt: 'deny', jf: 0, k: nr });
    prog.push({ code: RET_K, jt: 0, jf: 0, k: RET_ALLOW });
  });
  prog.push({ code: RET_K, jt: 0, jf: 0, k: RET_EPERM, label: 'deny' });
  const at = (label: string) => prog.findIndex((p) => p.label === label);
  const buf = Buffer.alloc(prog.length * 8);
  const le = os.endianness() === 'LE';
  prog.forEach((p, i) => {
    const rel = (t: number | string) => (typeof t === 'number' ? t : at(t) - (i + 1));
    if (le) buf.writeUInt16LE(p.code, i * 8);
    else buf.writeUInt16BE(p.code, i * 8);
    buf.writeUInt8(rel(p.jt), i * 8 + 2);
    buf.writeUInt8(rel(p.jf), i * 8 + 3);
    if (le) buf.writeUInt32LE(p.k >>> 0, i * 8 + 4);
    else buf.writeUInt32BE(p.k >>> 0, i * 8 + 4);
  });
  return buf;
}

let file: string | undefined;

/**
 * The filter's file, written once per process into a private temporary folder (removed at exit): the launcher
 * opens it as descriptor 9 for bwrap's `--seccomp 9`.
 */
export function keyringFilterFile(): string {
  if (file) return file;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'spawn-app-seccomp-'));
  const f = path.join(dir, 'keyring.bpf');
  writeFileSync(f, keyringFilter(), { mode: 0o600 });
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  file = f;
  return f;
}

/** The fd bwrap reads the filter from, and the shell line that opens it there (`$1` is the file; shifted away). */
export const SECCOMP_FD = '9';
export const OPEN_FILTER = `exec ${SECCOMP_FD}<"$1" || exit 125; shift`;
