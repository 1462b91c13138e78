/**
 * Set App Secret…: adds, replaces or removes one of an app's secrets (kept in SecretStorage; the app reads it from
 * its environment; the model is told only its name). The quick pick lists the names already set, to replace or
 * remove. Args: target, `{name, value}` to set, `{remove: name}` to remove (tests, scripts).
 */
import * as vscode from 'vscode';
import { CancelledError } from '../../core/base/errors';
import { secretNameProblem, secretsSizeProblem } from '../../core/base/secrets';
import { defineCommand } from './command';
import { optionsOf, resolveApp } from './targets';

interface SecretOptions {
  name?: string;
  value?: string;
  remove?: string;
}

export const setAppSecretCommand = defineCommand('spawnApp.setAppSecret', async (s, ...args) => {
  const app = await resolveApp(s, args);
  const o = optionsOf(args) as SecretOptions;
  if (o.remove !== undefined) return { removed: await s.secrets.deleteAppSecret(app.id, o.remove) };
  let name = o.name;
  if (name === undefined) {
    const names = Object.keys(await s.secrets.appSecrets(app.id)).sort();
    const add = { label: '$(add) Add a Secret…', id: '' };
    const items = [add, ...names.map((n) => ({ label: n, id: n, description: 'set (value hidden)', buttons: [{ iconPath: new vscode.ThemeIcon('trash'), tooltip: `Remove ${n}` }] }))];
    const picked = await new Promise<{ id: string; remove: boolean } | undefined>((resolve) => {
      const qp = vscode.window.createQuickPick<(typeof items)[number]>();
      qp.title = `Secrets of ${app.name}`;
      qp.placeholder = names.length ? 'Pick a secret to replace its value, or remove it with its button' : 'This app has no secrets yet';
      qp.items = items;
      qp.onDidAccept(() => {
        resolve(qp.selectedItems[0] ? { id: qp.selectedItems[0].id, remove: false } : undefined);
        qp.hide();
      });
      qp.onDidTriggerItemButton((e) => {
        resolve({ id: e.item.id, remove: true });
        qp.hide();
      });
      qp.onDidHide(() => {
        resolve(undefined);
        qp.dispose();
      });
      qp.show();
    });
    if (!picked) throw new CancelledError();
    if (picked.remove) {
      await s.secrets.deleteAppSecret(app.id, picked.id);
      void vscode.window.showInformationMessage(`Removed the secret ${picked.id} from ${app.name}.`);
      return { removed: true };
    }
    name =
      picked.id ||
      (await vscode.window.showInputBox({
        title: `Add a Secret to ${app.name}`,
        prompt: 'Its name: the app reads it as process.env.NAME (Python: os.environ["NAME"]).',
        placeHolder: 'WEATHER_API_KEY',
        validateInput: (v) => (v.trim() ? secretNameProblem(v.trim()) : 'Type a name, or press Escape to cancel.'),
      }))?.trim();
    if (!name) throw new CancelledError();
  }
  let value = o.value;
  if (value === undefined) {
    value = await vscode.window.showInputBox({
      title: `Set ${name} for ${app.name}`,
      prompt: 'Its value: kept in VS Code’s secret storage, passed only to the app’s processes, never to the model, never shown.',
      password: true,
      ignoreFocusOut: true,
      validateInput: (v) => {
        if (!v) return 'Paste a value, or press Escape to cancel.';
        const tooBig = secretsSizeProblem({ [name!]: v });
        return tooBig && `${tooBig[0]!.toUpperCase()}${tooBig.slice(1)}`;
      },
    });
    if (value === undefined) throw new CancelledError();
  }
  await s.secrets.setAppSecret(app.id, name, value);
  if (o.value === undefined) {
    void vscode.window.showInformationMessage(`Set the secret ${name} for ${app.name}: the app reads it from process.env.${name} at its next start.`);
  }
  return { name };
});
