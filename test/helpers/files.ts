/** Folder helpers for tests that look for a value in what the product wrote. */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** Every file under `dir`, concatenated (to grep a whole folder for a value). */
export function readTree(dir: string): string {
  let out = '';
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    out += e.isDirectory() ? readTree(p) : readFileSync(p, 'utf8');
  }
  return out;
}
