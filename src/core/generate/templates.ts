/** The offline generator: built-in apps chosen from the prompt, streamed file by file like a model would. */
import { throwIfAborted } from '../base/errors';
import type { GenerateRequest, GenerateResult, Generator } from './types';
import { templateSpec } from '../stacks';

export class TemplateGenerator implements Generator {
  readonly id = 'templates' as const;

  async generate(req: GenerateRequest): Promise<GenerateResult> {
    throwIfAborted(req.signal);
    const spec = templateSpec(req.appType, req.prompt);
    for (const file of spec.files) {
      throwIfAborted(req.signal);
      req.onEvent?.({ event: 'file', path: file.path, status: 'started' });
      req.onEvent?.({ event: 'file', path: file.path, status: 'complete', content: file.content });
    }
    req.logger?.info(`[templates] generated ${spec.appType} "${spec.title}" (${spec.files.length} files)`);
    return { spec, generator: 'templates' };
  }
}

/** The name of the built-in template that stands in for a prompt ("calculator", "todo list", "notes API", …). */
export function templateNameFor(appType: GenerateRequest['appType'], prompt: string): string {
  return (templateSpec(appType, prompt).title ?? appType).toLowerCase().replace(/\bapi\b/, 'API');
}

/**
 * One sentence that says which built-in template stands in for the prompt and why (no model to write it), so
 * that "a snake game" answered with a calculator is never a surprise.
 */
export function templateStandInNotice(appType: GenerateRequest['appType'], prompt: string, why: string): string {
  const shown = prompt.length > 60 ? `${prompt.slice(0, 57).trimEnd()}…` : prompt;
  return `${why}, so the built-in ${templateNameFor(appType, prompt)} template stands in for "${shown}".`;
}
