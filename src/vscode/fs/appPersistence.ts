/**
 * Keeps the virtual workspace across window reloads, extension-host crashes and restarts: each app is one draft
 * record (core/workspace/draft.ts) of the core's JsonStore in the extension's global storage, written atomically shortly
 * after it changes, and restored at activation.
 *
 * A record holds the app's files and metadata (the AppTree's serialization) plus named sections other services
 * register with `addSection` (findings, deploy history, …): register one to have a new part of an app saved and
 * restored. Sections a record carries that no registered section claims are kept as they are.
 *
 * Faults never break activation: an unreadable record is set aside (`*.corrupt-<time>`, never deleted) and the
 * rest restored; a failed write (disk full, read-only) is reported once through `notices`, the app stays in
 * memory and the write is retried.
 */
import path from 'node:path';
import type { AppMeta } from '../../core/workspace/treeTypes';
import type { AppTree } from '../../core/workspace/appTree';
import type { DraftRecord } from '../../core/workspace/draft';
import { APP_KEYS, DRAFT_LIMITS, draftProblem } from '../../core/workspace/draft';
import { messageOf } from '../../core/base/errors';
import type { Logger as CoreLogger } from '../../core/base/events';
import { JsonStore } from '../../core/base/store';
import { Disposable, toDisposable } from '../base/dispose';

export type { AppPersistenceOptions, DraftNotices, DraftSection } from './draftTypes';
import type { AppPersistenceOptions, DraftSection } from './draftTypes';

export class AppPersistence extends Disposable {
  private readonly store: JsonStore<DraftRecord>;
  private readonly sections = new Map<string, DraftSection>();
  /** Ids that have a record on disk. */
  private onDisk = new Set<string>();
  /** Sections of loaded records that no registered section claims, kept for the next write. */
  private readonly kept = new Map<string, Record<string, unknown>>();
  private readonly dirty = new Set<string>();
  private readonly failing = new Set<string>();
  private removals = false;
  private timer?: ReturnType<typeof setTimeout>;
  private readonly delayMs: number;

  constructor(
    private readonly tree: AppTree,
    folder: string,
    private readonly logger: CoreLogger,
    private readonly opts: AppPersistenceOptions = {},
  ) {
    super();
    this.delayMs = opts.delayMs ?? 300;
    this.store = new JsonStore<DraftRecord>(path.join(folder, 'apps'), {
      debounceMs: 0,
      retryMs: opts.retryMs,
      maxRecordBytes: opts.maxDraftBytes ?? DRAFT_LIMITS.maxDraftBytes,
      maxRecords: opts.maxDrafts ?? DRAFT_LIMITS.maxDrafts,
      onError: (err, id) => this.saveFailed(err, id),
      onRecovered: (id) => this.saveRecovered(id),
    });
    const off = tree.onDidChange((changes) => {
      for (const c of changes) {
        const app = tree.appOf(c.path);
        if (app) this.dirty.add(app.id);
        else this.removals = true;
      }
      this.schedule();
    });
    this._register(toDisposable(() => {
      off();
      if (this.timer) clearTimeout(this.timer);
      this.flush();
      this.store.dispose();
    }));
  }

  /** The folder holding one `<app id>.json` per draft. */
  get dir(): string {
    return this.store.dir;
  }

  /** Registers a section; register before `load()` to have saved values restored. */
  addSection(section: DraftSection): { dispose(): void } {
    if (APP_KEYS.includes(section.key) || section.key === 'savedAt' || this.sections.has(section.key)) {
      throw new Error(`The draft section ${section.key} is taken.`);
    }
    this.sections.set(section.key, section);
    const sub = section.onDidChange?.((appId) => {
      if (!this.tree.app(appId)) return;
      this.dirty.add(appId);
      this.schedule();
    });
    return this._register(toDisposable(() => {
      sub?.dispose();
      this.sections.delete(section.key);
    }));
  }

  /** Restores the drafts saved last time; returns how many. Never throws. */
  load(): number {
    let n = 0;
    try {
      const { records, setAside, error } = this.store.loadAll();
      if (error) {
        this.logger.error(`could not read the drafts folder ${this.store.dir}: ${error.message}`);
        this.opts.notices?.loadFailed(error, this.store.dir);
      }
      for (const [id, raw] of records) {
        const problem = draftProblem(raw);
        if (problem) {
          setAside.push(this.store.setAside(id, problem));
          continue;
        }
        try {
          if (this.restoreOne(id, raw)) n++;
        } catch (err) {
          setAside.push(this.store.setAside(id, `could not be restored: ${messageOf(err)}`));
        }
      }
      for (const s of setAside) this.logger.warn(`set aside an unreadable draft (${s.reason}): ${s.movedTo}`);
      if (setAside.length) this.opts.notices?.setAside(setAside);
      if (n) this.logger.info(`restored ${n} draft${n === 1 ? '' : 's'} from ${this.store.dir}`);
    } catch (err) {
      this.logger.error(`could not restore drafts: ${messageOf(err)}`);
    }
    this.removals = false;
    return n;
  }

  private restoreOne(id: string, raw: DraftRecord): boolean {
    // A name another draft took already (two windows made "calculator") gets a fresh one: both are kept.
    const taken = this.tree.exists(`/${raw.name}`);
    const name = taken ? this.tree.uniqueName(raw.name) : raw.name;
    if (this.tree.restore({ version: 1, apps: [{ ...raw, id, name }] }) !== 1) {
      throw new Error(`${JSON.stringify(raw.name)} is not a valid app folder name`);
    }
    const app = this.tree.app(id)!;
    const kept: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(raw)) {
      if (APP_KEYS.includes(key) || key === 'savedAt') continue;
      const section = this.sections.get(key);
      if (section) {
        try {
          section.restore(app, value);
        } catch (err) {
          this.logger.warn(`could not restore the ${key} of ${app.name}: ${messageOf(err)}`);
        }
      } else kept[key] = value;
    }
    if (Object.keys(kept).length) this.kept.set(id, kept);
    this.onDisk.add(id);
    // Restoring fired tree changes; only a renamed draft needs writing back.
    this.dirty.delete(id);
    if (taken) this.dirty.add(id);
    return true;
  }

  /** The record of an app as it is written. */
  recordOf(app: AppMeta): DraftRecord {
    const record: DraftRecord = { ...this.kept.get(app.id), ...this.tree.serializeApp(app) };
    for (const [key, section] of this.sections) {
      try {
        const value = section.save(app);
        if (value !== undefined) record[key] = value;
      } catch (err) {
        this.logger.warn(`could not save the ${key} of ${app.name}: ${messageOf(err)}`);
      }
    }
    record.savedAt = Date.now();
    return record;
  }

  private schedule(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.flush();
    }, this.delayMs);
  }

  /** Writes changed apps and deletes the records of removed ones, now. */
  flush(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    for (const id of this.dirty) {
      const app = this.tree.app(id);
      if (!app) continue;
      this.store.save(id, this.recordOf(app));
      this.onDisk.add(id);
    }
    this.dirty.clear();
    if (this.removals) {
      this.removals = false;
      for (const id of [...this.onDisk]) {
        if (this.tree.app(id)) continue;
        try {
          this.store.delete(id);
          this.onDisk.delete(id);
          this.kept.delete(id);
          this.forgetFailure(id);
        } catch (err) {
          this.removals = true; // tried again with the next change
          this.logger.warn(`could not delete the draft ${id}: ${messageOf(err)}`);
        }
      }
    }
    this.store.flush();
  }

  /** Draft writes that failed so far, retries included. */
  failedWrites(): number {
    return this.store.failedWrites;
  }

  /** True while some draft waits to be written (debounce or retry after a failure). */
  hasPendingWrites(): boolean {
    return this.dirty.size > 0 || [...this.onDisk].some((id) => this.store.isPending(id));
  }

  private saveFailed(err: Error, id: string): void {
    const name = this.tree.app(id)?.name ?? id;
    this.logger.error(`could not save the draft ${name} (kept in memory, retrying): ${err.message}`);
    const first = this.failing.size === 0;
    this.failing.add(id);
    if (first) this.opts.notices?.saveFailed(err, name);
  }

  private saveRecovered(id: string): void {
    this.logger.info(`saved the draft ${this.tree.app(id)?.name ?? id} after all`);
    this.forgetFailure(id);
  }

  private forgetFailure(id: string): void {
    if (this.failing.delete(id) && this.failing.size === 0) this.opts.notices?.saveRecovered();
  }
}
