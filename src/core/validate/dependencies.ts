/**
 * Dependencies: the declared list (plain registry packages, within the limit) and the app's own dependency
 * manifests against it (package.json, requirements files). What a spec is parsed into lives in stacks/packageSpec.ts.
 */
import type { AppSpec } from '../app/spec';
import { dependenciesOf, ecosystemOf } from '../stacks';
import type { Ecosystem } from '../stacks';
import { dependencyName, isPlainPipRequirement, npmEntry, npmSpec, pipName } from '../stacks/packageSpec';
import type { Finding } from './finding';
import { LIMITS } from './limits';
import { checkPath } from './paths';

/** A plain npm name (optionally `@version`) for Node apps, a plain pip requirement for scripts. */
export function isPlainDependency(dep: string, ecosystem: Ecosystem): boolean {
  if (!dep) return false;
  return ecosystem === 'pip' ? isPlainPipRequirement(dep) : npmSpec(dep).plain;
}

/** The declared dependencies: at most the limit, each a plain package of the stack's ecosystem. */
export function dependencyFindings(spec: Pick<AppSpec, 'appType' | 'dependencies'>): Finding[] {
  const findings: Finding[] = [];
  const ecosystem = ecosystemOf(spec);
  if (spec.dependencies.length > LIMITS.maxDependencies) {
    findings.push({ severity: 'error', rule: 'limits.dependencies', message: `The app lists ${spec.dependencies.length} dependencies; the limit is ${LIMITS.maxDependencies}.` });
  }
  for (const dep of spec.dependencies) {
    if (!isPlainDependency(dep, ecosystem)) {
      findings.push({
        severity: 'error',
        rule: 'dependency.invalid',
        message: `${JSON.stringify(dep.slice(0, 80))} is not a plain ${ecosystem} package name (optionally with a version).`,
      });
    }
  }
  return findings;
}

const LIFECYCLE_SCRIPTS = ['preinstall', 'install', 'postinstall', 'prepare', 'preprepare', 'postprepare'];

function lineOf(text: string, re: RegExp): number | undefined {
  const i = text.split('\n').findIndex((l) => re.test(l));
  return i >= 0 ? i + 1 : undefined;
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * The app's own dependency manifests against the spec's declared dependencies (what the deploy dialog lists): a
 * package installed from a path, git or a URL is an error (it runs code no registry vetted, with install scripts);
 * a registry package the spec does not declare, and an install lifecycle script, are warnings shown in the dialog.
 */
export function scanDependencyFiles(spec: Pick<AppSpec, 'appType' | 'files' | 'dependencies'>): Finding[] {
  const out: Finding[] = [];
  const ecosystem = ecosystemOf(spec);
  // A react app's package.json is its declared list (the scaffold's packages and the extras; the dialog lists them).
  const declared = new Set(dependenciesOf(spec).map((d) => dependencyName(d, ecosystem)));
  const declaredPip = new Set(spec.dependencies.map(pipName));
  for (const file of spec.files) {
    const checked = checkPath(file.path);
    if (!checked.ok) continue;
    const p = checked.path;
    const base = p.split('/').pop()!;
    if (base === 'package.json' && !p.includes('/')) {
      let pkg: unknown;
      try {
        pkg = JSON.parse(file.content);
      } catch {
        out.push({ severity: 'warning', rule: 'install.package_json', path: p, message: 'package.json is not valid JSON, so an install would fail.' });
        continue;
      }
      if (!pkg || typeof pkg !== 'object') continue;
      const rec = pkg as Record<string, unknown>;
      for (const field of ['dependencies', 'devDependencies', 'optionalDependencies', 'peerDependencies', 'bundleDependencies', 'bundledDependencies']) {
        const deps = rec[field];
        if (!deps || typeof deps !== 'object' || Array.isArray(deps)) continue;
        for (const [name, version] of Object.entries(deps as Record<string, unknown>)) {
          const shown = JSON.stringify(name.slice(0, 80));
          const line = lineOf(file.content, new RegExp(`"${escapeRe(name)}"\\s*:`));
          if (typeof version === 'string' && !npmEntry(name, version).registry) {
            out.push({ severity: 'error', rule: 'install.non_registry', path: p, line, message: `package.json installs ${shown} from a path, git or a URL, not from the registry; its install scripts would run code nobody reviewed.` });
          } else if (!declared.has(name)) {
            out.push({ severity: 'warning', rule: 'install.undeclared', path: p, line, message: `package.json adds ${shown}, which the app's declared dependencies (the deploy dialog's list) do not include.` });
          }
        }
      }
      const scripts = rec.scripts;
      if (scripts && typeof scripts === 'object') {
        for (const name of LIFECYCLE_SCRIPTS) {
          if (typeof (scripts as Record<string, unknown>)[name] === 'string') {
            out.push({ severity: 'warning', rule: 'install.script', path: p, line: lineOf(file.content, new RegExp(`"${name}"\\s*:`)), message: `package.json has a "${name}" script, which runs when dependencies are installed.` });
          }
        }
      }
    } else if (/^requirements.*\.txt$/.test(base) || base === 'constraints.txt') {
      const lines = file.content.split('\n');
      for (let i = 0; i < lines.length; i++) {
        const raw = lines[i]!.replace(/(^|\s)#.*$/, '').trim();
        if (!raw) continue;
        const line = i + 1;
        if (raw.startsWith('-') || /^(?:[a-z+]+:\/\/|file:|\.{0,2}\/|~\/)/i.test(raw) || /\s@\s|^[A-Za-z0-9._-]+\s*@/.test(raw) || /\.(?:whl|tar\.gz|zip)$/i.test(raw)) {
          out.push({ severity: 'error', rule: 'install.non_registry', path: p, line, message: `${p} line ${line} installs from a path, URL, other index or another file, not a plain package from the index.` });
        } else if (!declaredPip.has(pipName(raw))) {
          out.push({ severity: 'warning', rule: 'install.undeclared', path: p, line, message: `${p} adds ${JSON.stringify(pipName(raw).slice(0, 80))}, which the app's declared dependencies (the deploy dialog's list) do not include.` });
        }
      }
    }
  }
  return out;
}
