/** `spawn-app data export|import ID FILE`: a sandbox's app data folder ($DATA_DIR) to or from a .tar.gz (the session's). */
import { usage } from '../args';
import type { Ctx } from '../context';

export async function cmdData({ positionals, opts, io, session }: Ctx): Promise<number> {
  const [verb, id, file] = positionals;
  if ((verb !== 'export' && verb !== 'import') || !id || !file || positionals.length > 3) throw usage('data needs export or import, a sandbox ID and a FILE, e.g. spawn-app data export local-1a2b data.tar.gz.');
  if (verb === 'export') {
    const r = await session.exportData(id, file);
    if (opts.json) io.out(JSON.stringify({ event: 'dataExported', sandboxId: id, file, files: r.files, bytes: r.bytes, skipped: r.skipped }));
    else io.err(r.message);
    return 0;
  }
  const r = await session.importData(id, file);
  if (opts.json) io.out(JSON.stringify({ event: 'dataImported', sandboxId: id, file, files: r.files, bytes: r.bytes }));
  else io.err(r.message);
  return 0;
}
