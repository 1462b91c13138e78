/**
 * The chat models VS Code already has (Copilot's, or any extension's provider) as a Spawn App generator:
 * `vscode.lm.selectChatModels` to find them, `sendRequest` with the app tool and `toolMode: Required` to use
 * them. VS Code asks the user once whether Spawn App may use a model (its consent dialog, shown with our
 * justification on the first request); a refusal falls back to the built-in templates with one sentence.
 */
import * as vscode from 'vscode';
import type { ChatModel, ChatPart, ChatTurn } from '../../core/generate/chatModelGenerator';
import { CancelledError, SpawnError } from '../../core/base/errors';

/** What Spawn App needs from `vscode.lm` (the real one; tests in a newer VS Code register a fake provider). */
export interface ChatModelSource {
  /** The model to generate with: the one named by `spawnApp.chatModel` when set and present, else the first; none when VS Code has none. */
  model(): Promise<ChatModel | undefined>;
  /** Every chat model VS Code offers, for **Select Model…**. */
  list(): Promise<{ id: string; name: string; vendor: string; family: string }[]>;
}

/** One VS Code chat model as the core's ChatModel. */
export class VscodeChatModel implements ChatModel {
  constructor(private readonly chat: vscode.LanguageModelChat) {}

  get id(): string {
    return this.chat.id;
  }

  get name(): string {
    return this.chat.name;
  }

  get vendor(): string {
    return this.chat.vendor;
  }

  async *send(turn: ChatTurn): AsyncIterable<ChatPart> {
    const cts = new vscode.CancellationTokenSource();
    const onAbort = () => cts.cancel();
    turn.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      // VS Code's chat API has no system role: the instructions lead the user message.
      const response = await this.chat.sendRequest(
        [vscode.LanguageModelChatMessage.User(`${turn.system}\n\n${turn.user}`)],
        {
          justification: vscode.l10n.t('Spawn App uses this model to write the app you described.'),
          tools: [{ name: turn.tool.name, description: turn.tool.description, inputSchema: turn.tool.input_schema }],
          toolMode: vscode.LanguageModelChatToolMode.Required,
        },
        cts.token,
      );
      for await (const part of response.stream) {
        if (part instanceof vscode.LanguageModelTextPart) yield { kind: 'text', value: part.value };
        else if (part instanceof vscode.LanguageModelToolCallPart) yield { kind: 'toolCall', name: part.name, input: part.input };
      }
    } catch (err) {
      if (turn.signal?.aborted || err instanceof vscode.CancellationError) throw new CancelledError();
      throw toSpawnError(err, this.chat.name);
    } finally {
      turn.signal?.removeEventListener('abort', onAbort);
      cts.dispose();
    }
  }
}

/** A language-model error as one sentence with a stable code. */
export function toSpawnError(err: unknown, model: string): SpawnError {
  if (err instanceof SpawnError) return err;
  if (err instanceof vscode.LanguageModelError) {
    if (err.code === vscode.LanguageModelError.NoPermissions.name) {
      return new SpawnError('generation.auth', vscode.l10n.t('Spawn App may not use {0}: permission to use the model was not given.', model), undefined, { cause: err });
    }
    if (err.code === vscode.LanguageModelError.Blocked.name) {
      return new SpawnError('generation.rate_limited', vscode.l10n.t('{0} refused the request for now (blocked or over its limit); try again later.', model), undefined, { cause: err });
    }
    if (err.code === vscode.LanguageModelError.NotFound.name) {
      return new SpawnError('generation.failed', vscode.l10n.t('The model {0} is no longer available.', model), undefined, { cause: err });
    }
  }
  const msg = err instanceof Error ? err.message : String(err);
  return new SpawnError('generation.failed', vscode.l10n.t('{0} failed: {1}', model, msg.split('\n')[0] ?? msg), undefined, { cause: err });
}

/** `vscode.lm` as a ChatModelSource; guards the API for hosts without it. */
export class VscodeLanguageModels implements ChatModelSource {
  constructor(private readonly preferred: () => string) {}

  private async all(): Promise<vscode.LanguageModelChat[]> {
    if (typeof vscode.lm?.selectChatModels !== 'function') return [];
    try {
      return await vscode.lm.selectChatModels();
    } catch {
      return [];
    }
  }

  async model(): Promise<ChatModel | undefined> {
    const models = await this.all();
    const want = this.preferred();
    const chosen = (want && models.find((m) => m.id === want)) || models[0];
    return chosen ? new VscodeChatModel(chosen) : undefined;
  }

  async list(): Promise<{ id: string; name: string; vendor: string; family: string }[]> {
    return (await this.all()).map((m) => ({ id: m.id, name: m.name, vendor: m.vendor, family: m.family }));
  }
}
