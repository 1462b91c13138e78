/**
 * What the Python stacks with a scaffold of ours share (`python-api`, `streamlit`): a pinned requirements.txt the
 * model cannot bend (the scaffold writes it from the stack's pins and the app's allowed extras), the stack's fixed
 * files, its start command and port. The validator's rule for pins and extras is `validate/stack.ts` (a stack's
 * `packages` + `allowedExtras`); the local dependency cache installs the pins once per user (sandbox/local/depCache.ts).
 */
import type { AppFile, AppSpecOf } from '../base/appSpec';
import { normaliseAppPath } from '../base/appPath';
import { pipName } from './packageSpec';

export interface PythonScaffold {
  /** The stack's packages at exact versions (normalised names). */
  readonly packages: Readonly<Record<string, string>>;
  /** Files of ours that replace the model's versions (requirements.txt is added to them). */
  readonly files: readonly AppFile[];
  readonly startCommand: string;
  readonly port: number;
}

/** The pins as requirements (`name==version`), in the table's order. */
export function pinnedRequirements(packages: Readonly<Record<string, string>>): string[] {
  return Object.entries(packages).map(([n, v]) => `${n}==${v}`);
}

/** requirements.txt: the pins, then the app's extras. */
export function requirementsTxt(packages: Readonly<Record<string, string>>, extras: readonly string[]): string {
  return ['# Pinned by Spawn App (the scaffold rewrites this file): add packages to the app\'s dependencies instead.', ...pinnedRequirements(packages), ...extras, ''].join('\n');
}

/**
 * An app merged with a Python scaffold: our fixed files and requirements.txt replace the model's, its other files
 * stay, and the start command, port and dependencies (the pins, then the extras the app declared) are the scaffold's.
 */
export function withPythonScaffold<Id extends string>(spec: AppSpecOf<Id>, s: PythonScaffold): AppSpecOf<Id> {
  const extras = spec.dependencies.filter((d) => !(pipName(d) in s.packages));
  const fixed: AppFile[] = [{ path: 'requirements.txt', content: requirementsTxt(s.packages, extras) }, ...s.files];
  const paths = new Set(fixed.map((f) => f.path));
  const own = spec.files.filter((f) => !paths.has(normaliseAppPath(f.path)));
  return { ...spec, files: [...fixed, ...own], startCommand: s.startCommand, port: s.port, dependencies: [...pinnedRequirements(s.packages), ...extras] };
}

/** A stack's built-in (or baseline) app: its own files and words, with the scaffold's files, command, port and pins. */
export function pythonApp<Id extends string>(appType: Id, s: PythonScaffold, app: Pick<AppSpecOf<Id>, 'files' | 'title' | 'description' | 'checks'>): AppSpecOf<Id> {
  return withPythonScaffold({ appType, ...app, startCommand: s.startCommand, port: s.port, dependencies: [] }, s);
}

/** A prompt's paragraph for a Python stack: what is fixed, and which extras may be declared. */
export function pythonPromptRules(fixedFiles: readonly string[], allowedExtras: readonly string[]): string {
  return `The scaffold is fixed: do NOT write ${['requirements.txt', ...fixedFiles].join(', ')}; the start command is ` +
    `the scaffold's. dependencies: only extra pip packages from this list, usually []: ${allowedExtras.join(', ')}. ` +
    'Keep data (SQLite files, uploads) in the folder os.environ.get("DATA_DIR", ".data") (create it if missing), never beside the code.';
}
