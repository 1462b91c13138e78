/** Picks a generator. The Claude generator (and its SDK) is loaded only when used. */
import type { CoreConfig } from '../config';
import { SpawnError } from '../errors';
import type { Generator, GeneratorId } from './types';
import { TemplateGenerator } from './templates';

export type GeneratorChoice = GeneratorId | 'auto';

export function resolveGeneratorId(choice: GeneratorChoice, cfg: CoreConfig): GeneratorId {
  if (choice === 'auto') return cfg.anthropicApiKey ? 'claude' : 'templates';
  return choice;
}

export async function createGenerator(choice: GeneratorChoice, cfg: CoreConfig): Promise<Generator> {
  const id = resolveGeneratorId(choice, cfg);
  if (id === 'templates') return new TemplateGenerator();
  if (!cfg.anthropicApiKey) {
    throw new SpawnError('generation.no_key', 'The Claude generator needs an Anthropic API key, or generate from the built-in templates.', undefined, { hint: [{ key: 'anthropic' }, { use: 'templates' }] });
  }
  const { ClaudeGenerator } = await import('./claude');
  return new ClaudeGenerator(cfg);
}
