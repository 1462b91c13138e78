/**
 * The typed messages between the preview panel and its webview script (media/preview.js). The webview sends
 * `ready` first; the panel answers with the state, and only then sends anything else.
 */

export type PreviewStatus = 'starting' | 'running' | 'failed' | 'stopped';

export type PreviewAction =
  | 'reload'
  | 'openInBrowser'
  | 'copyUrl'
  | 'showLogs'
  | 'destroy'
  | 'retry'
  | 'deploy'
  | 'openInIntegratedBrowser'
  | 'refine'
  | 'fix';

export interface PreviewState {
  appName: string;
  status: PreviewStatus;
  /** One status line ("Installing dependencies…", "Not running"). */
  message?: string;
  /** The URL the iframe loads (after asExternalUri); set only once the health check passed. */
  url?: string;
  /** The sandbox's own URL, shown in the toolbar. */
  displayUrl?: string;
  error?: { message: string; detail?: string };
  /** Which toolbar buttons make sense now. */
  actions: PreviewAction[];
}

export type ToWebview = { type: 'state'; state: PreviewState } | { type: 'reload' };

export type FromWebview = { type: 'ready' } | { type: 'action'; action: PreviewAction };

const ACTIONS: readonly PreviewAction[] = ['reload', 'openInBrowser', 'copyUrl', 'showLogs', 'destroy', 'retry', 'deploy', 'openInIntegratedBrowser', 'refine', 'fix'];

/** Accepts only well-formed messages (the webview is not trusted input). */
export function parseFromWebview(raw: unknown): FromWebview | undefined {
  if (!raw || typeof raw !== 'object') return undefined;
  const m = raw as Record<string, unknown>;
  if (m.type === 'ready') return { type: 'ready' };
  if (m.type === 'action' && typeof m.action === 'string' && (ACTIONS as readonly string[]).includes(m.action)) return { type: 'action', action: m.action as PreviewAction };
  return undefined;
}
