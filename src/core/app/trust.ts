/** "Ours": the one digest of what runs, and the set of specs this process's own template generator wrote. */
import { createHash } from 'node:crypto';
import type { AppSpec } from './spec';

/**
 * The one digest of everything that runs: the app type (which stack installs and serves it), files, start command,
 * dependencies and port. Title and description do not run, so they are left out. Every front's "ours" is this
 * digest (TrustedSpecs): the CLI, the MCP server and the extension's AppTree.
 */
export function specDigest(spec: Pick<AppSpec, 'appType' | 'files' | 'startCommand' | 'dependencies' | 'port'>): string {
  const h = createHash('sha256');
  h.update(JSON.stringify([spec.appType, spec.startCommand, [...spec.dependencies], spec.port]));
  for (const f of [...spec.files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) {
    h.update('\0' + f.path + '\0' + f.content);
  }
  return h.digest('hex');
}

/**
 * "Ours": exactly what a built-in template generated in this process. A front marks a spec right after its own
 * template generator wrote it; any change to what runs (an edit, a model's change) makes it not ours. Never
 * persisted and never read from a manifest, a draft or a folder: anyone can write "generator": "templates".
 */
export class TrustedSpecs {
  private readonly digests = new Set<string>();

  /** Call only right after this process's template generator wrote `spec`. */
  markOurs(spec: Parameters<typeof specDigest>[0]): void {
    this.digests.add(specDigest(spec));
  }

  isOurs(spec: Parameters<typeof specDigest>[0]): boolean {
    return this.digests.has(specDigest(spec));
  }
}
