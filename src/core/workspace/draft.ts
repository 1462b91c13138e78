/**
 * A saved draft: one app of the virtual workspace as the extension keeps it in its global storage (one JsonStore
 * record per app). The record is the AppTree's serialization of the app plus named sections that other parts add
 * (findings, deploy history, and whatever else an app carries later); sections a build does not know are kept.
 */
import type { SerializedApp } from './treeTypes';
import { isProviderId } from '../base/providerId';
import type { ProviderId } from '../base/providerId';
import type { Finding } from '../base/finding';

/** One event in an app's deploy history. */
export interface DeployRecord {
  /** ms since epoch */
  at: number;
  provider: ProviderId;
  sandboxId: string;
  /** `running`: a deploy or redeploy became ready; `failed`: it did not, or the app stopped; `removed`: the sandbox was destroyed. */
  outcome: 'running' | 'failed' | 'removed';
  url?: string;
  message?: string;
}

/** The findings shown for an app when it was saved; `extra` are those validation cannot recompute. */
export interface FindingsRecord {
  shown: Finding[];
  extra: Finding[];
}

export interface DraftRecord extends SerializedApp {
  findings?: FindingsRecord;
  deploys?: DeployRecord[];
  /** ms since epoch of the last write. */
  savedAt?: number;
  [section: string]: unknown;
}

export const DRAFT_LIMITS = {
  /** Largest draft, in bytes of JSON (an app's files may hold 10 MB; JSON escaping adds some). */
  maxDraftBytes: 20 * 1024 * 1024,
  /** Most drafts kept; more are refused with a message (Delete Draft frees room). */
  maxDrafts: 200,
  /** Deploy events kept per app (the newest). */
  maxDeploys: 50,
  /** Findings kept per app. */
  maxFindings: 500,
} as const;

/** The keys of a record that the AppTree's serialization owns. */
export const APP_KEYS: readonly string[] = ['id', 'name', 'generator', 'prompt', 'createdAt', 'files'];

function isObject(v: unknown): v is Record<string, unknown> {
  return !!v && typeof v === 'object' && !Array.isArray(v);
}

/** Why a parsed record is not a draft this build can restore, or undefined when it is. */
export function draftProblem(raw: unknown): string | undefined {
  if (!isObject(raw)) return 'not a Spawn App draft (not a JSON object)';
  if (typeof raw.name !== 'string' || !raw.name) return 'not a Spawn App draft (no app name)';
  if (!Array.isArray(raw.files)) return `the draft ${raw.name} has no file list`;
  const bad = raw.files.findIndex((f) => !isObject(f) || typeof f.path !== 'string' || typeof f.content !== 'string');
  if (bad >= 0) return `file ${bad + 1} of the draft ${raw.name} is not a {path, content} pair`;
  return undefined;
}

/** A finding list read back from a record: only well-formed findings, at most `maxFindings`. */
export function findingsFrom(raw: unknown): Finding[] {
  if (!Array.isArray(raw)) return [];
  return raw
    .filter((f): f is Finding => isObject(f) && (f.severity === 'error' || f.severity === 'warning') && typeof f.rule === 'string' && typeof f.message === 'string')
    .slice(0, DRAFT_LIMITS.maxFindings);
}

/** A deploy history read back from a record: only well-formed events, the newest `maxDeploys`. */
export function deploysFrom(raw: unknown): DeployRecord[] {
  if (!Array.isArray(raw)) return [];
  return raw
    .filter(
      (d): d is DeployRecord =>
        isObject(d) &&
        typeof d.at === 'number' &&
        isProviderId(d.provider) &&
        typeof d.sandboxId === 'string' &&
        (d.outcome === 'running' || d.outcome === 'failed' || d.outcome === 'removed'),
    )
    .slice(-DRAFT_LIMITS.maxDeploys);
}
