/** The Sandboxes view's items: a sandbox, its details (URL, time left, cost, phase, error), the groups. */
import * as vscode from 'vscode';
import { formatUsd } from '../../core/base/pricing';
import { dataLabel, formatDataSize, NOT_CHECKED, providerInfo, runsHere, verifyLines, verifyWord } from '../../core/session';
import type { ListError } from '../sandboxes/sandboxDiscovery';
import type { SandboxEntry, SandboxOrigin } from '../sandboxes/sandboxEntry';
import { fixNeeded } from '../sandboxes/sandboxEntry';
import { entryCost } from '../cost/sessionCost';
import type { ProviderId } from '../../core/base/providerId';

export interface SandboxNode {
  readonly kind: 'sandbox';
  readonly id: string;
}

export interface DetailNode {
  readonly kind: 'detail';
  readonly id: string;
  readonly field: 'url' | 'time' | 'cost' | 'phase' | 'error';
}

/** Sandboxes of other windows and machines (and local ones a gone window left), apart from this window's. */
export interface GroupNode {
  readonly kind: 'group';
  readonly id: 'other';
}

/** A provider whose listing failed: click to retry. */
export interface ListErrorNode {
  readonly kind: 'listError';
  readonly id: ProviderId;
}

export type SandboxTreeNode = SandboxNode | DetailNode | GroupNode | ListErrorNode;

const ORIGIN_NOTES: Record<SandboxOrigin, string> = {
  deployed: '',
  reloaded: ' (this window’s, listed again after a reload)',
  other: ' (started by another window or machine)',
};

/** "4:05" / "1:02:03" */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/** The group of other windows' and machines' sandboxes. */
export function groupItem(n: number): vscode.TreeItem {
  const item = new vscode.TreeItem('Other windows and machines', vscode.TreeItemCollapsibleState.Expanded);
  item.id = 'sandboxGroup:other';
  item.description = `${n} sandbox${n === 1 ? '' : 'es'}`;
  item.tooltip = 'Sandboxes of ours that another VS Code window or machine started (or a window that is gone left running). They cost money until they time out: destroy the ones nobody needs.';
  item.contextValue = 'sandboxGroup:other';
  item.iconPath = new vscode.ThemeIcon('remote-explorer');
  return item;
}

/** A provider whose listing failed: click to retry. */
export function listErrorItem(err: ListError | undefined): vscode.TreeItem {
  const label = providerInfo(err?.provider ?? 'e2b').label;
  const item = new vscode.TreeItem(`Could not list ${label} sandboxes`);
  item.id = `sandboxListError:${err?.provider ?? 'e2b'}`;
  item.description = 'click to retry';
  item.tooltip = `${err?.message ?? 'The listing failed.'}\n\nSandboxes you started in this window are still shown; click to list again.`;
  item.contextValue = `sandboxListError${err?.code === 'deploy.auth' || err?.code === 'deploy.no_key' ? ':auth' : ''}`;
  item.iconPath = new vscode.ThemeIcon('warning', new vscode.ThemeColor('problemsWarningIcon.foreground'));
  item.command = { command: 'spawnApp.refreshSandboxes', title: 'Retry' };
  return item;
}

export function sandboxItem(e: SandboxEntry, node: SandboxNode): vscode.TreeItem {
  const item = new vscode.TreeItem(e.appName, vscode.TreeItemCollapsibleState.Expanded);
  item.id = `sandbox:${e.id}`;
  const onThisMachine = providerInfo(e.provider).onThisMachine;
  const iso = onThisMachine ? e.providerRef.isolation?.() : undefined;
  const check = e.status === 'running' ? e.deployment?.verification : undefined;
  // Where it runs: the session's one function (the isolation words and the sentence below come from it).
  const run = runsHere(e.provider, iso, { detail: true });
  // An empty data folder (most web apps) says nothing in the description; the tooltip always gives the size.
  item.description = [providerInfo(e.provider).label, e.prewarmed ? 'pre-warmed' : e.status, verifyWord(check), run.isolation, dataLabel(e.dataBytes)].filter(Boolean).join(' · ');
  // `:fix`: Fix with Claude is offered (a failed step, or problems found in a browser: fixNeeded, the one rule).
  item.contextValue = `sandbox:${e.status}:${e.provider}${fixNeeded(e) ? ':fix' : ''}`;
  item.iconPath =
    e.status === 'running'
      ? new vscode.ThemeIcon('vm-running', new vscode.ThemeColor('testing.iconPassed'))
      : e.status === 'starting'
        ? new vscode.ThemeIcon('loading~spin')
        : e.status === 'paused'
          ? new vscode.ThemeIcon('debug-pause')
        : new vscode.ThemeIcon('error', new vscode.ThemeColor('errorForeground'));
  const md = new vscode.MarkdownString(undefined, true);
  md.appendMarkdown(`**${escapeMd(e.appName)}** — ${e.status}\n\n`);
  md.appendMarkdown(`${providerInfo(e.provider).label} sandbox \`${e.id}\`${ORIGIN_NOTES[e.origin]}\n\n`);
  if (e.prewarmed) md.appendMarkdown('Pre-warmed while the model writes: nothing of the app runs in it until you deploy; it is killed if you do not.\n\n');
  if (onThisMachine) md.appendMarkdown(`Runs on ${escapeMd(run.where)}.\n\n`);
  if (e.url) md.appendMarkdown(`URL: ${e.url}\n\n`);
  if (e.dataBytes !== undefined) md.appendMarkdown(`Data ($DATA_DIR): ${formatDataSize(e.dataBytes)}, kept across redeploys and restarts; deleted only when you destroy the sandbox (**Download Data…** saves it first).\n\n`);
  if (e.error) md.appendMarkdown(`Error: ${escapeMd(e.error.message)}\n\n`);
  if (check) md.appendMarkdown(`${verifyLines(check).map((l) => escapeMd(l)).join('  \n')}\n\n`);
  else if (e.status === 'running' && e.deployment) md.appendMarkdown(`${NOT_CHECKED}\n\n`); // the step was off (spawnApp.verifyDeploys)
  item.tooltip = md;
  if (e.status === 'paused') md.appendMarkdown('Paused: it keeps its memory and files and costs nothing; opening it (or its URL) resumes it.\n\n');
  if (e.status === 'running' || e.status === 'paused') item.command = { command: 'spawnApp.sandbox.openPreview', title: 'Open Preview', arguments: [node] };
  return item;
}

export function detailItem(e: SandboxEntry, field: DetailNode['field'], node: SandboxNode): vscode.TreeItem {
  const now = Date.now();
  const item = new vscode.TreeItem('');
  item.id = `sandbox:${e.id}:${field}`;
  item.contextValue = `sandboxDetail:${field}`;
  switch (field) {
    case 'phase':
      item.label = e.phase ?? 'Starting…';
      item.iconPath = new vscode.ThemeIcon('sync~spin');
      break;
    case 'error':
      item.label = e.error?.message ?? 'Failed';
      item.tooltip = e.error?.detail ? `${e.error.message}\n\n${e.error.detail}` : e.error?.message;
      item.iconPath = new vscode.ThemeIcon('warning');
      item.command = { command: 'spawnApp.sandbox.showLogs', title: 'Show Logs', arguments: [node] };
      break;
    case 'url':
      item.label = e.url ?? '';
      item.tooltip = 'Open in Browser';
      item.iconPath = new vscode.ThemeIcon('link-external');
      item.command = { command: 'spawnApp.sandbox.openInBrowser', title: 'Open in Browser', arguments: [node] };
      break;
    case 'time':
      if (e.status === 'paused') {
        item.label = 'paused';
        item.description = `up ${formatDuration(now - e.startedAt)}; a request to its URL resumes it`;
      } else if (e.endAt !== undefined) {
        item.label = `${formatDuration(e.endAt - now)} left`;
        item.description = `up ${formatDuration(now - e.startedAt)}`;
      } else {
        item.label = `up ${formatDuration(now - e.startedAt)}`;
        item.description = 'stops when this window closes';
      }
      item.iconPath = new vscode.ThemeIcon('watch');
      break;
    case 'cost': {
      const c = entryCost(e, now);
      item.label = c === null ? 'cost unknown' : `${formatUsd(c)} so far`;
      item.description = providerInfo(e.provider).onThisMachine ? 'runs on this machine' : e.cpuCount && e.memoryMB ? `${e.cpuCount} vCPU, ${e.memoryMB} MB` : undefined;
      item.iconPath = new vscode.ThemeIcon('credit-card');
      break;
    }
  }
  return item;
}

function escapeMd(s: string): string {
  return s.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, '\\$&');
}
