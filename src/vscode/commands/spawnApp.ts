/**
 * Spawn App from Prompt: app type (quick pick), description (validated input box), then generation into the
 * virtual workspace with a cancellable progress notification; the main file opens as soon as it exists.
 *
 * Scripts and tests may pass `{appType, prompt, generator?, deploy?, confirm?, provider?, token?}` to skip the
 * pickers: `deploy: true` deploys right after generating (asking first unless `confirm: true`). Resolves with
 * `{appId, appName, mainFile, files, generator, sandboxId?, url?}`.
 */
import * as vscode from 'vscode';
import { CancelledError, SpawnError } from '../../core/base/errors';
import type { GeneratorChoice } from '../../core/generate';
import type { ProviderChoice } from '../../core/sandbox';
import type { AppType } from '../../core/app/spec';
import { APP_TYPES, isAppType, stackOf } from '../../core/stacks';
import { validatePrompt } from '../generate/spawner';
import { defineCommand } from './command';
import { optionsOf } from './targets';

interface SpawnArgs {
  appType?: AppType;
  prompt?: string;
  generator?: GeneratorChoice;
  deploy?: boolean;
  confirm?: boolean;
  provider?: ProviderChoice;
  token?: vscode.CancellationToken;
}

export const spawnAppCommand = defineCommand('spawnApp.spawn', async (s, ...args) => {
  const a = optionsOf(args) as SpawnArgs;
  if (a.appType !== undefined && !isAppType(a.appType)) throw new SpawnError('usage', `appType must be one of ${APP_TYPES.join(', ')}.`);
  const appType = a.appType ?? (await pickAppType());
  const prompt =
    a.prompt ??
    (await vscode.window.showInputBox({
      title: 'Spawn App from Prompt',
      prompt: `Describe the ${stackOf(appType).label.toLowerCase()} you want`,
      placeHolder: `e.g. ${stackOf(appType).example}`,
      ignoreFocusOut: true,
      validateInput: validatePrompt,
    }));
  if (prompt === undefined) throw new CancelledError();

  const result = await s.spawner.spawn({ appType, prompt, generator: a.generator, token: a.token });
  s.iterate.history.record(result.app, 'generated', prompt.trim());
  const out = {
    appId: result.app.id,
    appName: result.app.name,
    mainFile: result.mainFile,
    files: result.files,
    generator: result.generator,
  };
  if (a.deploy) {
    const d = await s.deploys.deploy(result.app, { confirm: a.confirm, token: a.token, provider: a.provider });
    return { ...out, sandboxId: d.sandboxId, url: d.url };
  }
  const what = result.title ? `“${result.title}”` : result.app.name;
  void vscode.window
    .showInformationMessage(`Generated ${what}: ${result.files} files in the Apps view. Edit them, then deploy.`, 'Deploy', 'Save to Folder…')
    .then((pick) => {
      if (pick === 'Deploy') void vscode.commands.executeCommand('spawnApp.deploy', { appId: result.app.id });
      if (pick === 'Save to Folder…') void vscode.commands.executeCommand('spawnApp.saveToFolder', { appId: result.app.id });
    });
  return out;
});

async function pickAppType(): Promise<AppType> {
  const pick = await vscode.window.showQuickPick(
    APP_TYPES.map((t) => ({ label: `$(${stackOf(t).icon}) ${stackOf(t).label}`, description: stackOf(t).description, detail: `e.g. “${stackOf(t).example}”`, type: t })),
    { title: 'Spawn App from Prompt', placeHolder: 'What kind of app?', matchOnDescription: true },
  );
  if (!pick) throw new CancelledError();
  return pick.type;
}
