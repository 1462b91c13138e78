/**
 * A saved draft: one app of the virtual workspace as the extension keeps it in its global storage (one JsonStore
 * record per app). The record is the AppTree's serialization of the app plus named sections that other parts add
 * (findings, deploy history, and whatever else an app carries later); sections a build does not know are kept.
 */
import type { SerializedApp } from './treeTypes';
import { FILE_SHAPE, shape, z } from '../base/shape';
import { PROVIDER_IDS } from '../base/providerId';
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

/** What a draft record must hold to be restored (the rest is read leniently, field by field). */
const DRAFT_SHAPE = shape(() => z.object({ name: z.string().check(z.minLength(1)), files: z.array(FILE_SHAPE()) }));

/** Why a parsed record is not a draft this build can restore, or undefined when it is. */
export function draftProblem(raw: unknown): string | undefined {
  const r = DRAFT_SHAPE().safeParse(raw);
  if (r.success) return undefined;
  const [key, i] = r.error.issues[0]?.path ?? [];
  if (key === undefined) return 'not a Spawn App draft (not a JSON object)';
  if (key === 'name') return 'not a Spawn App draft (no app name)';
  const name = String((raw as { name: string }).name);
  return i === undefined ? `the draft ${name} has no file list` : `file ${Number(i) + 1} of the draft ${name} is not a {path, content} pair`;
}

const FINDING_SHAPE = shape(() => z.object({ severity: z.enum(['error', 'warning']), rule: z.string(), message: z.string(), path: z.optional(z.string()), line: z.optional(z.number()) }));

/** A finding list read back from a record: only well-formed findings, at most `maxFindings`. */
export function findingsFrom(raw: unknown): Finding[] {
  if (!Array.isArray(raw)) return [];
  return raw
    .filter((f): f is Finding => FINDING_SHAPE().safeParse(f).success)
    .slice(0, DRAFT_LIMITS.maxFindings);
}

const DEPLOY_SHAPE = shape(() => z.object({ at: z.number(), provider: z.enum(PROVIDER_IDS), sandboxId: z.string(), outcome: z.enum(['running', 'failed', 'removed']) }));

/** A deploy history read back from a record: only well-formed events, the newest `maxDeploys`. */
export function deploysFrom(raw: unknown): DeployRecord[] {
  if (!Array.isArray(raw)) return [];
  return raw
    .filter(
      (d): d is DeployRecord => DEPLOY_SHAPE().safeParse(d).success,
    )
    .slice(-DRAFT_LIMITS.maxDeploys);
}
