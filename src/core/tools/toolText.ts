/**
 * How the agent tools' results read, for both fronts (the MCP server's HeadlessTools and the extension's
 * language-model tools): text an agent can act on. Failures start `Error [code]: ` with one sentence, then the
 * app's last output when it ran; a person's "no" starts `Declined: `.
 */
import { asSpawnError, isCancelled } from '../base/errors';
import type { CostedSandbox } from '../deploy/cost';
import { formatSandboxSpend } from '../deploy/cost';
import { dataLabel } from '../sandbox/dataDir';
import { formatUsd } from '../base/pricing';
import type { SandboxProvider } from '../sandbox/types';
import type { AppSpec } from '../app/spec';
import type { Finding } from '../base/finding';
import { formatFinding } from '../validate';
import { whereProviderRuns } from '../deploy/whereItRuns';
import type { VerifyResult } from '../base/verification';
import { verifyLines } from '../base/verification';
import type { FixOutcome } from '../base/fixOutcome';
import { fixLines } from '../base/fixOutcome';

export interface ToolResult {
  text: string;
  isError: boolean;
  /** What the browser saw of a deployed app (core/verify: PNG, 1280×800), for a client that shows images. */
  image?: { data: Uint8Array; mimeType: 'image/png' };
}

/**
 * What a deploy's verification adds to a tool result (both fronts): what the fix loop did (when it ran), the last
 * check's lines, and its 1280×800 screenshot as the result's image, so the agent sees the app it built.
 */
export function verifiedParts(v: VerifyResult | undefined, fixes?: FixOutcome): { lines: string[]; image?: ToolResult['image'] } {
  const fixed = fixes ? fixLines(fixes) : [];
  if (!v) return { lines: fixed };
  const shot = v.screenshots?.wide;
  return { lines: [...fixed, ...verifyLines(v)], ...(shot ? { image: { data: shot, mimeType: 'image/png' as const } } : {}) };
}

/** Code of a result a person said no to (a confirmation refused): nothing ran. */
export const DECLINED = 'declined';

export function errorText(code: string, message: string, detail?: string): ToolResult {
  return { text: `Error [${code}]: ${message}${detail ? `\nLast output:\n${detail}` : ''}`, isError: true };
}

export function fromError(err: unknown): ToolResult {
  if (isCancelled(err)) return errorText('cancelled', 'Cancelled; nothing is left running.');
  const e = asSpawnError(err);
  return errorText(e.code, e.message, e.detail);
}

/** A refused confirmation: says what was not done, and that nothing ran. */
export function declinedText(what: string, done?: string): ToolResult {
  return { text: `Declined: the user did not allow ${what}; nothing ran.${done ? ` ${done}` : ''}`, isError: true };
}

export function findingLines(findings: readonly Finding[]): string[] {
  return findings.length ? ['Findings:', ...findings.map((f) => `  ${formatFinding(f)}`)] : [];
}

export function age(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** Where a provider runs apps, as one phrase (core/deploy/whereItRuns.ts). */
export function whereText(provider: Pick<SandboxProvider, 'id' | 'isolation'>): string {
  return whereProviderRuns(provider);
}

/** What spawn_app wrote: the app id, where, the files, what runs, the findings. */
export function writtenLines(o: { id: string; spec: AppSpec; generator: string; usd?: number | null; where: string }): string[] {
  const { spec } = o;
  return [
    `App "${o.id}" (${spec.appType}${spec.title ? `, ${spec.title}` : ''}) written by ${o.generator}${o.usd != null ? ` for ${formatUsd(o.usd)}` : ''} to ${o.where}:`,
    ...spec.files.map((f) => `  ${f.path}`),
    `Start command: ${spec.startCommand}${spec.dependencies.length ? `; dependencies: ${spec.dependencies.join(', ')}` : ''}`,
  ];
}

/** The first two lines of a deploy's result: how, where it answers, which sandbox. */
export function deployedLines(o: { how: string; id: string; url: string; sandboxId: string; where: string; lifetime?: string }): string[] {
  return [`${o.how}: app "${o.id}" is running at ${o.url}`, `Sandbox: ${o.sandboxId} in ${o.where}.${o.lifetime ? ` ${o.lifetime}` : ''}`];
}

/** A refine's changed paths, `A`/`M`/`D`, or that nothing changed. */
export function changedLines(d: { added: readonly string[]; changed: readonly string[]; deleted: readonly string[] }): string[] {
  const lines = [...d.added.map((p) => `  A ${p}`), ...d.changed.map((p) => `  M ${p}`), ...d.deleted.map((p) => `  D ${p}`)];
  return lines.length ? lines : ['No file changed.'];
}

export interface SandboxLine extends CostedSandbox {
  id: string;
  app: string;
  url?: string;
  /** Extra words after the cost ("orphan (its owner is gone)", "failed"). */
  notes?: string[];
  /** Bytes in its app data folder, when known ("data 12 KB" after the cost: `dataLabel`, as the Sandboxes view). */
  dataBytes?: number;
}

/** One sandbox of list_apps_and_sandboxes. */
export function sandboxLine(s: SandboxLine, now: number): string {
  const left = s.endAt ? `${age(s.endAt - now)} left` : 'lives while its owner runs';
  const cost = formatSandboxSpend(s, now);
  const notes = [dataLabel(s.dataBytes), ...(s.notes ?? [])].filter(Boolean);
  return `  ${s.id}  ${s.provider}  app ${s.app}  ${s.url ?? '(no URL)'}  age ${age(now - s.startedAt)}, ${left}, ${cost}${notes.map((n) => `, ${n}`).join('')}`;
}

/** get_app_logs: the last `n` lines of an app's output. */
export function logsText(id: string, n: number, text: string, state: string): ToolResult {
  const lines = text ? text.split('\n') : [];
  const tail = lines.slice(-n).join('\n');
  return { text: `Last ${n} lines of app "${id}" (${state}):\n${tail || '(no output)'}`, isError: false };
}
