/** The generator interface: a prompt and an app type in, an app spec out, streaming files as they are known. */
import type { AppSpec, AppType } from '../app/spec';
import type { EventSink, Logger } from '../base/events';
import type { AppSecrets } from '../base/secrets';

/**
 * Every generator, in one table: its id and whether it needs a model the front supplies (VS Code's language models:
 * a headless front such as the CLI cannot offer it). `index.ts` makes one from a choice.
 */
export const GENERATORS = {
  claude: { label: 'Claude', frontModel: false },
  'vscode-lm': { label: 'a VS Code chat model', frontModel: true },
  templates: { label: 'the built-in templates', frontModel: false },
} as const satisfies Record<string, { label: string; frontModel: boolean }>;

export type GeneratorId = keyof typeof GENERATORS;

export const GENERATOR_IDS = Object.keys(GENERATORS) as GeneratorId[];

export interface GenerateRequest {
  prompt: string;
  appType: AppType;
  signal?: AbortSignal;
  /** Receives `file` events as soon as each path, then each full content, is known; and `cost`. */
  onEvent?: EventSink;
  logger?: Logger;
  /** The app's secrets: the model is told their names only; their values are redacted from what it is sent. */
  secrets?: AppSecrets;
}

export interface Usage {
  model: string;
  inputTokens: number;
  outputTokens: number;
  /** Prompt-cache reads and writes (refine and fix requests), when there were any: not part of inputTokens. */
  cacheReadTokens?: number;
  cacheWriteTokens?: number;
  usd: number | null;
}

export interface GenerateResult {
  spec: AppSpec;
  generator: GeneratorId;
  usage?: Usage;
}

export interface Generator {
  readonly id: GeneratorId;
  generate(req: GenerateRequest): Promise<GenerateResult>;
}
