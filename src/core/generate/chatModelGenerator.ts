/**
 * A generator over any chat model that can be forced to call one tool and streams its answer in parts (VS Code's
 * language models are the first: src/vscode/generate/vscodeLanguageModels.ts adapts them). The same prompts, the same
 * tools, the same stream extractor (file events while the answer arrives) and the same validation as the Claude
 * generator; the price is whatever the model's owner charges ("included in your plan"), never a number here.
 */
import { CancelledError, SpawnError, throwIfAborted } from '../base/errors';
import type { Logger, SpawnEvent } from '../base/events';
import { nullLogger } from '../base/events';
import type { AppPatch } from '../workspace/patch';
import type { FailedStep } from './fixLoop';
import type { VerifyFailure } from './fixLoop';
import { fixMessage, refineMessage, turnText, verifyFixTurn } from './fixLoop';
import { PATCH_TOOL } from '../workspace/patch';
import type { AppSpec } from '../app/spec';
import { FileStreamExtractor } from './fileStreamExtractor';
import type { ToolSpec } from './prompts';
import { forModel } from '../base/secrets';
import { appSpecTool, patchFromToolInput, patchSystemPrompt, specFromToolInput, systemPrompt, userPrompt } from './prompts';
import type { GenerateRequest, GenerateResult, Generator, Usage } from './types';

/** One piece of a streamed answer. */
export type ChatPart = { kind: 'text'; value: string } | { kind: 'toolCall'; name: string; input: unknown };

export interface ChatTurn {
  /** Instructions (models without a system role get them at the top of the user message). */
  system: string;
  user: string;
  /** The one tool the model must call. */
  tool: ToolSpec;
  signal?: AbortSignal;
}

/** A chat model as this generator needs it. */
export interface ChatModel {
  /** e.g. `copilot/claude-sonnet-4`. */
  readonly id: string;
  /** e.g. "Claude Sonnet 4"; shown to the user. */
  readonly name: string;
  /** e.g. "copilot"; shown to the user. */
  readonly vendor: string;
  /** Sends one request that must answer with a call of `turn.tool`; yields the answer's parts as they arrive. */
  send(turn: ChatTurn): AsyncIterable<ChatPart>;
}

/** What the cost line says for these models. */
export const INCLUDED_IN_PLAN = 'included in your plan';

/**
 * Reads one streamed answer: text parts and the tool call's JSON go through the stream extractor (so `file`
 * events go out as early as the model allows), and the tool's input is returned as JSON text for the parser.
 */
export async function collectToolCall(parts: AsyncIterable<ChatPart>, toolName: string, arrayKey: string, emit: (e: SpawnEvent) => void, signal?: AbortSignal): Promise<string> {
  const extractor = new FileStreamExtractor(
    {
      onStarted: (f) => emit({ event: 'file', path: f.path, status: 'started' }),
      onComplete: (f) => emit({ event: 'file', path: f.path, status: 'complete', content: f.content }),
    },
    arrayKey,
  );
  let text = '';
  let textIsJson = false;
  let call: string | undefined;
  for await (const part of parts) {
    throwIfAborted(signal);
    if (part.kind === 'text') {
      text += part.value;
      // Some models write the tool's JSON as text; stream it so its files show up while it arrives.
      if (textIsJson) extractor.push(part.value);
      else if (call === undefined && /^\s*\{/.test(text)) {
        textIsJson = true;
        extractor.push(text.trimStart());
      }
    } else if (part.name === toolName && call === undefined) {
      call = typeof part.input === 'string' ? part.input : JSON.stringify(part.input ?? {});
      if (extractor.length === 0) extractor.push(call);
    }
  }
  throwIfAborted(signal);
  if (call !== undefined) return call;
  if (/^\s*\{/.test(text)) return text.trim();
  throw new SpawnError('generation.invalid_output', `The model answered without calling ${toolName}${text.trim() ? `: "${text.trim().slice(0, 120)}"` : ''}.`);
}

export interface ChatPatchRequest extends Pick<GenerateRequest, 'signal' | 'onEvent' | 'logger' | 'secrets'> {
  spec: AppSpec;
}

export class ChatModelGenerator implements Generator {
  readonly id = 'vscode-lm' as const;

  constructor(readonly model: ChatModel) {}

  async generate(req: GenerateRequest): Promise<GenerateResult> {
    const { value: spec, usage } = await this.turn(req, {
      system: systemPrompt(req.appType),
      user: userPrompt(req.prompt, req.appType),
      tool: appSpecTool(req.appType),
      arrayKey: 'files',
      parse: (json) => specFromToolInput(json, req.appType),
    });
    (req.logger ?? nullLogger).info(`[vscode-lm] ${this.model.name} (${this.model.vendor}) wrote ${spec.appType} "${spec.title ?? ''}", ${spec.files.length} files`);
    return { spec, generator: this.id, usage };
  }

  async refine(req: ChatPatchRequest & { followUp: string }): Promise<{ patch: AppPatch; usage: Usage }> {
    return this.patch(req, refineMessage(req.spec, req.followUp));
  }

  async fix(req: ChatPatchRequest & { step: FailedStep; output: string }): Promise<{ patch: AppPatch; usage: Usage }> {
    return this.patch(req, fixMessage(req.spec, req.step, req.output));
  }

  /** A fix for an app that failed its verification: the problems, its output and the prompt, as text (no image). */
  async fixVerification(req: ChatPatchRequest & { failure: VerifyFailure }): Promise<{ patch: AppPatch; usage: Usage }> {
    return this.patch(req, turnText(verifyFixTurn(req.spec, { ...req.failure, screenshot: undefined })));
  }

  private async patch(req: ChatPatchRequest, user: string): Promise<{ patch: AppPatch; usage: Usage }> {
    const { value, usage } = await this.turn(req, {
      system: patchSystemPrompt(req.spec.appType),
      user,
      tool: PATCH_TOOL as ToolSpec,
      arrayKey: 'changes',
      parse: (json, emit) => patchFromToolInput(json, req.spec, req.secrets, emit),
    });
    return { patch: value, usage };
  }

  private async turn<T>(
    req: Pick<GenerateRequest, 'signal' | 'onEvent' | 'logger' | 'secrets'>,
    t: { system: string; user: string; tool: ToolSpec; arrayKey: string; parse: (json: string, emit: (e: SpawnEvent) => void) => T },
  ): Promise<{ value: T; usage: Usage }> {
    const emit = req.onEvent ?? (() => undefined);
    const logger: Logger = req.logger ?? nullLogger;
    throwIfAborted(req.signal);
    const text = forModel(req.secrets, t);
    const json = await collectToolCall(this.model.send({ system: text.system, user: text.user, tool: t.tool, signal: req.signal }), t.tool.name, t.arrayKey, emit, req.signal);
    if (req.signal?.aborted) throw new CancelledError();
    let value: T;
    try {
      value = t.parse(json, emit);
    } catch (err) {
      logger.warn(`[vscode-lm] ${this.model.name} answered with an invalid ${t.tool.name} call: ${err instanceof Error ? err.message : String(err)}`);
      throw new SpawnError('generation.invalid_output', `${this.model.name} answered in a form Spawn App cannot use: ${err instanceof Error ? err.message : String(err)}`);
    }
    const usage: Usage = { model: this.model.name, inputTokens: 0, outputTokens: 0, usd: null };
    emit({ event: 'cost', kind: 'generation', model: this.model.name, usd: null, note: INCLUDED_IN_PLAN });
    return { value, usage };
  }
}
