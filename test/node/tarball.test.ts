/** The app data archive (core/base/tarball.ts): what it packs reads back the same; what it refuses, it says in one sentence. */
import assert from 'node:assert/strict';
import { gzipSync, gunzipSync } from 'node:zlib';
import { packArchive, readArchive } from '../../src/core/base/tarball';

/** The archive with its first entry's type flag changed (the header's checksum made right again). */
function withType(gz: Buffer, type: string, linkTarget = ''): Buffer {
  const tar = Buffer.from(gunzipSync(gz));
  tar.write(type, 156, 'ascii');
  tar.write(linkTarget.padEnd(100, '\0'), 157, 'utf8');
  tar.write('        ', 148, 'ascii');
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += tar[i]!;
  tar.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'ascii');
  return gzipSync(tar);
}

describe('the app data archive', () => {
  it('round-trips folders and files, a long name and the permission bits (never a set-id bit)', () => {
    const long = `${'d'.repeat(80)}/${'f'.repeat(90)}.json`;
    const entries = [
      { rel: 'db', type: 'dir' as const, mode: 0o700 },
      { rel: 'db/notes.json', type: 'file' as const, mode: 0o4755, content: Buffer.from('{"notes":[]}') },
      { rel: long, type: 'file' as const, mode: 0o644, content: Buffer.alloc(1000, 1) },
    ];
    const back = readArchive(packArchive(entries), 'x');
    assert.deepEqual(back.map((e) => [e.rel, e.type, e.mode]), [['db', 'dir', 0o700], ['db/notes.json', 'file', 0o755], [long, 'file', 0o644]]);
    assert.equal(Buffer.from(back[1]!.content!).toString(), '{"notes":[]}');
    assert.equal(back[2]!.content!.length, 1000);
  });

  it('refuses links, devices and FIFOs, absolute and .. paths, and too much unpacked: one sentence each', () => {
    const one = packArchive([{ rel: 'a.txt', type: 'file', mode: 0o644, content: Buffer.from('a') }]);
    const cases: [Buffer, RegExp][] = [
      [withType(one, '2', '/etc/passwd'), /^The archive x holds a link \("a\.txt" → "\/etc\/passwd"\); data import takes only plain files and folders\.$/],
      [withType(one, '1', 'b'), /holds a link/],
      [withType(one, '3'), /holds a device or FIFO \("a\.txt"\)/],
      [withType(one, '6'), /holds a device or FIFO/],
      [packArchive([{ rel: '/etc/cron.d/x', type: 'file', mode: 0o644, content: Buffer.from('x') }]), /holds an absolute path \("\/etc\/cron\.d\/x"\)/],
      [packArchive([{ rel: 'a/../../x', type: 'file', mode: 0o644, content: Buffer.from('x') }]), /holds a path that leaves the data folder \("a\/\.\.\/\.\.\/x"\)/],
      [Buffer.from('not gzip'), /^The archive x is not a \.tar\.gz archive/],
    ];
    for (const [gz, re] of cases) assert.throws(() => readArchive(gz, 'The archive x'), { message: re });
    assert.throws(() => readArchive(packArchive([{ rel: 'big', type: 'file', mode: 0o644, content: Buffer.alloc(4096) }]), 'The archive x', 2048), { message: /^The archive x is larger than 2 KB unpacked, the most data import takes\.$/ });
  });
});
