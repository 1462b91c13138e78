/**
 * The six agent tools, defined once for every front: the MCP server (`spawn-app mcp`) lists them as they are,
 * and the extension contributes them as `languageModelTools` (package.json is checked against this file by
 * test/node/toolDefinitions.test.ts). Names, schemas and descriptions must not drift between the two.
 */
import type { ToolName } from './schemas';
import { toolJsonSchema } from './schemas';

/** A JSON Schema subset: what both MCP and VS Code's `inputSchema` accept. */
export interface JsonSchema {
  type: 'object' | 'string' | 'number' | 'integer' | 'boolean' | 'array';
  description?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  enum?: readonly string[];
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  default?: unknown;
  additionalProperties?: boolean;
}

export interface ToolDefinition {
  name: ToolName;
  /** Short human title (MCP `title`, VS Code `displayName`). */
  title: string;
  /** `#<toolReferenceName>` in VS Code chat. */
  toolReferenceName: string;
  /** What the model reads to decide when and how to call it. */
  modelDescription: string;
  /** What a person reads in the tool picker. */
  userDescription: string;
  inputSchema: JsonSchema & { type: 'object' };
  /** Whether calling it may run code or cost money (VS Code asks first; MCP annotates it). */
  runsCode: boolean;
  /** Whether it only reads (MCP `readOnlyHint`). */
  readOnly: boolean;
  /** Whether it ends something that cannot be brought back (MCP `destructiveHint`). */
  destructive: boolean;
}

/** A tool's published schema, generated from its zod schema (schemas.ts): one schema, validated and published alike. */
function schemaOf(name: ToolName): JsonSchema & { type: 'object' } {
  return toolJsonSchema(name) as unknown as JsonSchema & { type: 'object' };
}

export { MAX_LOG_TAIL } from './schemas';

export const TOOL_DEFINITIONS: readonly ToolDefinition[] = [
  {
    name: 'spawn_app',
    title: 'Spawn App',
    toolReferenceName: 'spawnApp',
    modelDescription:
      'Creates a small runnable app from a one-sentence description (a web page with its server, a REST API, or a Python script) and, unless deploy is false, starts it in a sandbox and returns its URL. ' +
      'Returns the app id (use it with the other spawn-app tools), the files written, validation findings and, when deployed, the URL and the sandbox id. ' +
      'On failure it returns an error code, one sentence and the app\'s last output. Call it when the user asks for a new app, demo, prototype or tool that should run.',
    userDescription: 'Generate an app from a sentence and run it in a sandbox.',
    inputSchema: schemaOf('spawn_app'),
    runsCode: true,
    readOnly: false,
    destructive: false,
  },
  {
    name: 'deploy_app',
    title: 'Deploy App',
    toolReferenceName: 'spawnAppDeploy',
    modelDescription:
      'Starts (or restarts with its current files) an existing app in a sandbox and returns its URL. Use it after editing an app\'s files, or to run an app spawn_app wrote with deploy false. ' +
      'A running app is updated in place: only changed files are written and it restarts only when needed. On failure it returns the error code, one sentence and the app\'s last output.',
    userDescription: 'Run an app in a sandbox (again) and return its URL.',
    inputSchema: schemaOf('deploy_app'),
    runsCode: true,
    readOnly: false,
    destructive: false,
  },
  {
    name: 'refine_app',
    title: 'Refine App',
    toolReferenceName: 'spawnAppRefine',
    modelDescription:
      'Changes an existing app as a follow-up instruction says ("make the buttons bigger", "add a /health endpoint"), writes the changed files and, when the app is running, updates it in place. ' +
      'Returns the changed paths, a one-line summary and, when running, the URL. Needs a model (an Anthropic API key or, in VS Code, a chat model).',
    userDescription: 'Change an app with a follow-up instruction.',
    inputSchema: schemaOf('refine_app'),
    runsCode: true,
    readOnly: false,
    destructive: false,
  },
  {
    name: 'list_apps_and_sandboxes',
    title: 'List Apps and Sandboxes',
    toolReferenceName: 'spawnAppList',
    modelDescription:
      'Lists the apps (id, title, type, folder or draft, whether running and where) and every running sandbox (id, provider, app, URL, age, time left, cost). Call it to find an app id or a sandbox id.',
    userDescription: 'List apps and running sandboxes.',
    inputSchema: schemaOf('list_apps_and_sandboxes'),
    runsCode: false,
    readOnly: true,
    destructive: false,
  },
  {
    name: 'get_app_logs',
    title: 'Get App Logs',
    toolReferenceName: 'spawnAppLogs',
    modelDescription:
      'Returns the last lines a running (or failed) app printed, install output included, oldest first. Use it to see why an app fails or what it logged.',
    userDescription: 'Show the last lines an app printed.',
    inputSchema: schemaOf('get_app_logs'),
    runsCode: false,
    readOnly: true,
    destructive: false,
  },
  {
    name: 'destroy_sandbox',
    title: 'Destroy Sandbox',
    toolReferenceName: 'spawnAppDestroy',
    modelDescription:
      'Stops an app and destroys its sandbox and its data folder ($DATA_DIR; the app files in its folder or draft stay). Give the sandbox id, or the app id to destroy the sandbox that app runs in.',
    userDescription: 'Stop an app and destroy its sandbox and its data.',
    inputSchema: schemaOf('destroy_sandbox'),
    runsCode: false,
    readOnly: false,
    destructive: true,
  },
];

/** The `languageModelToolSets` entry that groups them in VS Code. */
export const TOOL_SET = {
  name: 'spawnAppTools',
  referenceName: 'spawnAppTools',
  description: 'Spawn App: generate, run, change and stop small apps.',
} as const;

export function toolDefinition(name: string): ToolDefinition | undefined {
  return TOOL_DEFINITIONS.find((t) => t.name === name);
}

/**
 * The `contributes.languageModelTools` entries package.json must carry (scripts/sync-tools.ts writes them; a unit test
 * checks). No `when`: the extension registers every tool as it activates (`onLanguageModelTool:<name>` activates it).
 */
export function languageModelToolContributions(): Record<string, unknown>[] {
  return TOOL_DEFINITIONS.map((t) => ({
    name: t.name,
    displayName: t.title,
    toolReferenceName: t.toolReferenceName,
    canBeReferencedInPrompt: true,
    icon: '$(sparkle)',
    modelDescription: t.modelDescription,
    userDescription: t.userDescription,
    inputSchema: t.inputSchema,
  }));
}

/** The `contributes.languageModelToolSets` entry. */
export function languageModelToolSetContributions(): Record<string, unknown>[] {
  return [{ name: TOOL_SET.name, referenceName: TOOL_SET.referenceName, description: TOOL_SET.description, icon: '$(sparkle)', tools: TOOL_DEFINITIONS.map((t) => t.name) }];
}
