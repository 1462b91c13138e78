/**
 * An app's history: full snapshots of its files (manifest included) at the moments that matter — generated, the
 * user's edits before an AI change, each accepted refine or fix, each deployed state, each "go back". Pure: the
 * extension keeps the list on the app (persisted with its record) and asks this module how to add to it.
 */
import { FILE_SHAPE, shape, shapeOrUndefined, z } from '../base/shape';
import type { AppFile } from './spec';
import type { VerifyState } from '../base/verification';

export type VersionKind = 'generated' | 'opened' | 'edited' | 'refined' | 'fixed' | 'restored' | 'deployed';

export const VERSION_KINDS: readonly VersionKind[] = ['generated', 'opened', 'edited', 'refined', 'fixed', 'restored', 'deployed'];

export interface AppVersion {
  /** 1, 2, 3… per app, never reused. */
  id: number;
  kind: VersionKind;
  /** What it is, in a few words ("add a dark mode", "Your edits"). */
  label: string;
  /** ms since epoch */
  at: number;
  /** Set when exactly these files were deployed (the latest time). */
  deployedAt?: number;
  /** Every file, manifest included, sorted by path. */
  files: AppFile[];
  /** What the verification step found when these files were last deployed (issue 20), with its screenshot's file name. */
  check?: VersionCheck;
}

/** A deployed version's verification, as the Versions list shows it. */
export interface VersionCheck {
  state: VerifyState;
  /** `verified (412 ms)`, `2 problems found (…)` */
  summary: string;
  /** One line per problem (`Uncaught TypeError… (app.js:12)`). */
  problems: string[];
  /** The 1280×800 screenshot's file name in the window's screenshot folder, when one was taken. */
  screenshot?: string;
}

/** Most versions kept per app; the first (how the app began) is always kept. */
export const MAX_VERSIONS = 20;
/**
 * Most bytes of content kept per app's history (the oldest versions go first): it is saved in
 * the app's draft record, which also holds the files and must stay under the draft size limit (20 MB).
 */
export const MAX_HISTORY_BYTES = 5 * 1024 * 1024;

export interface HistoryLimits {
  maxVersions?: number;
  maxBytes?: number;
}

function sorted(files: readonly AppFile[]): AppFile[] {
  return files.map((f) => ({ path: f.path, content: f.content })).sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

export function sameFiles(a: readonly AppFile[], b: readonly AppFile[]): boolean {
  if (a.length !== b.length) return false;
  const x = sorted(a);
  const y = sorted(b);
  return x.every((f, i) => f.path === y[i]!.path && f.content === y[i]!.content);
}

function bytesOf(v: AppVersion): number {
  return v.files.reduce((n, f) => n + f.path.length + f.content.length, 0);
}

/**
 * Adds a version. Files equal to the latest version's add nothing (a deploy of them only stamps `deployedAt`);
 * a deployed state right after another deployed state replaces it (hot redeploys on save would otherwise push
 * everything else out); beyond the count the oldest go except the first, beyond the bytes the oldest go.
 */
export function addVersion(
  list: readonly AppVersion[],
  v: { kind: VersionKind; label: string; at: number; files: readonly AppFile[]; check?: VersionCheck },
  limits: HistoryLimits = {},
): { versions: AppVersion[]; version: AppVersion; added: boolean; changed: boolean } {
  const maxVersions = Math.max(2, limits.maxVersions ?? MAX_VERSIONS);
  const maxBytes = limits.maxBytes ?? MAX_HISTORY_BYTES;
  const versions = [...list];
  const latest = versions.at(-1);
  const files = sorted(v.files);
  if (latest && sameFiles(latest.files, files)) {
    if (v.kind !== 'deployed') return { versions, version: latest, added: false, changed: false };
    const stamped = { ...latest, deployedAt: v.at, ...(v.check ? { check: v.check } : {}) };
    versions[versions.length - 1] = stamped;
    return { versions, version: stamped, added: false, changed: true };
  }
  let id = versions.reduce((m, x) => Math.max(m, x.id), 0) + 1;
  if (v.kind === 'deployed' && latest?.kind === 'deployed' && versions.length > 1) {
    // The running app moved on from one deployed state to the next: keep the newest under the same number.
    id = latest.id;
    versions.pop();
    // Back to the files of the version before it (a refine accepted while a save's redeploy still ran): stamp that one.
    const before = versions.at(-1)!;
    if (sameFiles(before.files, files)) {
      const stamped = { ...before, deployedAt: v.at, ...(v.check ? { check: v.check } : {}) };
      versions[versions.length - 1] = stamped;
      return { versions, version: stamped, added: false, changed: true };
    }
  }
  const version: AppVersion = { id, kind: v.kind, label: v.label, at: v.at, files, ...(v.kind === 'deployed' ? { deployedAt: v.at } : {}), ...(v.check ? { check: v.check } : {}) };
  versions.push(version);
  while (versions.length > maxVersions) versions.splice(1, 1);
  let bytes = versions.reduce((n, x) => n + bytesOf(x), 0);
  // An app too big for any history (over the budget on its own) keeps none rather than crowd out its draft.
  while (versions.length > 0 && bytes > maxBytes) bytes -= bytesOf(versions.shift()!);
  return { versions, version, added: true, changed: true };
}

/** One stored version; a record of another shape is dropped when the history is read back. */
const VERSION_SHAPE = shape(() =>
  z.object({
    id: z.number().check(z.int(), z.minimum(1)),
    kind: z.enum(VERSION_KINDS as [VersionKind, ...VersionKind[]]),
    label: z.optional(z.unknown()),
    at: z.number(),
    deployedAt: z.optional(z.unknown()),
    files: z.array(FILE_SHAPE()),
    check: z.optional(z.unknown()),
  }),
);

const CHECK_SHAPE = shape(() =>
  z.object({
    state: z.enum(['verified', 'problems', 'http-only']),
    summary: z.string(),
    problems: z.array(z.string()),
    // A file name in the screenshot folder, never a path.
    screenshot: z.optional(z.string().check(z.regex(/^[A-Za-z0-9_.-]{1,120}\.png$/))),
  }),
);

/** All the screenshot file names a history refers to (the rest of the app's folder can go). */
export function screenshotsOf(list: readonly AppVersion[]): Set<string> {
  return new Set(list.flatMap((v) => (v.check?.screenshot ? [v.check.screenshot] : [])));
}

function withCheck(raw: unknown): { check?: VersionCheck } {
  const c = shapeOrUndefined(CHECK_SHAPE, raw);
  return c ? { check: { state: c.state, summary: c.summary, problems: c.problems, ...(c.screenshot ? { screenshot: c.screenshot } : {}) } } : {};
}

/** Reads a persisted history back, dropping whatever is malformed (a damaged record must not break activation). */
export function parseVersions(raw: unknown): AppVersion[] {
  if (!Array.isArray(raw)) return [];
  const out: AppVersion[] = [];
  const seen = new Set<number>();
  for (const r of raw) {
    const v = shapeOrUndefined(VERSION_SHAPE, r);
    if (!v || seen.has(v.id)) continue;
    seen.add(v.id);
    out.push({
      id: v.id,
      kind: v.kind,
      label: typeof v.label === 'string' ? v.label : '',
      at: v.at,
      ...(typeof v.deployedAt === 'number' ? { deployedAt: v.deployedAt } : {}),
      files: sorted(v.files),
      ...withCheck(v.check),
    });
  }
  return out.sort((a, b) => a.id - b.id);
}

const KIND_LABELS: Record<VersionKind, string> = {
  generated: 'generated',
  opened: 'opened',
  edited: 'your edits',
  refined: 'refined',
  fixed: 'fixed',
  restored: 'went back',
  deployed: 'deployed',
};

/** "v3 · refined" */
export function versionTitle(v: AppVersion): string {
  return `v${v.id} · ${KIND_LABELS[v.kind]}`;
}

/** Which paths differ between two file lists (e.g. a version and the current files). */
export function compareFiles(from: readonly AppFile[], to: readonly AppFile[]): { added: string[]; changed: string[]; deleted: string[] } {
  const a = new Map(from.map((f) => [f.path, f.content]));
  const b = new Map(to.map((f) => [f.path, f.content]));
  const added: string[] = [];
  const changed: string[] = [];
  const deleted: string[] = [];
  for (const [p, c] of b) {
    if (!a.has(p)) added.push(p);
    else if (a.get(p) !== c) changed.push(p);
  }
  for (const p of a.keys()) if (!b.has(p)) deleted.push(p);
  return { added: added.sort(), changed: changed.sort(), deleted: deleted.sort() };
}
