/**
 * One zod schema per agent tool: the JSON Schema both fronts publish (MCP's tools/list, the manifest's
 * `languageModelTools`, through definitions.ts and scripts/sync-tools.ts) is generated from it, and both fronts
 * check a call's arguments with it (`checkToolArgs`: the MCP server's HeadlessTools and the chat tools' AgentTools),
 * so a bad argument is refused with the same sentence wherever it comes from.
 */
import { z } from 'zod';
import { MAX_PROMPT_LENGTH } from '../app/spec';
import { APP_TYPES, stackOf } from '../stacks';

/** The agent tools' names (definitions.ts describes each). */
export type ToolName = 'spawn_app' | 'deploy_app' | 'refine_app' | 'list_apps_and_sandboxes' | 'get_app_logs' | 'destroy_sandbox';

export const MAX_LOG_TAIL = 500;

const appId = (description = 'The app id that spawn_app or list_apps_and_sandboxes returned.') => z.string().min(1).describe(description);

export const TOOL_SCHEMAS = {
  spawn_app: z
    .object({
      prompt: z.string().min(1).max(MAX_PROMPT_LENGTH).describe('What the app should do, in one or two sentences.'),
      appType: z
        .enum(APP_TYPES)
        .optional()
        .describe(`${APP_TYPES.map((t) => `${t}: ${stackOf(t).description}`).join('; ')}. Guessed from the prompt when left out.`),
      deploy: z.boolean().default(true).describe('Start the app after writing it (default true).'),
      keep: z.boolean().default(false).describe('Keep its sandbox running after this session ends (default false: destroyed when the client disconnects).'),
    })
    .strict(),
  deploy_app: z
    .object({
      appId: appId(),
      keep: z.boolean().default(false).describe('Keep its sandbox running after this session ends.'),
    })
    .strict(),
  refine_app: z
    .object({
      appId: appId(),
      followUp: z.string().min(1).max(MAX_PROMPT_LENGTH).describe('What to change, in a sentence or two.'),
    })
    .strict(),
  list_apps_and_sandboxes: z.object({}).strict(),
  get_app_logs: z
    .object({
      appId: appId(),
      tail: z.number().int().min(1).max(MAX_LOG_TAIL).default(50).describe('How many of the last lines to return (default 50).'),
    })
    .strict(),
  destroy_sandbox: z
    .object({
      sandboxId: z.string().min(1).describe('The sandbox id (from spawn_app, deploy_app or list_apps_and_sandboxes).'),
      appId: appId('Or the app id: destroys the sandbox that app runs in.'),
    })
    .partial()
    .strict(),
} satisfies Record<ToolName, z.ZodObject>;

/** The JSON Schema a tool publishes (MCP `inputSchema`, VS Code `languageModelTools[].inputSchema`). */
export function toolJsonSchema(name: ToolName): Record<string, unknown> {
  const { $schema: _ignored, ...schema } = z.toJSONSchema(TOOL_SCHEMAS[name], { io: 'input', target: 'draft-07' }) as Record<string, unknown>;
  return schema;
}

/**
 * A call's arguments checked against its tool's schema: undefined when they pass, else one sentence for the first
 * mistake (the same from the MCP server and from the chat tools). Also what the schema cannot say: a blank string,
 * and destroy_sandbox's "one of sandboxId or appId".
 */
export function checkToolArgs(name: ToolName, args: Record<string, unknown>): string | undefined {
  const schema = TOOL_SCHEMAS[name];
  const result = schema.safeParse(args);
  if (!result.success) return sentenceFor(name, args, result.error.issues[0]!);
  for (const [key, v] of Object.entries(args)) if (typeof v === 'string' && !v.trim()) return `"${key}" is empty.`;
  if (name === 'destroy_sandbox') {
    if (args.sandboxId === undefined && args.appId === undefined) return 'destroy_sandbox needs "sandboxId" or "appId".';
    if (args.sandboxId !== undefined && args.appId !== undefined) return 'Give either "sandboxId" or "appId", not both.';
  }
  return undefined;
}

function sentenceFor(name: ToolName, args: Record<string, unknown>, issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys') return `${name} has no parameter "${issue.keys[0]}".`;
  const key = String(issue.path[0] ?? '');
  const v = args[key];
  if (v === undefined) return `${name} needs "${key}".`;
  const prop = (toolJsonSchema(name).properties as Record<string, { type?: string; enum?: string[]; minimum?: number; maximum?: number; maxLength?: number }>)[key] ?? {};
  if (prop.enum) return `"${key}" must be one of ${prop.enum.join(', ')}.`;
  if (prop.type === 'boolean') return `"${key}" must be true or false.`;
  if (prop.type === 'integer') return `"${key}" must be a whole number from ${prop.minimum} to ${prop.maximum}.`;
  if (typeof v !== 'string') return `"${key}" must be a string.`;
  if (issue.code === 'too_big') return `"${key}" is longer than ${prop.maxLength} characters.`;
  return `"${key}" is empty.`;
}
