/**
 * The capped fix loop and the messages of a refine or fix: the model always sees the files as they are now (the
 * user's edits included) and answers with only what changes.
 */
import { SpawnError } from '../base/errors';
import type { AppSpec } from '../app/spec';
import type { VerifyProblem } from '../base/verification';
import { formatProblem } from '../base/verification';
import { cacheMinTokens } from '../base/pricing';

/** The useful tail of a failing step's output, for a fix request. */
export function usefulTail(output: string, maxLines = 60, maxChars = 4000): string {
  const lines = output.split('\n').filter((l) => l.trim() !== '');
  let tail = lines.slice(-maxLines).join('\n');
  if (tail.length > maxChars) tail = '…' + tail.slice(-maxChars);
  return tail;
}

function filesBlock(files: AppSpec['files']): string {
  return files.map((f) => `<file path="${f.path}">\n${f.content}\n</file>`).join('\n');
}

function specHeader(spec: AppSpec): string {
  return `App type: ${spec.appType}\nStart command: ${spec.startCommand}\nDependencies: ${spec.dependencies.join(', ') || '(none)'}\nPort: ${spec.port} (listen on $PORT when set)`;
}

/**
 * One refine or fix turn, split for the prompt cache: `cached` is the app as the first request of a loop sent it
 * (its `base`: the same bytes every round, so the API reads them from the cache), `since` what changed after that
 * (the current content wins), `ask` what is asked now, and `image` the screenshot for a model that takes images.
 */
export interface PatchTurn {
  cached: string;
  since?: string;
  ask: string;
  image?: Uint8Array;
}

/** The app's files for a turn: the base's, then what changed since the base (nothing when it is the base). */
function filesParts(spec: AppSpec, base: AppSpec, intro: string): Pick<PatchTurn, 'cached' | 'since'> {
  const cached = `${specHeader(base)}\n\n${intro}\n${filesBlock(base.files)}`;
  const before = new Map(base.files.map((f) => [f.path, f.content] as const));
  const now = new Set(spec.files.map((f) => f.path));
  const changed = spec.files.filter((f) => before.get(f.path) !== f.content);
  const deleted = base.files.filter((f) => !now.has(f.path)).map((f) => f.path);
  const header = specHeader(spec) !== specHeader(base) ? `${specHeader(spec)}\n` : '';
  if (!changed.length && !deleted.length && !header) return { cached };
  const parts = [`Since then the app changed (this wins over the files above):`, header.trimEnd(), changed.length ? filesBlock(changed) : '', deleted.length ? `Deleted: ${deleted.join(', ')}` : ''];
  return { cached, since: parts.filter(Boolean).join('\n') };
}

/** A turn as one text (a model without the cache or images: the chat models). */
export function turnText(t: PatchTurn): string {
  return [t.cached, t.since, t.ask].filter(Boolean).join('\n\n');
}

const CURRENT = "The app's current files (including the user's own edits; keep them unless asked otherwise):";

/** A refine turn: the files as they are now (`base`: as this app's last request sent them), then the follow-up. */
export function refineTurn(spec: AppSpec, followUp: string, base: AppSpec = spec): PatchTurn {
  return { ...filesParts(spec, base, CURRENT), ask: `Change request: ${followUp}\n\nCall update_app with only the files that change, are added or are deleted.` };
}

/** The user turn of a refine request: the files as they are now, then the follow-up. */
export function refineMessage(spec: AppSpec, followUp: string): string {
  return turnText(refineTurn(spec, followUp));
}

export type FailedStep = 'install' | 'start' | 'health';

/** A fix turn for a failed install, start or health check: the failing step's output tail and the files. */
export function fixTurn(spec: AppSpec, step: FailedStep, output: string, base: AppSpec = spec): PatchTurn {
  const what = step === 'install' ? 'dependency install' : step === 'start' ? 'app start' : 'health check on port ' + spec.port;
  return { ...filesParts(spec, base, "The app's current files:"), ask: `The ${what} failed. Its last output:\n<output>\n${usefulTail(output)}\n</output>\n\nFind the cause and call update_app with the smallest fix.` };
}

/** The user turn of a fix request: the failing step's output tail and the files. */
export function fixMessage(spec: AppSpec, step: FailedStep, output: string): string {
  return turnText(fixTurn(spec, step, output));
}

/** What a failed verification found, for a fix request (core/verify's result and the app's own output). */
export interface VerifyFailure {
  /** What the user asked for (the generation's prompt), when known: the app may run and still show the wrong thing. */
  prompt?: string;
  problems: readonly VerifyProblem[];
  /** The page's title, when it had one. */
  title?: string;
  /** The app's own last output (its server's console). */
  output: string;
  /** The 1280×800 screenshot (PNG), for a model that takes images. */
  screenshot?: Uint8Array;
}

const FAILED_REQUESTS: ReadonlySet<string> = new Set(['request', 'http', 'check', 'load']);

/** A fix turn after a failed verification: what the user asked for, the problems by kind, the app's output, the picture. */
export function verifyFixTurn(spec: AppSpec, v: VerifyFailure, base: AppSpec = spec): PatchTurn {
  const line = (p: VerifyProblem) => `- ${formatProblem(p)}`;
  const page = v.problems.filter((p) => !FAILED_REQUESTS.has(p.kind));
  const requests = v.problems.filter((p) => FAILED_REQUESTS.has(p.kind));
  const ask = [
    v.prompt ? `The user asked for: ${v.prompt.trim()}` : '',
    `The app was deployed and runs, but opening it in a headless browser (1280×800) found problems${v.title ? ` (page title "${v.title}")` : ''}.`,
    page.length ? `In the page (uncaught exceptions, console errors, what it shows):\n${page.map(line).join('\n')}` : '',
    requests.length ? `Failing requests:\n${requests.map(line).join('\n')}` : '',
    `The app's own last output:\n<output>\n${usefulTail(v.output) || '(none)'}\n</output>`,
    v.screenshot ? 'The screenshot of the page is attached: check that it shows what the user asked for.' : '',
    'Find the cause and call update_app with the smallest fix that makes the page work and show what was asked for.',
  ];
  return { ...filesParts(spec, base, "The app's current files:"), ask: ask.filter(Boolean).join('\n\n'), ...(v.screenshot ? { image: v.screenshot } : {}) };
}

/**
 * Which app a refine or fix request sends first, for the prompt cache: the app as the previous request of this app
 * sent it, while the API keeps it (5 minutes after its last use) and what changed since is at most half of it (then
 * only the change is new input); else the app as it is now (a new base). An app below the model's cache minimum is
 * never cached: it is sent as it is now, with no change part.
 */
export class PromptCacheBase {
  private last?: { spec: AppSpec; at: number };

  constructor(
    private readonly ttlMs = 5 * 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** `model`: the model the request goes to (its cache minimum); left out, any app may be a base. */
  for(spec: AppSpec, model?: string): AppSpec {
    const at = this.now();
    const prev = this.last;
    const size = (files: AppSpec['files']) => files.reduce((n, f) => n + f.content.length, 0);
    // ~4 characters a token; the system prompt and tools add about a thousand more to the cached prefix.
    if (model !== undefined && size(spec.files) / 4 + 1000 < cacheMinTokens(model)) {
      this.last = undefined;
      return spec;
    }
    let base = spec;
    if (prev && at - prev.at < this.ttlMs && prev.spec.appType === spec.appType) {
      const before = new Map(prev.spec.files.map((f) => [f.path, f.content] as const));
      if (size(spec.files.filter((f) => before.get(f.path) !== f.content)) <= size(prev.spec.files) / 2) base = prev.spec;
    }
    this.last = { spec: base, at };
    return base;
  }
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
