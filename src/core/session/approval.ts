/**
 * What a person approved to run in an app's sandbox (its start command, its dependencies, the warnings they went
 * ahead with), and what changed since: an update or restart that runs something else is asked about again. One rule
 * for every front that confirms its deploys (the extension's dialog, through the session's `ask.deploy` port).
 */
import type { AppSpec } from '../app/spec';
import type { Finding } from '../base/finding';
import { dependenciesOf } from '../stacks';
import { sameDependencies } from '../workspace/specDiff';

export interface Approval {
  readonly startCommand: string;
  readonly dependencies: readonly string[];
  /** Warning keys (rule, path, message) the person went ahead with. */
  readonly warnings: readonly string[];
}

/** The warning keys of findings (rule, path, message): an update asks again only for new ones. */
export function warningKeys(findings: readonly Finding[]): string[] {
  return findings.filter((f) => f.severity === 'warning').map((f) => `${f.rule}|${f.path ?? ''}|${f.message}`);
}

/** What the person approves by going ahead with `spec` (the warnings approved before are kept). */
export function approvalOf(spec: AppSpec, findings: readonly Finding[], before?: Approval): Approval {
  return { startCommand: spec.startCommand, dependencies: dependenciesOf(spec), warnings: [...new Set([...(before?.warnings ?? []), ...warningKeys(findings)])] };
}

/** What `spec` runs that `approved` does not cover, in words (empty: nothing new). */
export function whatChanged(approved: Approval, spec: AppSpec, findings: readonly Finding[]): string[] {
  const out: string[] = [];
  if (approved.startCommand.trim() !== spec.startCommand.trim()) out.push(`the start command (was “${approved.startCommand}”)`);
  if (!sameDependencies(approved.dependencies, dependenciesOf(spec))) out.push(`the dependencies (were ${approved.dependencies.join(', ') || 'none'})`);
  if (warningKeys(findings).some((k) => !approved.warnings.includes(k))) out.push('new warnings');
  return out;
}
