/**
 * Keeps the virtual workspace across window reloads (and the extension-host restart that adding workspace folders
 * can cause): each app is one record of the core's JsonStore (atomic writes, corrupt files set aside) in the
 * extension's storage folder, written shortly after it changes.
 */
import path from 'node:path';
import type { AppTree, SerializedApp } from '../../core/appTree';
import type { Logger as CoreLogger } from '../../core/events';
import { JsonStore } from '../../core/store';
import { Disposable, toDisposable } from '../dispose';

export class AppPersistence extends Disposable {
  private readonly store: JsonStore<SerializedApp>;
  /** Ids that have a record on disk. */
  private onDisk = new Set<string>();
  private readonly dirty = new Set<string>();
  private removals = false;
  private timer?: ReturnType<typeof setTimeout>;

  constructor(
    private readonly tree: AppTree,
    folder: string,
    private readonly logger: CoreLogger,
    private readonly delayMs = 300,
  ) {
    super();
    this.store = new JsonStore<SerializedApp>(path.join(folder, 'apps'), {
      debounceMs: 0,
      onError: (err, id) => logger.warn(`could not save app ${id}: ${err.message}`),
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

  /** Restores the apps saved last time; returns how many. */
  load(): number {
    const { records, setAside } = this.store.loadAll();
    for (const s of setAside) this.logger.warn(`set aside an unreadable app record (${s.reason}): ${s.movedTo}`);
    const n = this.tree.restore({ version: 1, apps: [...records.values()] });
    this.onDisk = new Set(records.keys());
    this.dirty.clear();
    this.removals = false;
    if (n) this.logger.info(`restored ${n} app${n === 1 ? '' : 's'} from ${this.store.dir}`);
    return n;
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
    for (const id of this.dirty) {
      const app = this.tree.app(id);
      if (!app) continue;
      this.store.save(id, this.tree.serializeApp(app));
      this.onDisk.add(id);
    }
    this.dirty.clear();
    if (this.removals) {
      this.removals = false;
      for (const id of [...this.onDisk]) {
        if (!this.tree.app(id)) {
          this.store.delete(id);
          this.onDisk.delete(id);
        }
      }
    }
    this.store.flush();
  }
}
