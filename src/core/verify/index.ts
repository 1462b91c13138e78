/**
 * Verification: after the health check, is the app actually working? A web page (webapp, react, a script's report,
 * an api's index) is loaded in a headless browser found on this machine; the requests an app declares (`checks`)
 * are sent. Without a browser, only the HTTP checks run, and the result says how to get the full check.
 */
import { CancelledError } from '../base/errors';
import type { AppSpec } from '../app/spec';
import { BrowserHost } from './browser';
import type { BrowserLookup } from './findBrowser';
import { findBrowser, HOW_TO_GET_A_BROWSER } from './findBrowser';
import { checkIndex, runChecks } from './httpChecks';
import type { VerifyProblem, VerifyResult } from '../base/verification';

export type { VerifyProblem, VerifyResult, VerifyState, Screenshots, ProblemKind } from '../base/verification';
export { formatProblem, NOT_CHECKED, verifyLines, verifySummary, verifyWord } from '../base/verification';
export { findBrowser, HOW_TO_GET_A_BROWSER } from './findBrowser';

export interface VerifierOptions {
  /** The browser to use (the setting `spawnApp.browserPath`, `SPAWN_APP_BROWSER`); else one is looked for. */
  browserPath?: string;
  env?: NodeJS.ProcessEnv;
}

export interface VerifyRequest {
  url: string;
  spec: Pick<AppSpec, 'appType' | 'checks'>;
  signal?: AbortSignal;
  /** The whole check's bound; default 20 s. */
  timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 20_000;

let shared: Verifier | undefined;

/**
 * The process's verifier for a deploy that names none (a browser found on the machine). The fronts pass their own
 * (with the user's browser path) and close it; this one's browser ends with the process.
 */
export function sharedVerifier(): Verifier {
  return (shared ??= new Verifier());
}

/** Checks deployed apps; holds the one browser of its owner (a window, a CLI or MCP process) until `close()`. */
export class Verifier {
  private lookup?: BrowserLookup;
  private host?: BrowserHost;

  constructor(private readonly opts: VerifierOptions = {}) {}

  /** The browser found (looked for once), or why there is none. */
  browser(): BrowserLookup {
    return (this.lookup ??= findBrowser({ browserPath: this.opts.browserPath, env: this.opts.env }));
  }

  /** Whether the browser already runs (the next check pays no start-up). */
  get warm(): boolean {
    return this.host?.warm ?? false;
  }

  async verify(req: VerifyRequest): Promise<VerifyResult> {
    if (req.signal?.aborted) throw new CancelledError();
    const t0 = performance.now();
    const bound = new AbortController();
    const timer = setTimeout(() => bound.abort(), req.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    const onAbort = () => bound.abort();
    req.signal?.addEventListener('abort', onAbort, { once: true });
    const ms = () => Math.round(performance.now() - t0);
    try {
      const found = this.browser();
      const checks = req.spec.checks ?? [];
      const [page, declared] = await Promise.all([
        found.path ? this.pageCheck(found.path, req.url, bound.signal) : undefined,
        runChecks(req.url, checks, bound.signal),
      ]);
      if (req.signal?.aborted) throw new CancelledError();
      if (page && !('failed' in page)) {
        const problems = [...page.problems, ...declared];
        return { state: problems.length ? 'problems' : 'verified', problems, title: page.title, screenshots: page.screenshots, ms: ms() };
      }
      const problems = [...(await checkIndex(req.url, req.spec.appType, bound.signal)), ...declared];
      const note = page ? `${page.failed} Only the HTTP checks ran.` : `${found.reason} Only the HTTP checks ran. ${HOW_TO_GET_A_BROWSER}`;
      return { state: problems.length ? 'problems' : 'http-only', problems, ms: ms(), note };
    } catch (err) {
      if (req.signal?.aborted) throw new CancelledError();
      if (!bound.signal.aborted) throw err;
      const timeout: VerifyProblem = { kind: 'load', message: `The check did not finish within ${Math.round((req.timeoutMs ?? DEFAULT_TIMEOUT_MS) / 1000)} s.` };
      return { state: 'problems', problems: [timeout], ms: ms() };
    } finally {
      clearTimeout(timer);
      req.signal?.removeEventListener('abort', onAbort);
    }
  }

  /** The browser's check, or why the browser could not be used (then the HTTP checks stand in). */
  private async pageCheck(path: string, url: string, signal: AbortSignal) {
    this.host ??= new BrowserHost(path);
    try {
      return await this.host.check(url, { signal });
    } catch (err) {
      if (signal.aborted) throw err;
      return { failed: `The browser at ${path} could not be used (${(err as Error).message.split('\n')[0]}).` };
    }
  }

  /** Starts the browser ahead of a check (no-op without one). */
  async warmUp(): Promise<void> {
    const found = this.browser();
    if (!found.path) return;
    this.host ??= new BrowserHost(found.path);
    await this.host.start().catch(() => undefined);
  }

  /** Closes the browser (the owner's dispose / exit). */
  async close(): Promise<void> {
    await this.host?.close();
  }
}
