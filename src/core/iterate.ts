/**
 * Iterating on an app: patches (from a follow-up prompt or a fix), what a redeploy must do, and the capped
 * fix loop. The model always sees the files as they are now (the user's edits included) and answers with only
 * what changes.
 */
import { SpawnError } from './errors';
import type { AppFile, AppSpec } from './spec';
import { checkPath, hasErrors, validateSpec } from './validate';
import { compareFiles } from './versions';
import { stackOf } from './stacks';
import type { Finding } from './validate';
import type { ShapePath } from './base/shape';
import { FILE_SHAPE, parseShape, z } from './base/shape';

/** What a refine or fix returns: full content per changed or added file, and the paths to delete. */
export interface AppPatch {
  changes: AppFile[];
  deletions: string[];
  startCommand?: string;
  dependencies?: string[];
  summary?: string;
}

/** The tool the model fills for a patch (JSON Schema). */
export const PATCH_TOOL = {
  name: 'update_app',
  description: 'Change the app: give the full new content of every file you change or add, and the paths of files to delete. Leave out files that stay the same.',
  input_schema: {
    type: 'object' as const,
    properties: {
      summary: { type: 'string', description: 'One sentence on what changed.' },
      changes: {
        type: 'array',
        items: {
          type: 'object',
          properties: { path: { type: 'string' }, content: { type: 'string' } },
          required: ['path', 'content'],
        },
      },
      deletions: { type: 'array', items: { type: 'string' } },
      startCommand: { type: 'string', description: 'Only when the start command must change.' },
      dependencies: { type: 'array', items: { type: 'string' }, description: 'Only when dependencies change: the full new list.' },
    },
    required: ['changes', 'deletions'],
  },
};

/** Checks a patch's shape (from a model) and returns it typed; throws a TypeError with a clear sentence. */
/** A patch as the patch tool's input (and a stored proposal) holds it; keys in the order they are reported. */
export const PATCH_SHAPE = z.object({
  changes: z.array(FILE_SHAPE),
  deletions: z.optional(z.array(z.string())),
  startCommand: z.optional(z.unknown()),
  dependencies: z.optional(z.unknown()),
  summary: z.optional(z.unknown()),
});

function patchSentence([key, i]: ShapePath): string {
  if (key === undefined) return 'The patch must be an object.';
  if (key === 'changes') return i === undefined ? 'changes must be an array of {path, content}.' : `changes[${String(i)}] must have a string path and content.`;
  return 'deletions must be an array of paths.';
}

export function parsePatch(raw: unknown): AppPatch {
  const r = parseShape(PATCH_SHAPE, raw, patchSentence);
  const patch: AppPatch = { changes: r.changes.map((c) => ({ path: c.path, content: c.content })), deletions: r.deletions ?? [] };
  if (typeof r.startCommand === 'string' && r.startCommand.trim()) patch.startCommand = r.startCommand;
  if (Array.isArray(r.dependencies)) patch.dependencies = r.dependencies.filter((d): d is string => typeof d === 'string');
  if (typeof r.summary === 'string') patch.summary = r.summary;
  return patch;
}

/**
 * Applies a patch to a spec and validates the result. A patch touching a path outside the app (or any other
 * validation error it introduces) is refused as a whole: nothing of it is applied.
 */
export function applyPatch(spec: AppSpec, patch: AppPatch): { spec: AppSpec; findings: Finding[] } {
  const norm = (p: string) => {
    const c = checkPath(p);
    if (!c.ok) throw new SpawnError('blocked', `The change was refused: ${c.message}`);
    return c.path;
  };
  const deletions = new Set(patch.deletions.map(norm));
  const changes = new Map(patch.changes.map((f) => [norm(f.path), f.content] as const));
  const files: AppFile[] = [];
  for (const f of spec.files) {
    const p = norm(f.path);
    if (deletions.has(p)) continue;
    if (changes.has(p)) {
      files.push({ path: p, content: changes.get(p)! });
      changes.delete(p);
    } else files.push({ path: p, content: f.content });
  }
  for (const [p, content] of changes) files.push({ path: p, content });
  const next: AppSpec = {
    ...spec,
    files,
    startCommand: patch.startCommand ?? spec.startCommand,
    dependencies: patch.dependencies ?? spec.dependencies,
  };
  const findings = validateSpec(next);
  if (hasErrors(findings)) {
    const first = findings.find((f) => f.severity === 'error')!;
    throw new SpawnError('blocked', `The change was refused: ${first.message}`);
  }
  return { spec: next, findings };
}

export interface SpecDiff {
  added: string[];
  changed: string[];
  deleted: string[];
  startChanged: boolean;
  depsChanged: boolean;
}

/** Whether two dependency lists name the same packages (order does not matter; an install would do the same). */
export function sameDependencies(a: readonly string[], b: readonly string[]): boolean {
  const key = (d: readonly string[]) => [...new Set(d.map((x) => x.trim()))].sort().join('\n');
  return key(a) === key(b);
}

/** Whether `next` runs something the user has not approved in `approved`: another start command or other dependencies. */
export function changesWhatRuns(approved: Pick<AppSpec, 'startCommand' | 'dependencies'>, next: Pick<AppSpec, 'startCommand' | 'dependencies'>): boolean {
  return approved.startCommand.trim() !== next.startCommand.trim() || !sameDependencies(approved.dependencies, next.dependencies);
}

export function diffSpecs(prev: AppSpec, next: AppSpec): SpecDiff {
  const norm = (files: AppFile[]) => files.map((f) => {
    const c = checkPath(f.path);
    return { path: c.ok ? c.path : f.path, content: f.content };
  });
  return {
    ...compareFiles(norm(prev.files), norm(next.files)),
    startChanged: prev.startCommand !== next.startCommand,
    depsChanged: !sameDependencies(prev.dependencies, next.dependencies),
  };
}

const MANIFEST_FILES = new Set(['package.json', 'package-lock.json', 'requirements.txt', 'pyproject.toml']);
const SERVER_EXT = /\.(?:m?js|cjs|ts|py|json)$/;

/** Whether a changed file is code the running process has loaded (so the app must restart to see it). */
export function isServerFile(spec: AppSpec, p: string): boolean {
  if (MANIFEST_FILES.has(p)) return true;
  const startTokens = spec.startCommand.split(/\s+/).map((t) => t.replace(/^\.\//, ''));
  if (startTokens.includes(p)) return true;
  // The stack says which of its files its server loads (react: Vite's config; a webapp: none but its server).
  return stackOf(spec.appType).serverFile?.(p, spec) ?? SERVER_EXT.test(p);
}

export interface RedeployPlan {
  write: AppFile[];
  remove: string[];
  install: boolean;
  restart: boolean;
  diff: SpecDiff;
}

/**
 * The install decision, for every path that puts an app into a sandbox that already ran it (a redeploy in place, a
 * restart of a failed or stopped app): install when nothing is known to be installed there, when the declared
 * dependencies changed (and some remain), or when a react app's package.json changed (it installs from it).
 */
export function needsInstall(installed: AppSpec | undefined, next: AppSpec): boolean {
  if (!installed) return true;
  const diff = diffSpecs(installed, next);
  const manifestChanged = stackOf(next.appType).installsFromPackageJson === true && [...diff.added, ...diff.changed].includes('package.json');
  return (diff.depsChanged && next.dependencies.length > 0) || manifestChanged;
}

/** Only the changed files are written; install when needsInstall says so; restart only when the process must. */
export function planRedeploy(prev: AppSpec, next: AppSpec): RedeployPlan {
  const diff = diffSpecs(prev, next);
  const touched = new Set([...diff.added, ...diff.changed]);
  const write = next.files
    .map((f) => ({ path: (checkPath(f.path) as { path: string }).path, content: f.content }))
    .filter((f) => touched.has(f.path));
  const restart =
    diff.startChanged ||
    diff.depsChanged ||
    [...diff.added, ...diff.changed, ...diff.deleted].some((p) => isServerFile(next, p) || isServerFile(prev, p));
  return { write, remove: diff.deleted, install: needsInstall(prev, next), restart, diff };
}

/** The useful tail of a failing step's output, for a fix request. */
export function usefulTail(output: string, maxLines = 60, maxChars = 4000): string {
  const lines = output.split('\n').filter((l) => l.trim() !== '');
  let tail = lines.slice(-maxLines).join('\n');
  if (tail.length > maxChars) tail = '…' + tail.slice(-maxChars);
  return tail;
}

function filesBlock(spec: AppSpec): string {
  return spec.files.map((f) => `<file path="${f.path}">\n${f.content}\n</file>`).join('\n');
}

function specHeader(spec: AppSpec): string {
  return `App type: ${spec.appType}\nStart command: ${spec.startCommand}\nDependencies: ${spec.dependencies.join(', ') || '(none)'}\nPort: ${spec.port} (listen on $PORT when set)`;
}

/** The user turn of a refine request: the files as they are now, then the follow-up. */
export function refineMessage(spec: AppSpec, followUp: string): string {
  return `${specHeader(spec)}\n\nThe app's current files (including the user's own edits; keep them unless asked otherwise):\n${filesBlock(spec)}\n\nChange request: ${followUp}\n\nCall update_app with only the files that change, are added or are deleted.`;
}

export type FailedStep = 'install' | 'start' | 'health';

/** The user turn of a fix request: the failing step's output tail and the files. */
export function fixMessage(spec: AppSpec, step: FailedStep, output: string): string {
  return `${specHeader(spec)}\n\nThe app's current files:\n${filesBlock(spec)}\n\nThe ${step === 'install' ? 'dependency install' : step === 'start' ? 'app start' : 'health check on port ' + spec.port} failed. Its last output:\n<output>\n${usefulTail(output)}\n</output>\n\nFind the cause and call update_app with the smallest fix.`;
}

/** Caps automatic fix attempts in a row and keeps their running cost. */
export class FixLoop {
  private attemptsInRow = 0;
  private usd = 0;
  private unknownPrice = false;

  constructor(readonly cap = 2) {}

  get attempts(): number {
    return this.attemptsInRow;
  }

  /** Dollars spent in this loop so far, or null if some attempt's price was unknown. */
  get costUsd(): number | null {
    return this.unknownPrice ? null : this.usd;
  }

  canAttempt(): boolean {
    return this.attemptsInRow < this.cap;
  }

  /** Records one attempt; throws when the cap is reached. */
  record(usd: number | null): void {
    if (!this.canAttempt()) throw new SpawnError('generation.failed', `Stopped after ${this.cap} fix attempts in a row.`);
    this.attemptsInRow++;
    if (usd === null) this.unknownPrice = true;
    else this.usd += usd;
  }

  /** The app came up: the next failure starts a new loop. */
  succeeded(): void {
    this.attemptsInRow = 0;
    this.usd = 0;
    this.unknownPrice = false;
  }
}

/** How an app's next deploy goes: a new sandbox, an update of the running app, or a restart in its sandbox. */
export type DeployKind = 'first' | 'redeploy' | 'restart';

/**
 * The one rule for every front: a running app is updated in place (redeploy); a stopped one (exited, failed) is
 * restarted in place while its sandbox still exists; only without a sandbox is a new one created.
 */
export function deployKind(current: { running: boolean; sandboxExists: boolean } | undefined): DeployKind {
  if (!current || !current.sandboxExists) return 'first';
  return current.running ? 'redeploy' : 'restart';
}
