/**
 * Findings a stack asks for (its line in core/stacks): a stack that installs from its package.json and starts
 * through its scripts (react: `npm run dev`; npm also runs install scripts) has them checked like dependencies and
 * start commands are; the files it needs to start should be there.
 */
import type { AppSpec } from '../app/spec';
import { stackOf } from '../stacks';
import type { Stack } from '../stacks';
import { dependencyName, npmSpec, pipSatisfies } from '../stacks/packageSpec';
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
  if (stack.allowedExtras) out.push(...pinFindings(stack, spec, byPath.get('requirements.txt')));
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

/** Whether a declared dependency keeps the stack's pin: no version, or exactly the pinned one. */
function keepsPin(stack: Stack, dep: string): boolean {
  if (stack.ecosystem === 'pip') return pipSatisfies(stack.packages ?? {}, dep);
  const { name, range } = npmSpec(dep);
  return range === undefined || range === stack.packages?.[name];
}

/**
 * A stack with fixed pins and a list of allowed extras (the Python stacks): each declared dependency, and each line
 * of its requirements.txt, is one of its pins at the pinned version or an allowed extra; anything else is refused.
 */
function pinFindings(stack: Stack, spec: AppSpec, requirements: string | undefined): Finding[] {
  const out: Finding[] = [];
  const allowed = new Set(stack.allowedExtras);
  const pinned = stack.packages ?? {};
  const check = (dep: string, where: { path?: string; line?: number }) => {
    const name = dependencyName(dep, stack.ecosystem);
    const shown = JSON.stringify(dep.slice(0, 80));
    if (name in pinned) {
      if (!keepsPin(stack, dep)) out.push({ severity: 'error', rule: `${stack.id}.pin`, ...where, message: `${shown} changes a version the ${stack.label} scaffold pins (${name} ${pinned[name]}); declare ${name} without a version, or leave it out.` });
    } else if (!allowed.has(name)) {
      out.push({ severity: 'error', rule: `${stack.id}.extra`, ...where, message: `${shown} is not one of the extra packages a ${stack.label} may add: ${[...allowed].join(', ')}.` });
    }
  };
  for (const d of spec.dependencies) check(d, {});
  const lines = requirements?.split('\n') ?? [];
  lines.forEach((raw, i) => {
    const line = raw.replace(/(^|\s)#.*$/, '').trim();
    // A path, URL or option line is refused by validate/dependencies.ts already.
    if (line && !/^-|:\/\//.test(line)) check(line, { path: 'requirements.txt', line: i + 1 });
  });
  return out;
}
