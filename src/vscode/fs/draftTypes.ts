/** What the draft persistence works with: sections other services own, how faults reach the user, its options. */
import type { AppMeta } from '../../core/workspace/treeTypes';
import type { SetAside } from '../../core/base/store';

/** A part of an app's draft record that some service owns. */
export interface DraftSection {
  /** The record's property (not one of the app's own: id, name, files, …). */
  readonly key: string;
  /** The section's value for an app (plain JSON), or undefined for none. */
  save(app: AppMeta): unknown;
  /** Restores a loaded value (the section checks its shape; bad values are ignored). */
  restore(app: AppMeta, value: unknown): void;
  /** Subscribes to changes of the section's value; the listener gets the app's id. */
  onDidChange?(listener: (appId: string) => void): { dispose(): void };
}

/** How faults reach the user (the extension shows messages; tests record them). */
export interface DraftNotices {
  /** A draft could not be written; called once per failure episode, not on every retry. */
  saveFailed(err: Error, appName: string): void;
  /** Every draft that failed is written now. */
  saveRecovered(): void;
  /** Records that could not be read were set aside at load. */
  setAside(items: readonly SetAside[]): void;
  /** The drafts folder could not be read at all. */
  loadFailed(err: Error, dir: string): void;
}

export interface AppPersistenceOptions {
  /** Debounce of writes after a change; default 300 ms. */
  delayMs?: number;
  notices?: DraftNotices;
  /** Overrides of DRAFT_LIMITS (tests). */
  maxDraftBytes?: number;
  maxDrafts?: number;
  /** Retry delay after a failed write; default 5 s. */
  retryMs?: number;
}
