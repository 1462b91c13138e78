/** The offline generator: built-in apps chosen from the prompt, streamed file by file like a model would. */
import { throwIfAborted } from '../errors';
import type { GenerateRequest, GenerateResult, Generator } from './types';
import { templateSpec } from './templateFiles';

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
