/**
 * The Claude generator's prompts: one short system prompt per app type, its stack's part from the stack table
 * (core/stacks; the seed measured ~317 input tokens).
 */
import type { AppSpec, AppType } from '../app/spec';
import { DEFAULT_PORT, MAX_CHECKS, parseSpec } from '../app/spec';
import { stackOf, withScaffold } from '../stacks';
import type { AppPatch } from '../workspace/patch';
import type { AppSecrets } from '../base/secrets';
import { Redactor } from '../base/secrets';
import type { SpawnEvent } from '../base/events';
import { parsePatch, PATCH_TOOL, patchWithEdits } from '../workspace/patch';

/** Rules every app shares. */
const COMMON_RULES = [
  `The app must listen on process.env.PORT (Python: os.environ["PORT"]) when set, else ${DEFAULT_PORT}, and on the host in process.env.HOST (Python: os.environ.get("HOST")) when set, else 127.0.0.1 — never 0.0.0.0 or all interfaces.`,
  'Write complete, working files: no placeholders, no TODOs, no external CDNs or network calls.',
  'Paths are relative (e.g. "index.html", "public/app.js"); never absolute, never "..".',
  'Keep it small: at most a few files, no build step, no secrets.',
  'Data that must outlive a redeploy or restart (saved records, SQLite files, uploads) goes under the folder in process.env.DATA_DIR (Python: os.environ["DATA_DIR"]), never in the app folder, which each deploy replaces.',
];

/** The name of the one tool Claude must call; its input is the app spec. */
export const TOOL_NAME = 'write_app';

export function systemPrompt(appType: AppType): string {
  return [
    `You write small, complete, runnable apps. Answer only by calling the ${TOOL_NAME} tool once with the whole app.`,
    stackOf(appType).prompt,
    ...COMMON_RULES,
  ].join('\n');
}

export function userPrompt(prompt: string, appType: AppType): string {
  return `Build this ${appType}: ${prompt.trim()}`;
}

/** A tool a model must call: a name, what it is for, and its input's JSON Schema (Anthropic's shape). */
export interface ToolSpec {
  name: string;
  description: string;
  input_schema: { type: 'object'; properties: Record<string, unknown>; required: string[] };
}

/** The tool Claude must call; its input is exactly the core's app spec. Metadata first, files last. */
export function appSpecTool(appType: AppType): ToolSpec {
  return {
    name: TOOL_NAME,
    description: 'Writes the complete app: every file in full, how to start it and what it depends on.',
    input_schema: {
      type: 'object' as const,
      properties: {
        appType: { type: 'string', enum: [appType] },
        title: { type: 'string', description: 'A short name for the app.' },
        description: { type: 'string', description: 'One sentence saying what the app does.' },
        startCommand: { type: 'string', description: 'The shell command that starts the app from its folder.' },
        dependencies: { type: 'array', items: { type: 'string' }, description: 'Package names to install (npm, or pip for Python), optionally with a version.' },
        port: { type: 'integer', description: 'The port the app listens on when PORT is not set: 3000.' },
        checks: {
          type: 'array',
          maxItems: MAX_CHECKS,
          description: 'Requests the running app must answer as stated (checked after every deploy); APIs declare a few.',
          items: {
            type: 'object',
            properties: {
              method: { type: 'string', enum: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] },
              path: { type: 'string', description: 'From the root, e.g. "/api/items".' },
              status: { type: 'integer', description: 'The status it must answer with, e.g. 200.' },
              body: { type: 'string', description: 'A JSON request body, when the method takes one.' },
            },
            required: ['method', 'path', 'status'],
          },
        },
        files: {
          type: 'array',
          minItems: 1,
          description: 'Every file of the app, complete.',
          items: {
            type: 'object',
            properties: {
              path: { type: 'string', description: 'Relative path, e.g. "index.html" or "public/app.js".' },
              content: { type: 'string', description: 'The whole file.' },
            },
            required: ['path', 'content'],
          },
        },
      },
      required: ['appType', 'startCommand', 'dependencies', 'port', 'files'],
    },
  };
}

/** Checks the tool's input against the app spec; throws a TypeError with one sentence saying what is wrong. */
export function specFromToolInput(rawJson: string, appType: AppType): AppSpec {
  let input: unknown;
  try {
    input = JSON.parse(rawJson);
  } catch {
    throw new TypeError('The tool input is not valid JSON.');
  }
  const spec = parseSpec(input);
  if (spec.appType !== appType) throw new TypeError(`appType must be "${appType}".`);
  if (spec.files.length === 0) throw new TypeError('files must list at least one file.');
  // A stack's scaffold (react's) is ours: merged here, so every front sees the whole app.
  return withScaffold(spec);
}

/** The system prompt of a refine or fix turn (any model): change the app through the patch tool, keep the user's edits. */
export function patchSystemPrompt(appType: AppType): string {
  return `You change small, complete, runnable apps. Answer only by calling the ${PATCH_TOOL.name} tool once.\n${stackOf(appType).prompt}\nKeep the user's own edits unless asked to change them. For a small change in a file, send edits (the exact text to find, once, and its replacement) rather than the whole file. Paths are relative; never absolute, never "..".`;
}

/**
 * Checks the patch tool's input and makes its edits into whole files against the app it was asked about (`spec`,
 * whose `secrets` it was sent redacted); throws a TypeError with one sentence saying what is wrong.
 */
export function patchFromToolInput(rawJson: string, spec: AppSpec, secrets?: AppSecrets, emit?: (e: SpawnEvent) => void): AppPatch {
  let raw: unknown;
  try {
    raw = JSON.parse(rawJson);
  } catch {
    throw new TypeError('The tool input is not valid JSON.');
  }
  const { edited, ...patch } = patchWithEdits(spec, parsePatch(raw), secrets);
  // The files its edits changed, announced as the streamed ones were (whole content; the secrets as the model saw them).
  const redactor = new Redactor(Object.values(secrets ?? {}));
  for (const path of edited) {
    const content = patch.changes.find((c) => c.path === path)?.content ?? '';
    emit?.({ event: 'file', path, status: 'started' });
    emit?.({ event: 'file', path, status: 'complete', content: redactor.redact(content) });
  }
  return patch;
}
