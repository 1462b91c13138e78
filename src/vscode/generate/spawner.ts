/**
 * Generates an app into the virtual workspace: files stream into the AppTree as the generator produces them and
 * the main file opens as soon as it is complete. Cancellable; a cancelled or failed generation leaves nothing.
 */
import * as vscode from 'vscode';
import type { AppMeta } from '../../core/workspace/treeTypes';
import type { AppTree } from '../../core/workspace/appTree';
import { CancelledError, isCancelled } from '../../core/base/errors';
import type { SpawnEvent } from '../../core/base/events';
import type { GeneratorChoice } from '../../core/generate';
import type { ChatModel } from '../../core/generate/chatModelGenerator';
import type { Session } from '../../core/session';
import { INCLUDED_IN_PLAN } from '../../core/session';
import type { WindowSession } from '../base/session';
import type { ChatModelSource } from './vscodeLanguageModels';
import type { AppType } from '../../core/app/spec';
import { mainFileOf, promptTooLong } from '../../core/app/spec';
import { stackOf } from '../../core/stacks';
import type { Finding } from '../../core/base/finding';
import { withSignal } from '../base/cancellation';
import type { AppDiagnostics } from '../fs/diagnostics';
import { appUri } from '../fs/appUri';
import type { LogChannel } from '../base/logChannel';
import type { Secrets } from '../base/secrets';
import type { Settings } from '../base/settings';
import type { DeployService } from '../deploy/deployService';

export interface SpawnRequest {
  appType: AppType;
  prompt: string;
  generator?: GeneratorChoice;
  token?: vscode.CancellationToken;
}

export interface SpawnResult {
  app: AppMeta;
  files: number;
  generator: string;
  title?: string;
  mainFile?: vscode.Uri;
  dropped: Finding[];
}

export class Spawner {
  constructor(
    private readonly tree: AppTree,
    private readonly diagnostics: AppDiagnostics,
    private readonly secrets: Secrets,
    private readonly settings: () => Settings,
    /** The app session: the prompt checks, the generator choice, the "a template stands in" notice. */
    private readonly sessions: WindowSession,
    private readonly logger: LogChannel,
    /** VS Code's chat models (the `vscode-lm` generator, and `auto` without an Anthropic key). */
    private readonly models?: ChatModelSource,
    /** The deploy owner's pre-warm: started as generation starts, discarded when it fails or is cancelled. */
    private readonly prewarms?: Pick<DeployService, 'startPrewarm' | 'discardPrewarm'>,
  ) {}

  async spawn(req: SpawnRequest): Promise<SpawnResult> {
    const prompt = req.prompt.trim();
    let session = await this.sessions.current();
    session.checkPrompt(prompt, req.appType);
    const { choice, chat } = await this.chooseGenerator(session, req.generator ?? this.settings().generator, req.appType, prompt);
    session = await this.sessions.current(); // a key set just now (chooseGenerator's offer) counts
    const cfg = session.cfg;
    const generator = await session.generator(choice, chat);
    // The built-in templates cost nothing; a model request past today's cap asks first.
    if (generator.id !== 'templates') await session.checkPaid({ generation: `Generating ${nameHint(prompt)}` });
    const log = this.logger.scope('generate');
    log.info(`generating a ${req.appType} with ${generator.id}: ${JSON.stringify(prompt.slice(0, 200))}`);

    return vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: 'Spawn App', cancellable: true },
      (progress, token) => withSignal([token, req.token], async (signal) => {
        progress.report({
          message:
            generator.id === 'claude' ? `Generating with ${cfg.model ?? 'Claude'}…` : generator.id === 'vscode-lm' ? vscode.l10n.t('Generating with {0}…', chat?.name ?? 'a VS Code model') : 'Generating from the built-in templates…',
        });
        const app = this.tree.createApp({ nameHint: nameHint(prompt), generator: generator.id, prompt, manifest: { appType: req.appType, startCommand: 'node server.js', dependencies: [], port: 3000 } });
        const hold = this.diagnostics.hold(app);
        // Pre-warm while the model writes (E2B only; nothing is written into it before the user confirms a deploy).
        const prewarming = this.prewarms?.startPrewarm(app, req.appType).catch((err: unknown) => log.warn(`pre-warm not started: ${String(err)}`));
        const dropped: Finding[] = [];
        let opened: Promise<unknown> | undefined;
        let openedPath: string | undefined;
        const candidates = stackOf(req.appType).mainFiles;
        const open = (rel: string) => {
          openedPath = rel;
          opened = Promise.resolve(vscode.window.showTextDocument(appUri(this.tree, app, rel), { preview: false })).catch((err: unknown) => log.warn(`could not open ${rel}: ${String(err)}`));
        };
        const onEvent = (e: SpawnEvent) => {
          if (signal.aborted) return;
          if (e.event === 'file') {
            const r = this.tree.putFile(app, e.path, e.content ?? '');
            if (!r.ok) {
              if (e.status === 'complete') dropped.push(r.finding);
              return;
            }
            if (e.status === 'started') progress.report({ message: `Writing ${r.path}…` });
            if (e.status === 'complete' && !openedPath && candidates.includes(r.path)) open(r.path);
          } else if (e.event === 'cost' && e.kind === 'generation' && e.note === INCLUDED_IN_PLAN) {
            log.info(`${e.model ?? 'model'}: ${vscode.l10n.t('included in your plan')}`);
          } else if (e.event === 'cost' && e.kind === 'generation') {
            session.charge(e.usd, app.id); // today's budget and the window's total are the session's
            log.info(`${e.model ?? 'model'}: ${e.inputTokens ?? 0} input + ${e.outputTokens ?? 0} output tokens`);
          }
        };
        try {
          const result = await generator.generate({ prompt, appType: req.appType, signal, onEvent, logger: log });
          if (signal.aborted) throw new CancelledError();
          await prewarming; // registered before a deploy can look for it
          dropped.push(...this.tree.setSpec(app, result.spec, result.generator));
          // Trust is this process's decision: only what our own template generator just wrote counts as ours.
          if (generator.id === 'templates' && dropped.length === 0) this.tree.markOurs(app);
          this.diagnostics.setExtra(app, dedupe(dropped));
          const main = mainFileOf(result.spec)?.path;
          if (main && !openedPath && this.tree.exists(this.tree.pathOf(app, main))) open(main);
          await opened;
          log.info(`generated ${app.name}: ${result.spec.files.length} files${result.usage ? `, ${result.usage.usd === null ? 'price unknown' : `$${result.usage.usd.toFixed(4)}`}` : ''}`);
          return {
            app,
            files: result.spec.files.length,
            generator: result.generator,
            title: result.spec.title,
            mainFile: openedPath ? appUri(this.tree, app, openedPath) : undefined,
            dropped,
          };
        } catch (err) {
          // Half an app is no app: remove it and close its editors; its pre-warmed sandbox is killed.
          const cancelled = isCancelled(err) || signal.aborted;
          await prewarming;
          await this.prewarms?.discardPrewarm(app.id, cancelled ? 'cancelled' : 'generation-failed');
          await opened;
          await closeEditorsUnder(appUri(this.tree, app));
          if (this.tree.app(app.id)) this.tree.delete(this.tree.pathOf(app));
          throw cancelled ? new CancelledError() : err;
        } finally {
          hold.dispose();
        }
      }),
    );
  }

  /**
   * With no Anthropic key: "auto" uses a VS Code chat model when there is one, else says which built-in template
   * stands in for the prompt and why; "claude" offers to set a key or use templates.
   */
  private async chooseGenerator(session: Session, choice: GeneratorChoice, appType: AppType, prompt: string): Promise<{ choice: GeneratorChoice; chat?: ChatModel }> {
    const cfg = session.cfg;
    if (choice === 'claude' && !cfg.anthropicApiKey) {
      const pick = await vscode.window.showWarningMessage(
        'Generating with Claude needs an Anthropic API key.',
        { modal: true, detail: 'Set a key now, or generate this app from the built-in templates instead.' },
        'Set Anthropic API Key',
        'Use Templates',
      );
      if (pick === 'Use Templates') return { choice: 'templates' };
      if (pick !== 'Set Anthropic API Key' || !(await this.secrets.prompt('anthropic'))) throw new CancelledError();
      return { choice: 'claude' };
    }
    const chat = choice === 'vscode-lm' || (choice === 'auto' && !cfg.anthropicApiKey) ? await this.models?.model() : undefined;
    if (choice === 'auto' && session.generatorFor(choice, chat) === 'templates') {
      const why = this.models ? vscode.l10n.t('No Anthropic API key is set and VS Code has no chat model') : vscode.l10n.t('No Anthropic API key is set');
      void vscode.window
        .showInformationMessage(session.templateNotice(appType, prompt, why), 'Set Anthropic API Key')
        .then((pick) => pick && vscode.commands.executeCommand('spawnApp.setAnthropicApiKey'));
    }
    return { choice, chat };
  }
}

/** The input box's check as the user types (the session checks the prompt again when it is sent). */
export function validatePrompt(prompt: string): string | undefined {
  if (!prompt.trim()) return 'Describe the app in a few words.';
  return promptTooLong(prompt, 'description');
}

/** "a calculator with memory" → "calculator with memory": the app's folder name reads better without articles. */
function nameHint(prompt: string): string {
  return prompt.replace(/^\s*(?:(?:please\s+)?(?:make|build|create|write|generate)\s+(?:me\s+)?)?(?:a|an|the)\s+/i, '') || prompt;
}

function dedupe(findings: Finding[]): Finding[] {
  const seen = new Set<string>();
  return findings.filter((f) => {
    const k = `${f.rule}|${f.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** Closes every editor tab showing a file under `folder`. */
export async function closeEditorsUnder(folder: vscode.Uri): Promise<void> {
  const prefix = folder.path.endsWith('/') ? folder.path : `${folder.path}/`;
  const tabs = vscode.window.tabGroups.all.flatMap((g) => g.tabs).filter((t) => {
    const input = t.input;
    return input instanceof vscode.TabInputText && input.uri.scheme === folder.scheme && (input.uri.path === folder.path || input.uri.path.startsWith(prefix));
  });
  if (tabs.length) await vscode.window.tabGroups.close(tabs, true);
}
