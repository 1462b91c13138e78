/**
 * Validation of an app spec before anything touches a disk or a sandbox, one file per rule family: paths, limits,
 * binary files, places and install configuration, code warnings, dependencies, the start command, secrets and the
 * stack's own checks. Errors always block a deploy; warnings are shown and the user decides.
 */
import type { AppSecrets } from '../base/secrets';
import type { AppSpec } from '../app/spec';
import { binaryFindings } from './binary';
import { scanCode } from './code';
import { dependencyFindings, scanDependencyFiles } from './dependencies';
import type { Finding } from './finding';
import { fileCountFindings, totalBytesFindings } from './limits';
import { checkPath, pathConflicts } from './paths';
import { scanPlace } from './places';
import { secretFindings } from './secrets';
import { stackFindings } from './stack';
import { startCommandFindings } from './startCommand';

export { binaryFileSentence } from './binary';
export { scanCode } from './code';
export { isPlainDependency, scanDependencyFiles } from './dependencies';
export type { Finding, Severity } from './finding';
export { formatFinding, hasErrors } from './finding';
export { LIMITS } from './limits';
export { checkPath, MANIFEST_NAME } from './paths';
export { scanPlace } from './places';
export { secretFindings } from './secrets';
export { ecosystemOf, isClientFile } from '../stacks';

/** Validates a whole spec and returns every finding (never throws). `secrets`: the app's secrets (values are looked for, never reported). */
export function validateSpec(spec: AppSpec, opts: { secrets?: AppSecrets } = {}): Finding[] {
  const findings: Finding[] = [...fileCountFindings(spec.files.length)];
  const seen = new Set<string>();
  let total = 0;
  for (const file of spec.files) {
    const checked = checkPath(file.path);
    if (!checked.ok) {
      findings.push({ severity: 'error', rule: checked.rule, path: file.path, message: checked.message });
      continue;
    }
    const key = checked.path;
    if (seen.has(key)) findings.push({ severity: 'error', rule: 'path.duplicate', path: key, message: `The path ${key} appears more than once.` });
    seen.add(key);
    total += Buffer.byteLength(file.content, 'utf8');
    findings.push(...scanPlace(key));
    const binary = binaryFindings(file.path, key, file.content);
    findings.push(...(binary.length ? binary : scanCode(key, file.content)));
  }
  findings.push(...scanDependencyFiles(spec), ...pathConflicts(seen), ...totalBytesFindings(total));
  findings.push(...dependencyFindings(spec), ...startCommandFindings(spec.startCommand));
  if (spec.port !== 3000) findings.push({ severity: 'warning', rule: 'port.nonstandard', message: `The app says it listens on port ${spec.port}; Spawn App expects 3000.` });
  findings.push(...stackFindings(spec), ...secretFindings(spec, opts.secrets ?? {}));
  return findings;
}
