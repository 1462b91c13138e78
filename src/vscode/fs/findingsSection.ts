/**
 * The `findings` section of a draft: what the Problems view showed for the app, and the findings validation
 * cannot recompute (generated files that were dropped), which are restored with the draft.
 */
import type { AppMeta } from '../../core/workspace/treeTypes';
import type { FindingsRecord } from '../../core/workspace/draft';
import { DRAFT_LIMITS, findingsFrom } from '../../core/workspace/draft';
import type { AppDiagnostics } from './diagnostics';
import type { DraftSection } from './appPersistence';

export function findingsSection(diagnostics: AppDiagnostics): DraftSection {
  /** The JSON last saved or restored per app: a refresh that changes nothing writes nothing. */
  const last = new Map<string, string>();
  const valueOf = (appId: string): FindingsRecord => ({
    shown: diagnostics.shownOf(appId).slice(0, DRAFT_LIMITS.maxFindings),
    extra: diagnostics.extraOf(appId).slice(0, DRAFT_LIMITS.maxFindings),
  });
  return {
    key: 'findings',
    save(app: AppMeta) {
      const value = valueOf(app.id);
      last.set(app.id, JSON.stringify(value));
      return value;
    },
    restore(app: AppMeta, raw: unknown) {
      const r = (raw ?? {}) as Partial<Record<keyof FindingsRecord, unknown>>;
      const extra = findingsFrom(r.extra);
      diagnostics.setExtra(app, extra);
      last.set(app.id, JSON.stringify({ shown: findingsFrom(r.shown), extra }));
    },
    onDidChange(listener) {
      return diagnostics.onDidRefresh((appId) => {
        if (last.get(appId) !== JSON.stringify(valueOf(appId))) listener(appId);
      });
    },
  };
}
