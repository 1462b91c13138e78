/**
 * What the six language-model tools do in the extension: each goes through the extension's own services (Spawner,
 * DeployService, AppIterator, SandboxRegistry, SandboxLogs), so everything shows in the usual UI (Apps view,
 * preview, Sandboxes, notifications) and nothing of the pipeline is re-implemented here. Results are the same text
 * the MCP server returns (src/core/tools/toolText.ts). Never throws: errors become results.
 *
 * Who asks: the tool itself, through the DeployDialogs, in a chat and outside one alike (VS Code 1.100 gives
 * prepareInvocation only the input, and outside a chat shows its confirmationMessages as its own modal, whose "no"
 * throws instead of returning a result). A deploy asks with the deploy dialog (the DeployService's: provider,
 * sandboxed or not, start command, dependencies, warnings); refine and destroy ask first with the same modal. A
 * "no" is a result starting `Declined:`, and nothing ran.
 */
import type * as vscode from 'vscode';
import type { AppMeta } from '../../core/workspace/treeTypes';
import type { AppTree } from '../../core/workspace/appTree';
import { isCancelled, SpawnError } from '../../core/base/errors';
import type { SandboxProvider } from '../../core/sandbox/types';
import { formatUsd } from '../../core/base/pricing';
import { MAX_LOG_TAIL, toolDefinition } from '../../core/tools/definitions';
import { checkToolArgs } from '../../core/tools/schemas';
import type { ToolResult } from '../../core/tools/toolText';
import { changedLines, declinedText, deployedLines, errorText, findingLines, fromError, logsText, sandboxLine, verifiedParts, whereText, writtenLines } from '../../core/tools/toolText';
import type { DeployDialogs } from '../deploy/deployDialogs';
import type { DeployResult, DeployService } from '../deploy/deployService';
import { appUri } from '../fs/appUri';
import type { AppIterator } from '../iterate/appIterator';
import type { LogChannel } from '../base/logChannel';
import type { WindowSession } from '../base/session';
import type { Providers } from '../sandboxes/providers';
import type { SandboxLogs } from '../sandboxes/sandboxLogs';
import type { SandboxRegistry } from '../sandboxes/sandboxRegistry';
import type { Settings } from '../base/settings';
import type { Spawner } from '../generate/spawner';
import { destroyConfirmation, refineConfirmation } from './toolConfirmations';

export interface AgentToolServices {
  tree: AppTree;
  spawner: Spawner;
  deploys: DeployService;
  iterate: AppIterator;
  registry: SandboxRegistry;
  logs: SandboxLogs;
  providers: Providers;
  dialogs: DeployDialogs;
  settings: () => Settings;
  logger: LogChannel;
  /** The app session: the prompt checks and the app type, the template notice, trust (unsandboxed or not). */
  sessions: WindowSession;
}

/** One call: its input and its cancellation. */
export interface ToolCall {
  input: Record<string, unknown>;
  token?: vscode.CancellationToken;
}

function str(input: Record<string, unknown>, key: string): string | undefined {
  const v = input[key];
  return typeof v === 'string' && v.trim() ? v.trim() : undefined;
}

export class AgentTools {
  constructor(private readonly s: AgentToolServices) {}

  async call(name: string, call: ToolCall): Promise<ToolResult> {
    const def = toolDefinition(name);
    if (!def) return errorText('usage', `There is no tool named ${name}.`);
    // The tool's one schema (core/tools/schemas.ts), as the MCP server checks it: the same sentence for the same mistake.
    const bad = checkToolArgs(def.name, call.input);
    if (bad) return errorText('usage', bad);
    try {
      switch (def.name) {
        case 'spawn_app':
          return await this.spawn(call);
        case 'deploy_app':
          return await this.deploy(this.app(call.input), call);
        case 'refine_app':
          return await this.refine(this.app(call.input), call);
        case 'list_apps_and_sandboxes':
          return this.list();
        case 'get_app_logs':
          return this.appLogs(this.app(call.input), typeof call.input.tail === 'number' ? call.input.tail : 50);
        case 'destroy_sandbox':
          return await this.destroy(call);
      }
    } catch (err) {
      if (!(err instanceof SpawnError)) this.s.logger.scope('tools').error(err instanceof Error ? err : String(err));
      return fromError(err);
    }
  }

  /** The app an input names (`appId`: its id or its name in the Apps view). */
  app(input: Record<string, unknown>): AppMeta {
    const raw = str(input, 'appId');
    if (!raw) throw new SpawnError('usage', 'This tool needs "appId" (list_apps_and_sandboxes shows the apps).');
    const app = this.s.tree.app(raw);
    if (!app) throw new SpawnError('usage', `There is no app "${raw}" (list_apps_and_sandboxes shows the apps).`);
    return app;
  }

  /** The provider a deploy of the app would use now: its sandbox's, or the setting's (undefined: it would ask). */
  async providerFor(app: AppMeta | undefined): Promise<SandboxProvider | undefined> {
    const entry = app && this.s.registry.forApp(app.id);
    if (entry && entry.origin !== 'other') return entry.providerRef;
    return this.s.providers.get(this.s.settings().sandboxProvider).catch(() => undefined);
  }

  /** What the deploy's verification found (its sandbox's deployment), as lines and the screenshot. */
  private verifiedOf(d: DeployResult | undefined): ReturnType<typeof verifiedParts> {
    const e = d && this.s.registry.get(d.sandboxId);
    return verifiedParts(e?.deployment?.verification);
  }

  private whereOf(d: DeployResult): string {
    const entry = this.s.registry.get(d.sandboxId);
    return entry ? whereText(entry.providerRef) : d.provider;
  }

  private async spawn(call: ToolCall): Promise<ToolResult> {
    const prompt = str(call.input, 'prompt');
    if (!prompt) return errorText('usage', 'spawn_app needs "prompt": what the app should do.');
    const session = await this.s.sessions.current();
    const appType = session.checkPrompt(prompt, typeof call.input.appType === 'string' ? call.input.appType : undefined);
    const r = await this.s.spawner.spawn({ appType, prompt, token: call.token });
    this.s.iterate.history.record(r.app, 'generated', prompt);
    const { spec, findings } = this.s.tree.specOf(r.app);
    if (!spec) return { text: [`Error [blocked]: App "${r.app.id}" was written but its manifest cannot be read.`, ...findingLines(findings)].join('\n'), isError: true };
    const lines = [
      // The agent should know that its prompt got a stand-in, not the app it asked for.
      ...(r.generator === 'templates' && this.s.settings().generator === 'auto' ? [session.templateNotice(appType, prompt, 'No Anthropic API key is set and VS Code has no chat model')] : []),
      ...writtenLines({ id: r.app.id, spec, generator: r.generator, where: `the Apps view as ${r.app.name} (${appUri(this.s.tree, r.app).toString()})` }),
      ...findingLines(findings),
    ];
    if (call.input.deploy === false) {
      lines.push(`Not deployed; run it with deploy_app {"appId": "${r.app.id}"}.`);
      return { text: lines.join('\n'), isError: false };
    }
    const deployed = await this.deploy(r.app, call, `The app stays in the Apps view; deploy_app {"appId": "${r.app.id}"} runs it once allowed.`);
    return { ...deployed, text: [...lines, deployed.text].join('\n') };
  }

  private async deploy(app: AppMeta, call: ToolCall, whenDeclined?: string): Promise<ToolResult> {
    try {
      // Not `confirm`: the deploy dialog asks (always before a first deploy; before a redeploy that runs
      // something not approved in that sandbox), exactly as for Deploy App.
      const d = await this.s.deploys.deploy(app, { token: call.token });
      const how = d.redeployed ? (d.restarted === false ? 'Updated in place (no restart needed)' : 'Updated and restarted') : 'Started';
      const where = this.whereOf(d);
      const { findings } = this.s.tree.specOf(app);
      const verified = this.verifiedOf(d);
      return {
        text: [...deployedLines({ how, id: app.id, url: d.url, sandboxId: d.sandboxId, where, lifetime: 'It shows in the Sandboxes view and the preview.' }), ...verified.lines, ...findingLines(findings)].join('\n'),
        isError: false,
        ...(verified.image ? { image: verified.image } : {}),
      };
    } catch (err) {
      if (isCancelled(err) && !call.token?.isCancellationRequested) return declinedText(`running app "${app.id}"`, whenDeclined);
      const res = fromError(err);
      const entry = this.s.registry.forApp(app.id);
      const output = entry && !(err instanceof SpawnError && err.detail) ? this.s.logs.text(entry.id).split('\n').slice(-20).join('\n') : '';
      return { text: output ? `${res.text}\nLast output:\n${output}` : res.text, isError: true };
    }
  }

  private async refine(app: AppMeta, call: ToolCall): Promise<ToolResult> {
    const followUp = str(call.input, 'followUp');
    if (!followUp) return errorText('usage', 'refine_app needs "followUp": what to change.');
    const provider = await this.providerFor(app);
    const unsandboxed = !!provider && this.s.sessions.session.runsUnsandboxed(provider);
    if (!(await this.s.dialogs.askPerson(refineConfirmation(app, followUp, provider, this.s.deploys.isLive(app.id), unsandboxed)))) {
      return declinedText(`refining app "${app.id}"`, 'No model was asked and no file changed.');
    }
    // Model-written changes for the unsandboxed local runner are shown as diffs to accept (trust.ts); elsewhere the
    // "yes" above covers them. A running app is redeployed through the DeployService (its dialog asks again when
    // the start command or the dependencies change).
    const sandboxed = !!provider && !unsandboxed;
    const r = await this.s.iterate.refine(app, followUp, { decision: sandboxed ? 'accept' : undefined, token: call.token });
    const lines = [`${r.summary || 'Changed'}${r.usd != null ? ` (${formatUsd(r.usd)})` : ''}.`];
    if (!r.accepted && r.added.length + r.changed.length + r.deleted.length > 0) {
      return { text: `Declined: the user rejected the proposed change to app "${app.id}"; no file was written and nothing ran.`, isError: true };
    }
    lines.push(...changedLines(r));
    const { findings } = this.s.tree.specOf(app);
    lines.push(...findingLines(findings));
    const verified = this.verifiedOf(r.deploy);
    if (r.deploy) lines.push(...deployedLines({ how: r.deploy.restarted === false ? 'Updated in place (no restart needed)' : 'Updated and restarted', id: app.id, url: r.deploy.url, sandboxId: r.deploy.sandboxId, where: this.whereOf(r.deploy) }), ...verified.lines);
    else lines.push(`Not running; start it with deploy_app {"appId": "${app.id}"}.`);
    return { text: lines.join('\n'), isError: false, ...(verified.image ? { image: verified.image } : {}) };
  }

  private list(): ToolResult {
    const apps = this.s.tree.apps();
    const lines = [apps.length ? 'Apps (in the Apps view):' : 'No apps yet.'];
    for (const app of apps) {
      const { spec, generator } = this.s.tree.specOf(app);
      const desc = spec ? `${spec.appType}${spec.title ? `, ${spec.title}` : ''}${generator ? `, by ${generator}` : ''}` : 'unreadable manifest';
      const e = this.s.registry.forApp(app.id);
      const state = e ? `${e.status}${e.url ? ` at ${e.url}` : ''} (sandbox ${e.id})` : 'not running';
      lines.push(`  ${app.id}  ${app.name}  ${desc}  ${state}`);
    }
    const sandboxes = this.s.registry.list();
    const now = Date.now();
    lines.push(sandboxes.length ? 'Sandboxes:' : 'No sandboxes running.');
    for (const e of sandboxes) {
      const notes = [e.status, ...(e.origin === 'other' ? ['started elsewhere'] : []), ...(e.error ? [`error [${e.error.code ?? 'unknown'}]: ${e.error.message}`] : [])];
      lines.push(sandboxLine({ ...e, app: e.appId ?? e.appName, notes }, now));
    }
    return { text: lines.join('\n'), isError: false };
  }

  private appLogs(app: AppMeta, tail: number): ToolResult {
    const entry = this.s.registry.forApp(app.id);
    if (!entry) return { text: `App "${app.id}" has no sandbox in this window, so there is no output (deploy_app runs it).`, isError: false };
    const n = Math.min(Math.max(1, Math.floor(tail)), MAX_LOG_TAIL);
    const state = entry.status === 'running' ? `running at ${entry.url ?? '(no URL)'}` : entry.status === 'failed' ? `failed: ${entry.error?.message ?? 'unknown error'}` : 'starting';
    return logsText(app.id, n, this.s.logs.text(entry.id), state);
  }

  private async destroy(call: ToolCall): Promise<ToolResult> {
    const sandboxId = str(call.input, 'sandboxId');
    const appId = str(call.input, 'appId');
    if (!sandboxId === !appId) return errorText('usage', 'destroy_sandbox needs either "sandboxId" or "appId" (one of them).');
    const entry = sandboxId ? this.s.registry.get(sandboxId) : this.s.registry.forApp(this.app(call.input).id);
    if (!entry) return errorText('deploy.not_found', `${sandboxId ? `No sandbox ${sandboxId}` : `No sandbox of app "${appId}"`} is known in this window (list_apps_and_sandboxes shows them).`);
    if (!(await this.s.dialogs.askPerson(destroyConfirmation(entry)))) return declinedText(`destroying sandbox ${entry.id}`, 'It is still running.');
    await this.s.registry.destroy(entry.id);
    return { text: `Destroyed sandbox ${entry.id} of app "${entry.appId ?? entry.appName}"; its files stay in the Apps view.`, isError: false };
  }
}
