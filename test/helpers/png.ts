import assert from 'node:assert/strict';

/** A PNG's width and height, from its IHDR chunk; fails unless it starts with the PNG signature. */
export function pngSize(png: Uint8Array, what = 'the picture'): { width: number; height: number } {
  assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], `${what} is a PNG`);
  const v = new DataView(png.buffer, png.byteOffset, png.byteLength);
  return { width: v.getUint32(16), height: v.getUint32(20) };
}
