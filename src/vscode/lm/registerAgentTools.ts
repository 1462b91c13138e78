/**
 * Registers the six agent tools (`contributes.languageModelTools`, from src/core/tools/definitions.ts) with
 * `vscode.lm.registerTool`, so Copilot's agent mode (`#spawnApp`, tool set `#spawnAppTools`) and any extension
 * (`vscode.lm.invokeTool`) can call them. prepareInvocation only names what is about to happen: the questions are
 * asked by the tools themselves, with the deploy dialog (see agentTools.ts for why).
 */
import * as vscode from 'vscode';
import { TOOL_DEFINITIONS } from '../../core/tools/definitions';
import type { AgentTools } from './agentTools';
import { invocationMessage } from './toolConfirmations';

type Input = Record<string, unknown>;

export function registerAgentTools(tools: AgentTools, appName: (input: Input) => string | undefined): vscode.Disposable[] {
  return TOOL_DEFINITIONS.map((def) =>
    vscode.lm.registerTool<Input>(def.name, {
      prepareInvocation(options) {
        return { invocationMessage: invocationMessage(def.name, options.input ?? {}, appName(options.input ?? {})) };
      },
      async invoke(options, token) {
        const r = await tools.call(def.name, { input: options.input ?? {}, token });
        return new vscode.LanguageModelToolResult([new vscode.LanguageModelTextPart(r.text)]);
      },
    }),
  );
}
