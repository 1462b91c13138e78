/**
 * A change Claude proposes, shown as VS Code diffs between the app's current files (`spawnapp:`) and the proposed
 * ones (read-only `spawnapp-snapshot:` documents), decided by Accept or Reject: in a notification, or with the
 * buttons in the diff editor's title (commands `spawnApp.proposal.accept` / `.reject`). One open proposal per app;
 * a newer one replaces it (the older counts as rejected). Deciding closes the diffs.
 */
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import type { AppMeta } from '../../core/workspace/treeTypes';
import type { Logger as CoreLogger } from '../../core/base/events';
import type { SpecDiff } from '../../core/workspace/specDiff';
import { diffSpecs } from '../../core/workspace/specDiff';
import type { AppSpec } from '../../core/app/spec';
import { checkPath } from '../../core/validate';
import { setContext } from '../base/contextKeys';
import { Disposable, toDisposable } from '../base/dispose';
import { appUri } from '../fs/appUri';
import type { AppTree } from '../../core/workspace/appTree';
import type { ChangePair } from './changesView';
import { closeChanges, showChanges } from './changesView';
import type { SnapshotDocuments } from './snapshotDocuments';
import { SNAPSHOT_SCHEME } from './snapshotDocuments';

export type Decision = 'accept' | 'reject';

export interface ReviewRequest {
  /** The diff editor's title. */
  title: string;
  /** The notification's sentence ("Claude proposes … Accept?"). */
  message: string;
  /** Decide at once (scripts and tests); the diffs still open and close. */
  decision?: Decision;
}

interface Pending {
  id: string;
  appId: string;
  title: string;
  decide: (d: Decision) => void;
}

const PENDING_CONTEXT = 'spawnApp.proposalPending';

export class ProposalReview extends Disposable {
  private readonly pending = new Map<string, Pending>();

  constructor(
    private readonly tree: AppTree,
    private readonly snapshots: SnapshotDocuments,
    private readonly logger: CoreLogger,
  ) {
    super();
    this._register(toDisposable(() => {
      for (const p of [...this.pending.values()]) p.decide('reject');
    }));
  }

  /** What a proposal would change, as diff pairs (current → proposed). */
  pairs(app: AppMeta, diff: SpecDiff, id: string): ChangePair[] {
    return [
      ...diff.changed.map((rel) => ({ rel, original: appUri(this.tree, app, rel), modified: this.snapshots.proposalUri(app, rel, id) })),
      ...diff.added.map((rel) => ({ rel, modified: this.snapshots.proposalUri(app, rel, id) })),
      ...diff.deleted.map((rel) => ({ rel, original: appUri(this.tree, app, rel) })),
    ].sort((a, b) => a.rel.localeCompare(b.rel));
  }

  /** Shows `base → next` as diffs and resolves with the user's decision. */
  async review(app: AppMeta, base: AppSpec, next: AppSpec, req: ReviewRequest): Promise<Decision> {
    this.pending.get(app.id)?.decide('reject');
    const id = randomBytes(6).toString('hex');
    const diff = diffSpecs(base, next);
    this.snapshots.putProposal(id, next.files.map((f) => {
      const c = checkPath(f.path);
      return { path: c.ok ? c.path : f.path, content: f.content };
    }));
    const pairs = this.pairs(app, diff, id);
    let decide!: (d: Decision) => void;
    const decided = new Promise<Decision>((resolve) => (decide = resolve));
    const pending: Pending = { id, appId: app.id, title: req.title, decide };
    this.pending.set(app.id, pending);
    setContext(PENDING_CONTEXT, true);
    try {
      try {
        await showChanges(req.title, pairs, (rel) => this.snapshots.emptyUri(app, rel));
      } catch (err) {
        this.logger.warn(`could not show the proposed changes as diffs: ${String(err)}`);
      }
      if (req.decision) decide(req.decision);
      else {
        void vscode.window.showInformationMessage(req.message, 'Accept', 'Reject').then((pick) => {
          if (pick === 'Accept') decide('accept');
          else if (pick === 'Reject') decide('reject');
          // Dismissed: the proposal stays open; the diff editor's title buttons still decide it.
        });
      }
      const d = await decided;
      this.logger.info(`${app.name}: proposal ${d === 'accept' ? 'accepted' : 'rejected'} (${pairs.map((p) => p.rel).join(', ')})`);
      return d;
    } finally {
      if (this.pending.get(app.id) === pending) this.pending.delete(app.id);
      setContext(PENDING_CONTEXT, this.pending.size > 0);
      await closeChanges(req.title, pairs.flatMap((p) => [p.modified, p.original]).filter((u): u is vscode.Uri => u?.scheme === SNAPSHOT_SCHEME));
      this.snapshots.deleteProposal(id);
    }
  }

  /**
   * Decides an open proposal: the app's, else the one shown in the active diff editor, else the only one.
   * Returns false when there is none.
   */
  decide(decision: Decision, appId?: string): boolean {
    const p = (appId && this.pending.get(appId)) || this.activeProposal() || (this.pending.size === 1 ? [...this.pending.values()][0] : undefined);
    if (!p) return false;
    p.decide(decision);
    return true;
  }

  hasPending(appId?: string): boolean {
    return appId ? this.pending.has(appId) : this.pending.size > 0;
  }

  private activeProposal(): Pending | undefined {
    const tab = vscode.window.tabGroups.activeTabGroup.activeTab;
    const input = tab?.input;
    if (input instanceof vscode.TabInputTextDiff && input.modified.scheme === SNAPSHOT_SCHEME) {
      const id = new URLSearchParams(input.modified.query).get('proposal');
      return [...this.pending.values()].find((p) => p.id === id);
    }
    return tab ? [...this.pending.values()].find((p) => p.title === tab.label) : undefined;
  }
}
