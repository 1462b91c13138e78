/**
 * What the deploy confirmation says: which provider, what will run, what gets installed, the warnings, and a
 * warning before model-written code runs unsandboxed on this machine. Pure (no `vscode`), so it is unit-tested.
 */
import type { AppSpec } from '../../core/app/spec';
import { dependenciesOf } from '../../core/stacks';
import type { Finding } from '../../core/base/finding';
import type { ProviderId } from '../../core/base/providerId';
import { codeOrigin, providerInfo, runsHere } from '../../core/session';
import type { IsolationReport } from '../../core/deploy/whereItRuns';

export interface ConfirmationInput {
  appName: string;
  spec: AppSpec;
  findings: readonly Finding[];
  /** Who wrote the code, for the wording only (a draft or a folder can say anything). */
  generator?: string;
  /**
   * This process generated the code from a built-in template and nothing changed it since (`AppTree.isOurs`).
   * Only then does the local runner go without the "unsandboxed" warning.
   */
  ours: boolean;
  provider: ProviderId;
  /** What the local runner isolates (LocalProvider.isolation()); without it, local counts as not sandboxed. */
  isolation?: IsolationReport;
  /** The install command the provider will run, if any (undefined: nothing to install, or all preinstalled). */
  install?: string;
  e2bTemplate: string;
  timeoutMinutes: number;
  redeploy?: boolean;
}

export interface Confirmation {
  message: string;
  detail: string;
  /** The button that goes ahead ("Deploy" / "Redeploy"). */
  action: string;
  /** Show as a warning (there are warnings, or model-written code would run unsandboxed). */
  warn: boolean;
  unsandboxedModelCode: boolean;
}

export function deployConfirmation(i: ConfirmationInput): Confirmation {
  const onThisMachine = providerInfo(i.provider).onThisMachine;
  // Where it runs and whether to warn: the session's one function (the provider table's sentence + the trust rule).
  const run = runsHere(i.provider, i.isolation, {
    detail: true,
    remote: providerInfo(i.provider).timeout ? `template ${i.e2bTemplate}, stops after ${i.timeoutMinutes} min unless extended` : undefined,
    ours: i.ours,
    origin: codeOrigin(i.generator),
  });
  const where = run.where;
  const warnings = i.findings.filter((f) => f.severity === 'warning');
  const deps = dependenciesOf(i.spec);
  const lines = [`Provider: ${where}`, `Runs: ${i.spec.startCommand}`, `Installs: ${deps.length ? deps.join(', ') : 'nothing'}${deps.length && !i.install ? ' (preinstalled)' : ''}`];
  if (warnings.length) {
    lines.push('', `${warnings.length} warning${warnings.length === 1 ? '' : 's'}:`);
    for (const w of warnings.slice(0, 6)) lines.push(`• ${w.path ? `${w.path}${w.line ? `:${w.line}` : ''}: ` : ''}${w.message}`);
    if (warnings.length > 6) lines.push(`• … and ${warnings.length - 6} more (see Problems)`);
  }
  const unsandboxedModelCode = run.needsSayso;
  if (run.warning) lines.push('', `⚠ ${run.warning} Set an E2B API key to run it in a sandbox instead.`);
  const action = i.redeploy ? 'Redeploy' : 'Deploy';
  const title = i.spec.title ? `“${i.spec.title}” (${i.appName})` : i.appName;
  return {
    message: `${action} ${title} to ${onThisMachine ? providerInfo(i.provider).where : providerInfo(i.provider).label}?`,
    detail: lines.join('\n'),
    action,
    warn: warnings.length > 0 || unsandboxedModelCode,
    unsandboxedModelCode,
  };
}
