/**
 * The typed messages between the preview panel and its webview script (media/preview.js). The webview sends
 * `ready` first; the panel answers with the state, and only then sends anything else.
 */
import type { ShapeOf } from '../../core/base/shape';
import { shape, shapeOrUndefined, z } from '../../core/base/shape';

export type PreviewStatus = 'starting' | 'running' | 'failed' | 'stopped';

const ACTIONS = ['reload', 'openInBrowser', 'copyUrl', 'showLogs', 'destroy', 'retry', 'deploy', 'openInIntegratedBrowser', 'refine', 'fix'] as const;

export type PreviewAction = (typeof ACTIONS)[number];

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
  /** What the verification step found for the running app (issue 20): a line, and one line per problem; `unchecked`: the step was off. */
  check?: { state: 'verified' | 'problems' | 'http-only' | 'unchecked'; line: string; problems: string[] };
}

export type ToWebview = { type: 'state'; state: PreviewState } | { type: 'reload' };

/**
 * What the webview may send: its one schema (the webview is not trusted input). Checked here, on the extension's
 * side only: media/preview.js is a plain script that builds these objects and needs no schema library.
 */
const FROM_WEBVIEW = shape(() => z.union([z.object({ type: z.literal('ready') }), z.object({ type: z.literal('action'), action: z.enum(ACTIONS) })]));

export type FromWebview = ShapeOf<typeof FROM_WEBVIEW>;

/** Accepts only well-formed messages; anything else is dropped. */
export function parseFromWebview(raw: unknown): FromWebview | undefined {
  return shapeOrUndefined(FROM_WEBVIEW, raw);
}
