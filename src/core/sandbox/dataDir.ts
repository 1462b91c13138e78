/**
 * The app's data folder (`$DATA_DIR`): a folder outside the app's code, for its SQLite files, JSON stores and
 * uploads, kept across a redeploy, a restart in place, a fix, going back to a version, a window reload and (E2B) a
 * pause. Local: `<root>/.data/<key>` in the private root, bound writable into the app's sandbox at the same path
 * (the key names the app, so the next sandbox of the same app finds it). E2B: `E2B_DATA_DIR` in the sandbox, or, with
 * a data volume (`dataVolumeName`), `<the volume's mount>/<key>` on it, kept for the app's next sandbox as locally.
 * It is removed only by an explicit destroy whose confirmation named it (the session's `destroyWords`), or with a
 * sandbox whose data was its own (no app key: a `run` without a folder).
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import { SpawnError } from '../base/errors';

/** The variable every app reads its data folder from (the stacks' templates and prompts, any language). */
export const DATA_DIR_ENV = 'DATA_DIR';

/** Where a sandbox's metadata names its app's data key. */
export const DATA_KEY_METADATA = 'dataKey';

const KEY = /^[a-z0-9][a-z0-9-]{0,63}$/;

/**
 * The data key of an app: the same inputs give the same key, in every process. An app with a folder: the folder (so
 * `spawn-app deploy DIR` and the MCP server's apps find their data again); an app with an id: the front, its scope
 * (the extension's window session) and the id.
 */
export function appDataKey(app: { dir?: string; client: string; scope?: string; id?: string }): string | undefined {
  const what = app.dir !== undefined ? `dir:${path.resolve(app.dir)}` : app.id !== undefined ? `app:${app.client}:${app.scope ?? ''}:${app.id}` : undefined;
  return what && `app-${createHash('sha256').update(what).digest('hex').slice(0, 24)}`;
}

/** The data key a sandbox uses: its metadata's when it is well formed, else its own id (the data is the sandbox's). */
export function dataKeyOf(metadata: Record<string, string> | undefined, sandboxId: string): string {
  const key = metadata?.[DATA_KEY_METADATA];
  return key !== undefined && KEY.test(key) ? key : sandboxId;
}

/** The local runner's data folder of a key, in its private root. */
export function localDataDir(root: string, key: string): string {
  return path.join(root, '.data', key);
}

/** "12 KB" (rounded up: a folder with anything in it is never "0 KB"). */
export function formatDataSize(bytes: number): string {
  if (bytes >= 10 * 2 ** 20) return `${Math.round(bytes / 2 ** 20)} MB`;
  return `${Math.ceil(bytes / 1024)} KB`;
}

/**
 * "data 12 KB": a sandbox's data folder in a listing (the Sandboxes view's item, `spawn-app list`, the agents' list
 * tool); undefined when it is empty or its size is not known now (most web apps keep nothing: the line says nothing).
 */
export function dataLabel(bytes: number | undefined): string | undefined {
  return bytes ? `data ${formatDataSize(bytes)}` : undefined;
}

/** Where a sandbox's metadata names the E2B volume its data folder is on. */
export const DATA_VOLUME_METADATA = 'dataVolume';

const VOLUME_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/**
 * The E2B data volume option (`spawnApp.e2bDataVolume`, `--data-volume NAME`, SPAWN_APP_E2B_DATA_VOLUME), checked:
 * undefined when not set, the name when it can be one, else one sentence naming `shown`.
 */
export function dataVolumeName(value: string | undefined, shown = 'The E2B data volume'): string | undefined {
  const v = value?.trim();
  if (!v) return undefined;
  if (!VOLUME_NAME.test(v)) throw new SpawnError('usage', `${shown} ${JSON.stringify(v.slice(0, 140))} is not an E2B volume name: use letters, digits, ".", "_" and "-" (at most 128).`);
  return v;
}
