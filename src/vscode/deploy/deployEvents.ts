/**
 * Renders the pipeline's events for one app's deploy: the progress message, the sandbox entry's phase (tree,
 * preview), the sandbox's own log, the "Spawn App" log. A `created` event records the
 * sandbox in the registry the moment it exists.
 */
import type * as vscode from 'vscode';
import type { AppMeta } from '../../core/workspace/treeTypes';
import type { Phase, SpawnEvent } from '../../core/base/events';
import type { SessionEvent } from '../../core/session';
import { formatFinding } from '../../core/validate';
import type { LogChannel } from '../base/logChannel';
import { formatProblem, verifySummary } from '../../core/session';
import type { SandboxLogs } from '../sandboxes/sandboxLogs';
import type { SandboxRegistry } from '../sandboxes/sandboxRegistry';

export const PHASE_LABELS: Record<Phase, string> = {
  generate: 'Generating…',
  validate: 'Validating…',
  create: 'Creating the sandbox…',
  write: 'Writing files…',
  install: 'Installing dependencies…',
  start: 'Starting the app…',
  health: 'Waiting for the app to answer…',
};

export interface DeployView {
  registry: SandboxRegistry;
  logs: SandboxLogs;
  logger: LogChannel;
}

/** An event sink for one deploy of `app`; `sandboxId()` is the sandbox once known; `onCreated` records a new one. */
export function deployEvents(
  v: DeployView,
  app: AppMeta,
  progress: vscode.Progress<{ message?: string }>,
  sandboxId: () => string | undefined,
  onCreated: (e: Extract<SpawnEvent, { event: 'created' }>) => void = () => undefined,
): (e: SessionEvent) => void {
  const log = v.logger.scope(`app:${app.name}`);
  return (e) => {
    if (e.event === 'created') {
      onCreated(e);
      v.logs.append(e.sandboxId, `Sandbox ${e.sandboxId} created (${e.provider}).`);
      return;
    }
    const id = sandboxId();
    switch (e.event) {
      case 'phase':
        if (e.status === 'started') {
          progress.report({ message: PHASE_LABELS[e.phase] });
          if (id) v.registry.setPhase(id, PHASE_LABELS[e.phase]);
        }
        if (id) v.logs.append(id, `• ${e.phase} ${e.status}${e.durationMs !== undefined ? ` (${e.durationMs} ms)` : ''}${e.detail ? ` — ${e.detail}` : ''}`);
        log.debug(`${e.phase} ${e.status}${e.durationMs !== undefined ? ` in ${e.durationMs} ms` : ''}`);
        break;
      case 'log':
        if (id) v.logs.append(id, `[${e.source}] ${e.line}`);
        log.info(`[${e.source}] ${e.line}`);
        break;
      case 'finding':
        if (id) v.logs.append(id, formatFinding(e));
        break;
      case 'ready':
        log.info(`ready at ${e.url} in ${e.durationMs ?? '?'} ms`);
        break;
      case 'verify':
        if (e.status === 'started') {
          progress.report({ message: 'Checking the app in a browser…' });
          break;
        }
        for (const line of [`Verification: ${verifySummary(e)}`, ...e.problems.map((p) => `  - ${formatProblem(p)}`), ...(e.note ? [`  ${e.note}`] : [])]) {
          if (id) v.logs.append(id, line);
          log.info(line);
        }
        break;
      case 'warning':
        if (id) v.logs.append(id, e.message);
        log.warn(e.message);
        break;
      default:
        break;
    }
  };
}
