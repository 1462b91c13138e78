/**
 * The Claude generator: a prompt and an app type in, an app spec out, through the real @anthropic-ai/sdk.
 *
 * Structured output by tool use: one tool whose input_schema is the app spec, forced with tool_choice. The tool's
 * JSON is scanned while it streams (FileStreamExtractor), so `file` events go out before the response ends.
 * Loaded only by `createGenerator` via a dynamic import, so the SDK is never loaded unless Claude is used.
 */
import type Anthropic from '@anthropic-ai/sdk';
import type { ContentBlockParam, MessageParam, TextBlockParam, Tool } from '@anthropic-ai/sdk/resources/messages';
import type { CoreConfig } from '../base/config';
import { DEFAULTS } from '../base/config';
import { CancelledError, SpawnError } from '../base/errors';
import type { SpawnEvent } from '../base/events';
import { nullLogger } from '../base/events';
import { formatUsd, tokenCost, tokensText } from '../base/pricing';
import type { AppSpec } from '../app/spec';
import { FileStreamExtractor } from './fileStreamExtractor';
import { appSpecTool, patchFromToolInput, patchSystemPrompt, specFromToolInput, systemPrompt, userPrompt } from './prompts';
import type { AppPatch } from '../workspace/patch';
import type { FailedStep, PatchTurn, VerifyFailure } from './fixLoop';
import { fixTurn, refineTurn, verifyFixTurn } from './fixLoop';
import { takesImages } from './claudeModels';
import { PATCH_TOOL } from '../workspace/patch';
import { forModel } from '../base/secrets';
import type { GenerateRequest, GenerateResult, Generator, Usage } from './types';
import type { ClaudeOptions } from './claudeClient';
import { CLAUDE_DEFAULTS, createClient, StallError, toSpawnError, TruncatedStreamError } from './claudeClient';


// The app tool and its parser are shared with the other model generators (prompts.ts has no SDK).
export { appSpecTool, specFromToolInput };

export interface PatchRequest extends Pick<GenerateRequest, 'signal' | 'onEvent' | 'logger' | 'secrets'> {
  /** The app as it is now (the user's edits included). */
  spec: AppSpec;
  /**
   * The app as this app's previous refine or fix request sent it (within the cache's lifetime): sent again as the
   * same bytes, so the API reads it from the prompt cache, with what changed since after it. Default: `spec`.
   */
  base?: AppSpec;
}

export interface PatchResult {
  patch: AppPatch;
  usage: Usage;
}

/** What one streamed request produced, accumulated from the raw events (not the SDK's lenient snapshot). */
interface AttemptOutcome {
  stopReason: string | null;
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  /** The forced tool call, with its input exactly as streamed. */
  tool?: { id: string; name: string; json: string };
  text: string;
}

export class ClaudeGenerator implements Generator {
  readonly id = 'claude' as const;
  private readonly opts: Required<ClaudeOptions>;

  constructor(private readonly cfg: CoreConfig, opts: ClaudeOptions = {}) {
    if (!cfg.anthropicApiKey) {
      throw new SpawnError('generation.no_key', 'The Claude generator needs an Anthropic API key, or generate from the built-in templates.', undefined, { hint: [{ key: 'anthropic' }, { use: 'templates' }] });
    }
    this.opts = { ...CLAUDE_DEFAULTS, ...opts };
  }

  get model(): string {
    return this.cfg.model || DEFAULTS.model;
  }

  async generate(req: GenerateRequest): Promise<GenerateResult> {
    req.logger?.info(`[claude] generating a ${req.appType} with ${this.model} (max_tokens ${this.cfg.maxTokens ?? DEFAULTS.maxTokens})`);
    const { value: spec, usage, attempts, durationMs } = await this.callTool(req, {
      system: systemPrompt(req.appType),
      tool: appSpecTool(req.appType),
      user: userPrompt(req.prompt, req.appType),
      arrayKey: 'files',
      parse: (json) => specFromToolInput(json, req.appType),
      what: 'the whole app',
      format: 'app format',
    });
    (req.logger ?? nullLogger).info(`[claude] Code generated successfully: ${spec.appType} "${spec.title ?? ''}", ${spec.files.length} files, ${usage.inputTokens} input + ${usage.outputTokens} output tokens, ${formatUsd(usage.usd)}, ${usage.model}, ${durationMs} ms`, {
      appType: spec.appType,
      title: spec.title,
      files: spec.files.map((f) => f.path),
      model: usage.model,
      inputTokens: usage.inputTokens,
      outputTokens: usage.outputTokens,
      usd: usage.usd,
      durationMs,
      attempts,
    });
    return { spec, generator: 'claude', usage };
  }

  /**
   * A follow-up change to an existing app: Claude sees the current files (the user's edits included) and answers
   * with only what changes. `file` events stream for the changed files.
   */
  async refine(req: PatchRequest & { followUp: string }): Promise<PatchResult> {
    return this.patch(req, refineTurn(req.spec, req.followUp, req.base), 'refined');
  }

  /** A fix for a failed install, start or health check, from that step's output. */
  async fix(req: PatchRequest & { step: FailedStep; output: string }): Promise<PatchResult> {
    return this.patch(req, fixTurn(req.spec, req.step, req.output, req.base), 'fixed');
  }

  /** A fix for an app that runs but failed its verification: the problems, its output, the prompt and the screenshot. */
  async fixVerification(req: PatchRequest & { failure: VerifyFailure }): Promise<PatchResult> {
    return this.patch(req, verifyFixTurn(req.spec, req.failure, req.base), 'fixed');
  }

  /** Whether the model is sent the screenshot (a model that takes images). */
  get takesImages(): boolean {
    return takesImages(this.model);
  }

  private async patch(req: PatchRequest, user: PatchTurn, verb: string): Promise<PatchResult> {
    const { value: patch, usage, durationMs } = await this.callTool(req, {
      system: patchSystemPrompt(req.spec.appType),
      tool: PATCH_TOOL as Tool,
      user,
      arrayKey: 'changes',
      parse: (json, emit) => patchFromToolInput(json, req.spec, req.secrets, emit),
      what: 'the changed files',
      format: 'change format',
    });
    (req.logger ?? nullLogger).info(`[claude] App ${verb}: ${patch.changes.length} changed, ${patch.deletions.length} deleted, ${tokensText(usage)}, ${formatUsd(usage.usd)}, ${durationMs} ms`);
    return { patch, usage };
  }

  /**
   * One forced tool call, streamed, with one repair attempt when the answer has no tool call or does not parse.
   * Emits `file` events for the tool's `arrayKey` entries as they arrive and one `cost` event at the end.
   */
  private async callTool<T>(
    req: Pick<GenerateRequest, 'signal' | 'onEvent' | 'logger' | 'secrets'>,
    call: { system: string; tool: Tool; user: string | PatchTurn; arrayKey: string; parse: (json: string, emit: (e: SpawnEvent) => void) => T; what: string; format: string },
  ): Promise<{ value: T; usage: Usage; attempts: number; durationMs: number }> {
    const log = req.logger ?? nullLogger;
    const signal = req.signal;
    if (signal?.aborted) throw new CancelledError();
    // Nothing reaches the caller once it cancelled, even events the SDK had already buffered.
    const emit = (e: SpawnEvent) => {
      if (!signal?.aborted) req.onEvent?.(e);
    };
    const model = this.model;
    const maxTokens = this.cfg.maxTokens ?? DEFAULTS.maxTokens;
    const client = createClient(this.cfg, this.opts, log);
    const t0 = performance.now();
    const usage = { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 };
    const toolName = call.tool.name;
    const { system, content } = this.turn(req.secrets, call.system, call.user);
    const messages: MessageParam[] = [{ role: 'user', content }];

    const costOf = (note?: string): Usage & { note?: string } => {
      const usd = tokenCost(model, usage.inputTokens, usage.outputTokens, this.cfg.priceOverrides, usage);
      const notes = [usd === null ? 'price unknown' : undefined, note].filter(Boolean).join('; ');
      const cache = { ...(usage.cacheReadTokens ? { cacheReadTokens: usage.cacheReadTokens } : {}), ...(usage.cacheWriteTokens ? { cacheWriteTokens: usage.cacheWriteTokens } : {}) };
      return { model, inputTokens: usage.inputTokens, outputTokens: usage.outputTokens, ...cache, usd, ...(notes ? { note: notes } : {}) };
    };
    const emitCost = (note?: string) => {
      const c = costOf(note);
      emit({ event: 'cost', kind: 'generation', ...c });
      return c;
    };

    let problem = '';
    for (let attempt = 1; attempt <= 2; attempt++) {
      const outcome = await this.attempt(client, {
        model,
        max_tokens: maxTokens,
        system,
        tools: [call.tool],
        tool_choice: { type: 'tool', name: toolName },
        messages,
      }, emit, signal, toolName, call.arrayKey).catch((err: unknown) => {
        const e = toSpawnError(err, { signal, model, key: this.cfg.anthropicApiKey, baseUrl: this.cfg.anthropicBaseUrl, maxRetries: this.opts.maxRetries });
        // A repair request that fails still leaves the first request's tokens to account for.
        if (!(e instanceof CancelledError) && usage.inputTokens + usage.outputTokens > 0) emitCost('failed');
        throw e;
      });
      const { tool } = outcome;
      usage.inputTokens += outcome.inputTokens;
      usage.outputTokens += outcome.outputTokens;
      usage.cacheReadTokens += outcome.cacheReadTokens;
      usage.cacheWriteTokens += outcome.cacheWriteTokens;

      // A truncated tool call can still parse leniently into something that looks valid: check stop_reason first.
      if (outcome.stopReason === 'max_tokens') {
        emitCost('truncated');
        log.warn(`[claude] stopped at max_tokens (${maxTokens}) after ${usage.outputTokens} output tokens`);
        throw new SpawnError(
          'generation.truncated',
          `Claude stopped at the ${maxTokens}-token limit before the app was complete, so nothing was kept; retry with more tokens or ask for a smaller app.`,
          undefined,
          { hint: { setting: 'maxTokens', value: Math.min(maxTokens * 2, 64000) } },
        );
      }
      if (outcome.stopReason === 'refusal') {
        emitCost('refused');
        throw new SpawnError('generation.failed', 'Claude declined to write this app; rephrase the prompt.');
      }

      if (!tool) {
        problem = `the answer did not call the ${toolName} tool`;
        log.warn(`[claude] attempt ${attempt}: ${problem} (stop_reason ${outcome.stopReason})`);
        messages.push({ role: 'assistant', content: outcome.text.trim() || '(no answer)' });
        messages.push({ role: 'user', content: `You did not call the ${toolName} tool. Call it now, once, with ${call.what}.` });
        continue;
      }

      let value: T;
      try {
        value = call.parse(tool.json || '{}', emit);
      } catch (err) {
        if (!(err instanceof TypeError)) throw err;
        problem = err.message.replace(/\.$/, '').replace(/^The /, 'the ');
        log.warn(`[claude] attempt ${attempt}: the tool input does not match the expected format: ${problem}`);
        messages.push({ role: 'assistant', content: [{ type: 'tool_use', id: tool.id, name: tool.name, input: objectOrEmpty(tool.json) }] });
        const result: ContentBlockParam = {
          type: 'tool_result',
          tool_use_id: tool.id,
          is_error: true,
          content: `Error: ${problem}. Call ${toolName} again with ${call.what}, corrected.`,
        };
        messages.push({ role: 'user', content: [result] });
        continue;
      }
      const { note: _note, ...c } = emitCost(attempt > 1 ? 'includes one repair attempt' : undefined);
      return {
        value,
        usage: c,
        attempts: attempt,
        durationMs: Math.round(performance.now() - t0),
      };
    }
    emitCost('unusable answer');
    throw new SpawnError('generation.invalid_output', `Claude's answer did not fit the ${call.format}, even after one repair attempt (${problem}); try again or rephrase the prompt.`);
  }

  /**
   * The request's system prompt and user turn, the app's secrets redacted. A refine or fix turn is blocks: the system
   * prompt and the app's files (its loop's base) marked for the prompt cache, then what changed since, the
   * screenshot (a model that takes images) and what is asked; with the cache off, the same blocks unmarked.
   */
  private turn(secrets: GenerateRequest['secrets'], system: string, user: string | PatchTurn): { system: string | TextBlockParam[]; content: string | ContentBlockParam[] } {
    if (typeof user === 'string') {
      const text = forModel(secrets, { system, user });
      return { system: text.system, content: text.user };
    }
    const redact = (part: string) => forModel(secrets, { system: '', user: part }).user;
    const mark = this.opts.promptCache ? { cache_control: { type: 'ephemeral' as const } } : {};
    const content: ContentBlockParam[] = [{ type: 'text', text: redact(user.cached), ...mark }];
    if (user.since) content.push({ type: 'text', text: redact(user.since) });
    if (user.image && this.takesImages) content.push({ type: 'image', source: { type: 'base64', media_type: 'image/png', data: Buffer.from(user.image).toString('base64') } });
    content.push({ type: 'text', text: redact(user.ask) });
    return { system: [{ type: 'text', text: forModel(secrets, { system, user: '' }).system, ...mark }], content };
  }

  /**
   * One streamed request. It reads the SDK's raw event stream (`messages.create({stream: true})`) rather than
   * `messages.stream()`: the MessageStream helper partially parses the tool JSON itself, which hides truncation
   * and throws on invalid JSON at content_block_stop, losing stop_reason and usage with it.
   */
  private async attempt(
    client: Anthropic,
    params: Anthropic.MessageCreateParamsNonStreaming,
    emit: (e: SpawnEvent) => void,
    signal: AbortSignal | undefined,
    toolName: string,
    arrayKey: string,
  ): Promise<AttemptOutcome> {
    const stream = await client.messages.create({ ...params, stream: true }, { signal });
    const extractor = new FileStreamExtractor({
      onStarted: (f) => emit({ event: 'file', path: f.path, status: 'started' }),
      onComplete: (f) => emit({ event: 'file', path: f.path, status: 'complete', content: f.content }),
    }, arrayKey);
    const out: AttemptOutcome = { stopReason: null, inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, text: '' };
    let toolIndex = -1;
    let stopped = false;
    let stalled = false;
    let timer: NodeJS.Timeout | undefined;
    const arm = () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        stalled = true;
        stream.controller.abort();
      }, this.opts.idleTimeoutMs);
    };
    try {
      arm();
      for await (const ev of stream) {
        arm();
        if (signal?.aborted) break;
        switch (ev.type) {
          case 'message_start':
            out.inputTokens = ev.message.usage.input_tokens ?? 0;
            out.outputTokens = ev.message.usage.output_tokens ?? 0;
            out.cacheReadTokens = ev.message.usage.cache_read_input_tokens ?? 0;
            out.cacheWriteTokens = ev.message.usage.cache_creation_input_tokens ?? 0;
            break;
          case 'content_block_start':
            if (ev.content_block.type === 'tool_use' && ev.content_block.name === toolName && toolIndex < 0) {
              toolIndex = ev.index;
              out.tool = { id: ev.content_block.id, name: ev.content_block.name, json: '' };
            }
            break;
          case 'content_block_delta':
            if (ev.delta.type === 'input_json_delta' && ev.index === toolIndex && out.tool) {
              out.tool.json += ev.delta.partial_json;
              extractor.push(ev.delta.partial_json);
            } else if (ev.delta.type === 'text_delta') out.text += ev.delta.text;
            break;
          case 'message_delta':
            out.stopReason = ev.delta.stop_reason ?? out.stopReason;
            // Cumulative totals: overwrite, never add.
            out.outputTokens = ev.usage.output_tokens ?? out.outputTokens;
            if (ev.usage.input_tokens != null) out.inputTokens = ev.usage.input_tokens;
            if (ev.usage.cache_read_input_tokens != null) out.cacheReadTokens = ev.usage.cache_read_input_tokens;
            if (ev.usage.cache_creation_input_tokens != null) out.cacheWriteTokens = ev.usage.cache_creation_input_tokens;
            break;
          case 'message_stop':
            stopped = true;
            break;
          default:
            break;
        }
      }
    } catch (err) {
      if (stalled && !signal?.aborted) throw new StallError();
      throw err;
    } finally {
      clearTimeout(timer);
      // Stops the HTTP stream at once if the loop left early (cancel, error).
      if (!stopped) stream.controller.abort();
    }
    // An abort ends the SDK's iterator quietly; tell the three endings apart.
    if (signal?.aborted) throw new CancelledError();
    if (stalled) throw new StallError();
    if (!stopped) throw new TruncatedStreamError();
    return out;
  }
}

/** The tool input as an object for the repair turn's echo of the call; `{}` when it does not parse. */
function objectOrEmpty(json: string): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(json);
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

