/**
 * Registers the six agent tools (`contributes.languageModelTools`, from src/core/tools/definitions.ts) with
 * `vscode.lm.registerTool`, so Copilot's agent mode (`#spawnApp`, tool set `#spawnAppTools`) and any extension
 * (`vscode.lm.invokeTool`) can call them. prepareInvocation only names what is about to happen: the questions are
 * asked by the tools themselves, with the deploy dialog (see agentTools.ts for why).
 */
import * as vscode from 'vscode';
import { TOOL_DEFINITIONS } from '../../core/tools/definitions';
import type { AgentTools } from './agentTools';
import type { ToolResult } from '../../core/tools/toolText';
import { invocationMessage } from './toolConfirmations';

type Input = Record<string, unknown>;

/** The deployed app's screenshot where this VS Code takes images in tool results (LanguageModelDataPart, 1.104+); else none (the text says what the check found). */
function imagePart(image: ToolResult['image']): vscode.LanguageModelTextPart[] {
  const DataPart = (vscode as unknown as { LanguageModelDataPart?: { image(data: Uint8Array, mime: string): unknown } }).LanguageModelDataPart;
  // Typed as a text part only because this extension builds against the 1.100 API, which has no data part.
  return image && DataPart ? [DataPart.image(image.data, image.mimeType) as vscode.LanguageModelTextPart] : [];
}

export function registerAgentTools(tools: AgentTools, appName: (input: Input) => string | undefined): vscode.Disposable[] {
  return TOOL_DEFINITIONS.map((def) =>
    vscode.lm.registerTool<Input>(def.name, {
      prepareInvocation(options) {
        return { invocationMessage: invocationMessage(def.name, options.input ?? {}, appName(options.input ?? {})) };
      },
      async invoke(options, token) {
        const r = await tools.call(def.name, { input: options.input ?? {}, token });
        return new vscode.LanguageModelToolResult([new vscode.LanguageModelTextPart(r.text), ...imagePart(r.image)]);
      },
    }),
  );
}
