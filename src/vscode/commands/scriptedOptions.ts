/**
 * Options that act for the user without asking: `{value}` / `{clear}` set or remove an API key, `{confirm: true}`
 * skips a confirmation, `{decision}` accepts a model's change unreviewed. Any extension can execute our commands,
 * so these work only while VS Code runs Spawn App's own tests (ExtensionMode.Test); otherwise the call is refused
 * with one sentence and nothing happens. The UI never passes them.
 */
import * as vscode from 'vscode';
import { SpawnError } from '../../core/base/errors';

/** Whether scripted options are honoured now; `activate` sets it from the extension mode, tests may turn it off. */
export interface CommandPolicy {
  scriptedOptions: boolean;
}

const SCRIPTED: readonly string[] = ['value', 'clear', 'confirm', 'decision'];

/** The scripted options present among a command's arguments (options objects as `optionsOf` reads them). */
export function scriptedOptionsIn(args: readonly unknown[]): string[] {
  const found = new Set<string>();
  for (const a of args) {
    if (!a || typeof a !== 'object' || a instanceof vscode.Uri || 'kind' in a || 'uri' in a) continue;
    const o = a as Record<string, unknown>;
    for (const k of SCRIPTED) if (o[k] !== undefined && o[k] !== false) found.add(k);
  }
  return [...found];
}

/** Throws the refusal when `args` carry scripted options the policy does not allow. */
export function checkScriptedOptions(command: string, args: readonly unknown[], policy: CommandPolicy): void {
  if (policy.scriptedOptions) return;
  const found = scriptedOptionsIn(args);
  if (found.length === 0) return;
  throw new SpawnError(
    'usage',
    `Spawn App refused a call to ${command} with {${found.join(', ')}}: setting or clearing a key and skipping a confirmation or review are only for its own tests, so run the command yourself to be asked.`,
  );
}
