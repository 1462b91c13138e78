/** Picks a generator. The Claude generator (and its SDK) is loaded only when used. */
import type { CoreConfig } from '../base/config';
import { SpawnError } from '../base/errors';
import type { ChatModel } from './chatModelGenerator';
import { ChatModelGenerator } from './chatModelGenerator';
import type { Generator, GeneratorId } from './types';
import { GENERATOR_IDS, GENERATORS } from './types';
import { TemplateGenerator } from './templates';

export type GeneratorChoice = GeneratorId | 'auto';

/** The choices a front offers: 'auto' and every generator (`withFrontModel` false: those that need no model of the front's). */
export function generatorChoices(withFrontModel: boolean): GeneratorChoice[] {
  return ['auto', ...GENERATOR_IDS.filter((id) => withFrontModel || !GENERATORS[id].frontModel)];
}

/**
 * `auto`: Claude with an Anthropic key; else a chat model the front has (VS Code's language models), when there
 * is one; else the built-in templates.
 */
export function resolveGeneratorId(choice: GeneratorChoice, cfg: CoreConfig, hasChatModel = false): GeneratorId {
  if (choice === 'auto') return cfg.anthropicApiKey ? 'claude' : hasChatModel ? 'vscode-lm' : 'templates';
  return choice;
}

/** `chatModel`: the front's chat model, for `vscode-lm` (and `auto` without a key). */
export async function createGenerator(choice: GeneratorChoice, cfg: CoreConfig, chatModel?: ChatModel): Promise<Generator> {
  const id = resolveGeneratorId(choice, cfg, chatModel !== undefined);
  if (id === 'templates') return new TemplateGenerator();
  if (id === 'vscode-lm') {
    if (!chatModel) throw new SpawnError('generation.no_key', 'No chat model is available in VS Code (sign in to a model provider such as GitHub Copilot), or choose another generator.');
    return new ChatModelGenerator(chatModel);
  }
  if (!cfg.anthropicApiKey) {
    throw new SpawnError('generation.no_key', 'The Claude generator needs an Anthropic API key, or generate from the built-in templates.', undefined, { hint: [{ key: 'anthropic' }, { use: 'templates' }] });
  }
  const { ClaudeGenerator } = await import('./claude');
  return new ClaudeGenerator(cfg);
}
