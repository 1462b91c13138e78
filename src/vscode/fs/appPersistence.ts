/**
 * Keeps the virtual workspace across window reloads (and the extension-host restart that adding a first
 * workspace folder causes): the tree is written, debounced, to `apps.json` in the extension's storage folder.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { AppTree } from '../../core/appTree';
import type { Logger as CoreLogger } from '../../core/events';
import { Disposable, toDisposable } from '../dispose';

export class AppPersistence extends Disposable {
  private timer?: ReturnType<typeof setTimeout>;
  private dirty = false;
  private readonly file: string;

  constructor(
    private readonly tree: AppTree,
    private readonly folder: string,
    private readonly logger: CoreLogger,
    private readonly delayMs = 300,
  ) {
    super();
    this.file = path.join(folder, 'apps.json');
    const off = tree.onDidChange(() => this.schedule());
    this._register(toDisposable(() => {
      off();
      if (this.timer) clearTimeout(this.timer);
      this.flushSync();
    }));
  }

  /** Restores the apps saved last time; returns how many. */
  load(): number {
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch {
      return 0;
    }
    try {
      const n = this.tree.restore(JSON.parse(text));
      this.dirty = false;
      if (n) this.logger.info(`restored ${n} app${n === 1 ? '' : 's'} from ${this.file}`);
      return n;
    } catch (err) {
      this.logger.warn(`could not restore apps from ${this.file}: ${String(err)}`);
      return 0;
    }
  }

  private schedule(): void {
    this.dirty = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.flush(), this.delayMs);
  }

  async flush(): Promise<void> {
    if (!this.dirty) return;
    this.dirty = false;
    const tmp = `${this.file}.${process.pid}.tmp`;
    try {
      await mkdir(this.folder, { recursive: true });
      await writeFile(tmp, JSON.stringify(this.tree.serialize()));
      await rename(tmp, this.file);
    } catch (err) {
      this.logger.warn(`could not save apps to ${this.file}: ${String(err)}`);
    }
  }

  private flushSync(): void {
    if (!this.dirty) return;
    this.dirty = false;
    try {
      mkdirSync(this.folder, { recursive: true });
      const tmp = `${this.file}.${process.pid}.tmp`;
      writeFileSync(tmp, JSON.stringify(this.tree.serialize()));
      renameSync(tmp, this.file);
    } catch {
      // shutting down: nothing left to tell
    }
  }
}
