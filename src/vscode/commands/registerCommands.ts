/** Registers every command through the one error wrapper (log the whole error, show one sentence, cancel is silent). */
import * as vscode from 'vscode';
import { addAppsToExplorerCommand } from './addAppsToExplorer';
import type { Command, Services } from './command';
import type { CommandPolicy } from './scriptedOptions';
import { checkScriptedOptions } from './scriptedOptions';
import { deleteDraftCommand } from './deleteDraft';
import { deployAppCommand } from './deployApp';
import { destroyAllSandboxesCommand } from './destroyAllSandboxes';
import { deleteEntryCommand } from './files/deleteEntry';
import { newFileCommand } from './files/newFile';
import { renameEntryCommand } from './files/renameEntry';
import { openAppFromFolderCommand } from './openAppFromFolder';
import { openPreviewCommand } from './openPreview';
import { refreshSandboxesCommand } from './refreshSandboxes';
import { copyUrlCommand } from './sandbox/copyUrl';
import { destroySandboxCommand } from './sandbox/destroy';
import { extendTimeoutCommand } from './sandbox/extendTimeout';
import { openInBrowserCommand } from './sandbox/openInBrowser';
import { openInIntegratedBrowserCommand } from './sandbox/openInIntegratedBrowser';
import { openSandboxPreviewCommand } from './sandbox/openPreview';
import { showSandboxLogsCommand } from './sandbox/showLogs';
import { openTerminalCommand } from './sandbox/openTerminal';
import { pauseSandboxCommand, resumeSandboxCommand } from './sandbox/pauseResume';
import { shareAppCommand } from './sandbox/shareApp';
import { saveAppToFolderCommand } from './saveAppToFolder';
import { setAppSecretCommand } from './setAppSecret';
import { selectModelCommand } from './selectModel';
import { setAnthropicApiKeyCommand } from './setAnthropicApiKey';
import { setE2bApiKeyCommand } from './setE2bApiKey';
import { showLogCommand } from './showLog';
import { spawnAppCommand } from './spawnApp';
import { refineAppCommand } from './refineApp';
import { fixAppCommand } from './fixApp';
import { showVersionsCommand } from './showVersions';
import { compareVersionCommand } from './versions/compareVersion';
import { restoreVersionCommand } from './versions/restoreVersion';
import { openScreenshotCommand } from './versions/openScreenshot';
import { acceptProposalCommand } from './proposal/acceptProposal';
import { rejectProposalCommand } from './proposal/rejectProposal';

export const COMMANDS: readonly Command[] = [
  spawnAppCommand,
  deployAppCommand,
  openPreviewCommand,
  saveAppToFolderCommand,
  setAppSecretCommand,
  openAppFromFolderCommand,
  addAppsToExplorerCommand,
  setAnthropicApiKeyCommand,
  setE2bApiKeyCommand,
  selectModelCommand,
  showLogCommand,
  refreshSandboxesCommand,
  destroyAllSandboxesCommand,
  openSandboxPreviewCommand,
  openInBrowserCommand,
  openInIntegratedBrowserCommand,
  copyUrlCommand,
  shareAppCommand,
  extendTimeoutCommand,
  pauseSandboxCommand,
  resumeSandboxCommand,
  openTerminalCommand,
  showSandboxLogsCommand,
  destroySandboxCommand,
  newFileCommand,
  renameEntryCommand,
  deleteEntryCommand,
  deleteDraftCommand,
  refineAppCommand,
  fixAppCommand,
  showVersionsCommand,
  compareVersionCommand,
  restoreVersionCommand,
  openScreenshotCommand,
  acceptProposalCommand,
  rejectProposalCommand,
];

/** `policy`: whether scripted options (`{value}`, `{clear}`, `{confirm: true}`, `{decision}`) are honoured (tests only). */
export function registerCommands(services: Services, policy: CommandPolicy): vscode.Disposable[] {
  return COMMANDS.map((c) =>
    vscode.commands.registerCommand(c.id, async (...args: unknown[]) => {
      try {
        checkScriptedOptions(c.id, args, policy);
        return await c.run(services, ...args);
      } catch (err) {
        services.reporter.report(c.id, err, c.retryable ? args : undefined);
        return undefined;
      }
    }),
  );
}
