/**
 * The app data folder ($DATA_DIR, sandbox/dataDir.ts) for every front: its size, the words of a destroy that removes
 * it, an export to a `.tar.gz` and an import from one (checked entry by entry, base/tarball.ts). The providers reach
 * the folder without following a link the app put there (SandboxProvider.data).
 */
import { SpawnError } from '../base/errors';
import { writeFileAtomic } from '../base/atomicWrite';
import { readRegular } from '../base/regularFile';
import { DATA_ARCHIVE_MAX_BYTES, packArchive, readArchive } from '../base/tarball';
import { formatDataSize } from '../sandbox/dataDir';
import { providerInfo } from '../sandbox/providers';
import type { SandboxData, SandboxProvider } from '../sandbox/types';

function dataOf(provider: SandboxProvider, id: string): SandboxData {
  if (!provider.data) throw new SpawnError('usage', `Sandbox ${id} runs on the ${providerInfo(provider.id).label}, which keeps no app data folder.`);
  return provider.data;
}

/** Bytes in the sandbox's app data folder; undefined when it cannot be told now (a paused sandbox is not woken for it). */
export async function dataSize(provider: SandboxProvider, id: string): Promise<number | undefined> {
  return provider.data ? provider.data.size(id) : undefined;
}

/** "its data, 12 KB" (size unknown: "its data"): what a destroy confirmation and its result say. */
export function dataWords(bytes: number | undefined): string {
  return bytes === undefined ? 'its data' : `its data, ${formatDataSize(bytes)}`;
}

/** "sandbox local-1a2b and its data, 12 KB": what a destroy removes, in the words every front shows before and after. */
export function destroyWords(id: string, bytes: number | undefined): string {
  return `sandbox ${id} and ${dataWords(bytes)}`;
}

export interface DataExport {
  file: string;
  bytes: number;
  files: number;
  /** Links, FIFOs and devices left out (never followed). */
  skipped: number;
  /** One sentence for the front. */
  message: string;
}

/** Saves the sandbox's app data folder to `file` as a `.tar.gz` (folders and regular files only). */
export async function exportData(provider: SandboxProvider, id: string, file: string): Promise<DataExport> {
  const { entries, skipped } = await dataOf(provider, id).read(id, DATA_ARCHIVE_MAX_BYTES);
  writeFileAtomic(file, packArchive(entries), { mode: 0o600 });
  const files = entries.filter((e) => e.type === 'file');
  const bytes = files.reduce((n, e) => n + (e.content?.length ?? 0), 0);
  const left = skipped ? ` ${skipped} ${skipped === 1 ? 'entry that is a link, FIFO or device was' : 'entries that are links, FIFOs or devices were'} left out (never followed).` : '';
  return { file, bytes, files: files.length, skipped, message: `Saved the data of ${id} (${files.length} file${files.length === 1 ? '' : 's'}, ${formatDataSize(bytes)}) to ${file}.${left}` };
}

/**
 * Replaces the sandbox's app data folder with a `.tar.gz`: the file must be a regular file within the bound, and every
 * entry a plain file or folder under a relative path; anything else refuses the whole import in one sentence, before
 * anything is written.
 */
export async function importData(provider: SandboxProvider, id: string, file: string): Promise<{ files: number; bytes: number; message: string }> {
  const data = dataOf(provider, id);
  const shown = `The archive ${file}`;
  const entries = readArchive(readRegular(file, shown, DATA_ARCHIVE_MAX_BYTES, { followLink: true }), shown);
  await data.replace(id, entries);
  const files = entries.filter((e) => e.type === 'file');
  const bytes = files.reduce((n, e) => n + (e.content?.length ?? 0), 0);
  return { files: files.length, bytes, message: `Put ${files.length} file${files.length === 1 ? '' : 's'} (${formatDataSize(bytes)}) from ${file} into the data folder of ${id}.` };
}
