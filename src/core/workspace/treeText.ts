/** App files as text (byte for byte: no BOM stripped), and where in a manifest's text a key or a JSON error is. */
import type { Manifest } from './appDir';

const encoder = new TextEncoder();
// ignoreBOM: a byte-order mark is content too (files round-trip byte for byte).
const decoder = new TextDecoder('utf-8', { ignoreBOM: true });

export function encodeText(s: string): Uint8Array {
  return encoder.encode(s);
}

export function decodeText(data: Uint8Array): string {
  return decoder.decode(data);
}

const strictDecoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Whether bytes are UTF-8 text (what an app file must be). */
export function isUtf8(data: Uint8Array): boolean {
  try {
    strictDecoder.decode(data);
    return true;
  } catch {
    return false;
  }
}

export function manifestText(m: Manifest): string {
  return JSON.stringify(m, null, 2) + '\n';
}

/** The 1-based line of `"key":` in a manifest's text, or undefined. */
export function keyLine(text: string, key: string): number | undefined {
  const re = new RegExp(`^\\s*"${key}"\\s*:`);
  const i = text.split('\n').findIndex((l) => re.test(l));
  return i >= 0 ? i + 1 : undefined;
}

/** Where in the manifest a spec-level finding belongs: the line of the key its rule is about. */
export function manifestLineFor(rule: string, text: string): number {
  const key = rule.startsWith('start.')
    ? 'startCommand'
    : rule.startsWith('dependency.') || rule === 'limits.dependencies'
      ? 'dependencies'
      : rule.startsWith('port.')
        ? 'port'
        : undefined;
  return (key && keyLine(text, key)) || 1;
}

/** The line a JSON.parse error points at (V8 reports a position, newer versions a line too). */
export function jsonErrorLine(message: string, text: string): number {
  const line = /line (\d+)/.exec(message);
  if (line) return Number(line[1]);
  const pos = /position (\d+)/.exec(message);
  if (pos) return text.slice(0, Number(pos[1])).split('\n').length;
  return 1;
}
