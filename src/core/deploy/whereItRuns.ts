/**
 * The one sentence that says where an app runs, for every front: the CLI (its isolation line and `list`), the deploy
 * dialog, the Sandboxes view, the agent tools' text and confirmations, and the proposal of a model's change.
 * Remote: "an E2B sandbox"; on this machine: "the local runner (this machine, sandboxed)" or "… not sandboxed: <why>".
 */
import type { ProviderId } from '../base/providerId';
import { providerInfo } from '../sandbox/providers';
import type { SandboxProvider } from '../sandbox/types';

/** What the local runner reports about its isolation (LocalProvider.isolation()). */
export interface IsolationReport {
  sandboxed: boolean;
  /** Why it is not sandboxed. */
  reason?: string;
  network: boolean;
}

/**
 * "sandboxed" or "not sandboxed: <why>"; with `detail`, what the sandbox keeps out. No report: not sandboxed (a local
 * runner that does not say it sandboxes is taken not to).
 */
export function isolationWords(iso: IsolationReport | undefined, detail = false): string {
  if (!iso?.sandboxed) return `not sandboxed${iso?.reason ? `: ${iso.reason}` : ''}`;
  if (!detail) return 'sandboxed';
  return `sandboxed: no access to your home folder or keys, writes only to its own folder, reachable only from this machine${iso.network ? '' : ', no network'}`;
}

export interface WhereOptions {
  /** Say what the local sandbox keeps out (the deploy dialog, the CLI). */
  detail?: boolean;
  /** For a remote provider, words in parentheses after it (the dialog: its template and lifetime). */
  remote?: string;
}

/** Where a provider runs apps, from its id and (on this machine) its isolation report. */
export function whereItRuns(provider: ProviderId, iso: IsolationReport | undefined, o: WhereOptions = {}): string {
  const info = providerInfo(provider);
  if (info.onThisMachine) return `${info.where} (this machine, ${isolationWords(iso, o.detail)})`;
  return `${info.where}${o.remote ? ` (${o.remote})` : ''}`;
}

/** The same, asking the provider for its isolation. */
export function whereProviderRuns(provider: Pick<SandboxProvider, 'id' | 'isolation'>, o: WhereOptions = {}): string {
  return whereItRuns(provider.id, provider.isolation?.(), o);
}
