/**
 * Select Model…: one quick pick of both sources — the Claude models the stored key can use (the models API, or the
 * built-in list when there is no key or the API cannot be asked) and the chat models VS Code has (`vscode.lm`,
 * included in the user's plan). A Claude model goes to `spawnApp.model`; a VS Code model to `spawnApp.chatModel`
 * with `spawnApp.generator: "vscode-lm"`. The session lists the Claude models (its SDK is loaded then, when the
 * command runs, never at activation).
 */
import * as vscode from 'vscode';
import { CancelledError } from '../../core/base/errors';
import { VscodeLanguageModels } from '../generate/vscodeLanguageModels';
import { defineCommand } from './command';

type ModelItem = vscode.QuickPickItem & { source?: 'claude' | 'vscode-lm'; id?: string };

export const selectModelCommand = defineCommand('spawnApp.selectModel', async (s) => {
  const session = await s.sessions.current();
  const cfg = session.cfg;
  const settings = s.settings();
  const [list, chatModels] = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: vscode.l10n.t('Listing models…') }, () =>
    Promise.all([session.claudeModels(), new VscodeLanguageModels(() => settings.chatModel).list()]),
  );
  if (list.error) s.logger.scope('models').warn(`could not list models, showing the built-in list: ${list.error.message}`);
  const claudeCurrent = settings.generator !== 'vscode-lm' ? cfg.model : undefined;
  const chatCurrent = settings.generator === 'vscode-lm' ? settings.chatModel || chatModels[0]?.id : undefined;
  const claudeNote = list.source === 'api' ? vscode.l10n.t('models your key can use') : cfg.anthropicApiKey ? vscode.l10n.t('the models API could not be asked: built-in list') : vscode.l10n.t('no Anthropic API key: built-in list');
  const items: ModelItem[] = [
    { label: vscode.l10n.t('Claude ({0})', claudeNote), kind: vscode.QuickPickItemKind.Separator },
    ...list.models.map((m) => ({ label: m.displayName, description: m.id === claudeCurrent ? vscode.l10n.t('{0} (current)', m.id) : m.id, source: 'claude' as const, id: m.id })),
    { label: vscode.l10n.t('VS Code chat models (included in your plan)'), kind: vscode.QuickPickItemKind.Separator },
    ...chatModels.map((m) => ({ label: m.name, description: m.id === chatCurrent ? vscode.l10n.t('{0} (current)', `${m.vendor} · ${m.family}`) : `${m.vendor} · ${m.family}`, detail: m.id, source: 'vscode-lm' as const, id: m.id })),
  ];
  if (!chatModels.length) items.push({ label: vscode.l10n.t('None: VS Code has no chat model (sign in to GitHub Copilot or another model provider)'), kind: vscode.QuickPickItemKind.Separator });
  const pick = await vscode.window.showQuickPick(items, {
    title: vscode.l10n.t('Select Model'),
    placeHolder: vscode.l10n.t('The model that writes your apps'),
    matchOnDescription: true,
    matchOnDetail: true,
  });
  if (!pick?.id) throw new CancelledError();
  const config = vscode.workspace.getConfiguration('spawnApp');
  if (pick.source === 'vscode-lm') {
    await config.update('chatModel', pick.id, vscode.ConfigurationTarget.Global);
    await config.update('generator', 'vscode-lm', vscode.ConfigurationTarget.Global);
  } else {
    await config.update('model', pick.id, vscode.ConfigurationTarget.Global);
    if (settings.generator === 'vscode-lm') await config.update('generator', 'auto', vscode.ConfigurationTarget.Global);
  }
  return pick.id;
});
