/** `spawn-app cache [--clear] [--json]`: the local runner's per-user dependency cache (see core/sandbox/local/depCache.ts). */
import type { CacheEntryInfo } from '../../core/sandbox/local/depCache';
import type { Ctx } from '../context';

export function formatBytes(n: number): string {
  return n >= 1024 * 1024 ? `${(n / (1024 * 1024)).toFixed(1)} MB` : `${(n / 1024).toFixed(1)} KB`;
}

const plural = (n: number) => `${n} entr${n === 1 ? 'y' : 'ies'}`;

function line(e: CacheEntryInfo): string {
  const built = e.complete && e.builtAt ? `built ${new Date(e.builtAt).toISOString().slice(0, 16).replace('T', ' ')} UTC` : 'incomplete (rebuilt by the next deploy)';
  return `${e.key}  ${e.stack}  ${formatBytes(e.bytes)}  ${built}  ${e.dir}`;
}

/** Lists the entries with their size, or (with `clear`) removes those no running app uses. */
export function cmdCache({ opts, io, session }: Ctx): number {
  const cache = session.dependencyCache();
  if (opts.clear) {
    const { removed, kept } = cache.clear();
    const bytes = removed.reduce((s, e) => s + e.bytes, 0);
    if (opts.json) {
      io.out(JSON.stringify({ event: 'cacheCleared', removed: removed.map((e) => e.key), kept, bytes }));
      return 0;
    }
    io.err(`Removed ${removed.length} dependency cache ${removed.length === 1 ? 'entry' : 'entries'} (${formatBytes(bytes)}).${kept.length ? ` Kept ${kept.join(', ')}: running apps use ${kept.length === 1 ? 'it' : 'them'}.` : ''}`);
    return 0;
  }
  const entries = cache.entries();
  if (opts.json) {
    for (const e of entries) io.out(JSON.stringify({ event: 'cacheEntry', key: e.key, stack: e.stack, dir: e.dir, bytes: e.bytes, builtAt: e.builtAt ?? null, complete: e.complete }));
    return 0;
  }
  if (entries.length === 0) {
    io.err(`The dependency cache ${cache.root} is empty.`);
    return 0;
  }
  for (const e of entries) io.out(line(e));
  io.err(`${plural(entries.length)}, ${formatBytes(entries.reduce((s, e) => s + e.bytes, 0))} in total, in ${cache.root}.`);
  return 0;
}
