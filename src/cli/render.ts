/**
 * How the CLI shows a session's progress: JSON lines on stdout with --json, else short human lines on stderr (the
 * app's URL on stdout). Every string passes the session's redaction (the app's secrets) before it is printed.
 */
import { formatUsd, tokensText } from '../core/base/pricing';
import type { SessionEvent } from '../core/session';
import { formatFinding, formatProblem } from '../core/session';

export interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
}

export class Renderer {
  /** Replaced by the session's redaction once the session exists. */
  redact: (s: string) => string = (s) => s;
  /** A deploy reached `ready` (a stop after it, while the app is verified, is a stop like one while it is served). */
  ready = false;

  constructor(
    private readonly io: Io,
    readonly json: boolean,
  ) {}

  /** A line for a person (stderr), left out with --json; redacted like every other line (it may quote the model). */
  say(line: string): void {
    if (!this.json) this.io.err(this.redact(line));
  }

  private budgetNote(status: 'warning' | 'reached', message: string, spent: string): void {
    if (this.json) this.io.out(JSON.stringify({ event: 'budget', status, message, spent }));
    else this.io.err(`${status === 'warning' ? 'Warning' : 'Budget'}: ${message}`);
  }

  private redacted(raw: SessionEvent): SessionEvent {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(raw)) out[k] = typeof v === 'string' ? this.redact(v) : v;
    return out as SessionEvent;
  }

  emit = (raw: SessionEvent): void => {
    const e = this.redacted(raw);
    if (e.event === 'ready') this.ready = true;
    switch (e.event) {
      case 'budget':
        // At the cap a billed sandbox is paused: the CLI says how to delete it.
        if (e.status === 'paused') this.budgetNote('reached', e.message.replace(/\.$/, ` (delete it with: spawn-app destroy ${e.sandboxId}).`), e.spent);
        else this.budgetNote(e.status, e.message, e.spent);
        return;
      case 'notice':
      case 'warning':
        this.say(e.event === 'warning' ? `Warning: ${e.message}` : e.message);
        return;
      case 'isolation': {
        const { words, ...iso } = e;
        if (this.json) this.io.out(JSON.stringify(iso));
        else this.io.err(`• local runner: ${words}`);
        return;
      }
      case 'prewarm':
        if (this.json) this.io.out(JSON.stringify(e));
        else if (e.status === 'ready') this.io.err(`• pre-warmed E2B sandbox ${e.sandboxId} in ${e.durationMs} ms (nothing runs in it until the deploy)`);
        else if (e.status === 'discarded') this.io.err(`• pre-warmed sandbox ${e.sandboxId ?? '(being created)'} killed (${e.reason})`);
        else this.io.err(`• pre-warm failed (${e.message}); the deploy creates its own sandbox`);
        return;
    }
    if (this.json) {
      // File contents stay out of the event stream (they are written to disk or shown in the editor).
      this.io.out(JSON.stringify(e.event === 'file' ? { event: 'file', path: e.path, status: e.status, ...(e.content !== undefined ? { bytes: Buffer.byteLength(e.content) } : {}) } : e));
      return;
    }
    switch (e.event) {
      case 'file':
        if (e.status === 'complete') this.io.err(`  + ${e.path}`);
        break;
      case 'finding':
        this.io.err(`  ${formatFinding(e)}`);
        break;
      case 'phase':
        if (e.status === 'started') this.io.err(`• ${e.phase}…`);
        else if (e.status === 'skipped') this.io.err(`• ${e.phase} skipped (${e.detail ?? ''})`);
        else if (e.status === 'failed') this.io.err(`✗ ${e.phase} failed`);
        break;
      case 'log':
        this.io.err(`  ${e.source === 'install' ? '[install]' : '[app]'} ${e.line}`);
        break;
      case 'ready':
        this.io.err(`✓ ready in ${e.durationMs ?? '?'} ms (${e.provider} sandbox ${e.sandboxId})`);
        this.io.out(e.url);
        break;
      case 'verify':
        if (e.status === 'started') this.io.err('• verify…');
        else if (e.state === 'verified') this.io.err(`✓ verified (${e.ms} ms)${e.title ? ` — "${e.title}"` : ''}`);
        else {
          if (e.problems.length) this.io.err(`✗ verification found ${e.problems.length} problem${e.problems.length === 1 ? '' : 's'} (${e.ms} ms):`);
          else this.io.err(`✓ HTTP checks passed (${e.ms} ms)`);
          for (const p of e.problems) this.io.err(`  - ${formatProblem(p)}`);
          if (e.note) this.io.err(`  ${e.note}`);
        }
        break;
      case 'cost':
        if (e.kind === 'generation') this.io.err(`  ${e.model}: ${tokensText({ inputTokens: e.inputTokens ?? 0, outputTokens: e.outputTokens ?? 0, cacheReadTokens: e.cacheReadTokens, cacheWriteTokens: e.cacheWriteTokens })}, ${formatUsd(e.usd)}`);
        break;
      case 'fix':
        if (e.status === 'started') this.io.err(`• fix round ${e.round} of ${e.rounds}: asking Claude…`);
        else if (e.status === 'finished') this.io.err(`${e.state === 'problems' ? '✗' : '✓'} fix round ${e.round}: ${e.summary || 'changed'} (${e.paths.join(', ')}; ${formatUsd(e.usd)}${e.round > 1 ? `, ${formatUsd(e.totalUsd)} so far` : ''})`);
        else this.io.err(`✗ ${e.message}`);
        break;
    }
  };
}
