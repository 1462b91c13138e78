/** The generator interface: a prompt and an app type in, an app spec out, streaming files as they are known. */
import type { AppSpec, AppType } from '../app/spec';
import type { EventSink, Logger } from '../base/events';
import type { AppSecrets } from '../base/secrets';

export type GeneratorId = 'templates' | 'claude' | 'vscode-lm';

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
