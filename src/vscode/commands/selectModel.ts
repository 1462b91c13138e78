/**
 * Select Claude Model…: a quick pick of the models the stored key can use (the models API), or the built-in list
 * when there is no key or the API cannot be asked; the choice goes to the `spawnApp.model` setting.
 * The Claude module (and its SDK) is imported here, when the command runs, never at activation.
 */
import * as vscode from 'vscode';
import { CancelledError } from '../../core/errors';
import { defineCommand } from './command';

export const selectModelCommand = defineCommand('spawnApp.selectModel', async (s) => {
  const cfg = await s.config();
  const { listModels } = await import('../../core/generate/claude');
  const list = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: 'Listing Claude models…' }, () => listModels(cfg));
  if (list.error) s.logger.scope('models').warn(`could not list models, showing the built-in list: ${list.error.message}`);
  const current = cfg.model;
  const pick = await vscode.window.showQuickPick(
    list.models.map((m) => ({ label: m.displayName, description: m.id === current ? `${m.id} (current)` : m.id, id: m.id })),
    {
      title: 'Select Claude Model',
      placeHolder: list.source === 'api' ? 'Models your key can use' : cfg.anthropicApiKey ? 'The models API could not be asked: built-in list' : 'No Anthropic API key: built-in list',
      matchOnDescription: true,
    },
  );
  if (!pick) throw new CancelledError();
  await vscode.workspace.getConfiguration('spawnApp').update('model', pick.id, vscode.ConfigurationTarget.Global);
  return pick.id;
});
