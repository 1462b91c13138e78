/**
 * Findings a stack asks for (its line in core/stacks): a stack that installs from its package.json and starts
 * through its scripts (react: `npm run dev`; npm also runs install scripts) has them checked like dependencies and
 * start commands are; the files it needs to start should be there.
 */
import type { AppSpec } from '../app/spec';
import { stackOf } from '../stacks';
import { npmSpec } from '../stacks/packageSpec';
import type { Finding } from './finding';
import { checkPath } from './paths';
import { scriptFindings } from './startCommand';

export function stackFindings(spec: AppSpec): Finding[] {
  const stack = stackOf(spec.appType);
  const out: Finding[] = [];
  const byPath = new Map(spec.files.map((f) => {
    const c = checkPath(f.path);
    return [c.ok ? c.path : f.path, f.content];
  }));
  if (stack.installsFromPackageJson) {
    const raw = byPath.get('package.json');
    let pkg: Record<string, unknown> | undefined;
    try {
      const parsed: unknown = raw === undefined ? undefined : JSON.parse(raw);
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) pkg = parsed as Record<string, unknown>;
    } catch {
      // reported below
    }
    if (!pkg) {
      out.push({ severity: 'error', rule: `${stack.id}.package_json`, path: 'package.json', message: raw === undefined ? `A ${stack.id} app needs its package.json (the scaffold's).` : 'package.json is not a valid JSON object.' });
      return out;
    }
    out.push(...packageJsonFindings(pkg));
  }
  for (const p of stack.requiredFiles ?? []) {
    if (!byPath.has(p)) out.push({ severity: 'warning', rule: `${stack.id}.scaffold`, path: p, message: `${p} is missing: the ${stack.label} scaffold needs it to start.` });
  }
  return out;
}

function packageJsonFindings(pkg: Record<string, unknown>): Finding[] {
  const out: Finding[] = [];
  for (const key of ['dependencies', 'devDependencies'] as const) {
    const deps = pkg[key];
    if (deps === undefined) continue;
    if (!deps || typeof deps !== 'object' || Array.isArray(deps)) {
      out.push({ severity: 'error', rule: 'dependency.invalid', path: 'package.json', message: `package.json's ${key} must be an object of name → version.` });
      continue;
    }
    for (const [name, version] of Object.entries(deps as Record<string, unknown>)) {
      const dep = typeof version === 'string' && version !== 'latest' ? `${name}@${version}` : name;
      if (typeof version !== 'string' || !npmSpec(dep).plain) {
        out.push({ severity: 'error', rule: 'dependency.invalid', path: 'package.json', message: `${JSON.stringify(`${name}: ${String(version)}`.slice(0, 80))} in ${key} is not a plain npm package name with a version.` });
      }
    }
  }
  const scripts = pkg.scripts && typeof pkg.scripts === 'object' ? (pkg.scripts as Record<string, unknown>) : {};
  for (const [name, value] of Object.entries(scripts)) {
    if (typeof value === 'string') out.push(...scriptFindings(name, value, 'package.json'));
  }
  return out;
}
