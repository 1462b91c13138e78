/** The local sandboxes' records (sandbox.json beside each app's files), so that another process can find and stop them; the default root. */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeFileAtomic } from '../../base/atomicWrite';
import { notPrivate } from '../../base/notPrivate';
import type { AppType } from '../../app/spec';
import type { SandboxInfo } from '../types';

export interface ProcessRecord {
  pid: number;
  startTime?: string;
  cmd: string;
}

export interface LocalRecord {
  id: string;
  appName: string;
  appType: AppType;
  startedAt: number;
  port: number;
  owner: ProcessRecord;
  processes: ProcessRecord[];
  metadata: Record<string, string>;
  /** Ran inside bubblewrap. */
  sandboxed?: boolean;
  /** The app data folder's key (dataDir.ts): `<root>/.data/<dataKey>` is its $DATA_DIR; the sandbox's id when its data is its own. */
  dataKey?: string;
  /** Dependency cache entries linked into the app (bound read-only into its sandbox; `cache --clear` keeps them). */
  cacheEntries?: string[];
  /** The Python venv the app runs with (a cache entry's, or its own in its home over one): its `bin` is first on PATH. */
  venv?: string;
}

function uid(): number | undefined {
  return process.getuid?.();
}

/**
 * The default root, private to this user: `$XDG_RUNTIME_DIR/spawn-app` (a per-user 0700 folder on systemd
 * machines), else `$TMPDIR/spawn-app-<uid>`. `SPAWN_APP_LOCAL_ROOT` overrides it.
 */
export function defaultLocalRoot(env: NodeJS.ProcessEnv = process.env): string {
  if (env.SPAWN_APP_LOCAL_ROOT) return env.SPAWN_APP_LOCAL_ROOT;
  const xdg = env.XDG_RUNTIME_DIR;
  if (xdg && path.isAbsolute(xdg) && notPrivate(xdg, 'folder') === undefined) return path.join(xdg, 'spawn-app');
  return path.join(os.tmpdir(), `spawn-app-${uid() ?? 'user'}`);
}

export interface FoundRecord {
  dir: string;
  record: LocalRecord;
}

/** What the Sandboxes view and `spawn-app list` show of a record. */
export function recordInfo(record: LocalRecord, orphan: boolean, host: string): SandboxInfo {
  return {
    id: record.id,
    provider: 'local',
    appName: record.appName,
    appType: record.appType,
    startedAt: record.startedAt,
    url: `http://${host}:${record.port}`,
    metadata: record.metadata,
    orphan,
    sandboxed: record.sandboxed === true,
  };
}

/** Writes a record atomically (0600), unless its folder is gone. */
export function saveRecord(dir: string, record: LocalRecord): void {
  if (!existsSync(dir)) return;
  writeFileAtomic(path.join(dir, 'sandbox.json'), JSON.stringify(record, null, 2), { mode: 0o600 });
}

/**
 * The records under the root that this user may act on. A record (or its folder) owned by another user,
 * writable by others, or a link is refused: never listed, stopped or removed. No root yet: nothing.
 */
export function readRecords(root: string): { ours: FoundRecord[]; refused: Map<string, string> } {
  const ours: FoundRecord[] = [];
  const refused = new Map<string, string>();
  if (!existsSync(root)) return { ours, refused };
  let names: string[];
  try {
    names = readdirSync(root);
  } catch {
    return { ours, refused };
  }
  for (const name of names) {
    if (name.startsWith('.')) continue; // the runner's own files (the system scan), not sandboxes
    const dir = path.join(root, name);
    const file = path.join(dir, 'sandbox.json');
    const why = notPrivate(dir, 'folder') ?? (existsSync(file) ? notPrivate(file, 'file') : undefined);
    if (why) {
      refused.set(name, why);
      continue;
    }
    try {
      const record = JSON.parse(readFileSync(file, 'utf8')) as LocalRecord;
      if (record && record.id === name && Array.isArray(record.processes)) ours.push({ dir, record });
    } catch {
      // A folder being created, or not ours: skip it.
    }
  }
  return { ours, refused };
}
