/**
 * `spawn-app mcp`: the agent tools over MCP on stdio, for Claude Code, Cursor, VS Code's MCP support and any
 * other MCP client. stdout carries JSON-RPC only; every log line goes to stderr. When the client disconnects
 * (stdin closes) or the process is told to stop, the sandboxes this server started are destroyed, unless kept.
 */
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { CallToolRequestSchema, ListToolsRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import type { SpendStore } from '../core/deploy/budget';
import type { CoreConfig } from '../core/base/config';
import type { AppSecrets } from '../core/base/secrets';
import type { Logger } from '../core/base/events';
import type { ProviderChoice } from '../core/sandbox';
import type { LocalProvider, LocalProviderOptions } from '../core/sandbox/local/provider';
import { TOOL_DEFINITIONS } from '../core/tools/definitions';
import { terminalSafe } from '../core/base/terminalSafe';
import { HeadlessTools } from './headlessTools';

export interface McpOptions {
  cfg: CoreConfig;
  /** The local runner (the CLI's), or its options (the session makes it). */
  local: LocalProvider | LocalProviderOptions;
  appsDir: string;
  provider: ProviderChoice;
  allowLocalUnsandboxed: boolean;
  /** destroy_sandbox may stop any of the user's sandboxes (else only this server's and those of its apps folder). */
  allowDestroyAny?: boolean;
  keep: boolean;
  /** Where today's spend is kept (the CLI's spend file) and the cap (--budget, SPAWN_APP_BUDGET_USD), as the CLI reads them. */
  spend?: SpendStore;
  budgetUsd?: number;
  /** The apps' secrets from --env-file (read as the CLI reads them). */
  secrets?: AppSecrets;
  meterMs?: number;
  /** Pre-warm an E2B sandbox while the model writes (spawn_app), as the CLI's run does (default true). */
  prewarm?: boolean;
  version: string;
  stdin?: NodeJS.ReadableStream & { on(event: 'end' | 'close', fn: () => void): unknown };
  stdout?: NodeJS.WritableStream;
  /** Where log lines go (stderr). */
  log: (line: string) => void;
}

/** The tools as MCP lists them: the shared definitions, plus MCP's behaviour hints. */
export function mcpTools(): Tool[] {
  return TOOL_DEFINITIONS.map((t) => ({
    name: t.name,
    title: t.title,
    description: t.modelDescription,
    inputSchema: t.inputSchema as Tool['inputSchema'],
    annotations: { title: t.title, readOnlyHint: t.readOnly, destructiveHint: t.destructive, openWorldHint: t.runsCode },
  }));
}

function stderrLogger(log: (line: string) => void): Logger {
  const at = (level: string) => (msg: string | Error, ...args: unknown[]) =>
    log(`[${level}] ${msg instanceof Error ? msg.message : msg}${args.length ? ' ' + args.map(String).join(' ') : ''}`);
  return { trace: () => undefined, debug: () => undefined, info: at('info'), warn: at('warn'), error: at('error') };
}

/** Serves until the client disconnects or a signal arrives; resolves with the exit code. */
export async function serveMcp(opts: McpOptions): Promise<number> {
  // Nothing but JSON-RPC may reach stdout: a stray console.log from a dependency goes to stderr instead.
  console.log = (...args: unknown[]) => opts.log(args.map(String).join(' '));
  console.info = console.log;
  const logger = stderrLogger(opts.log);
  const tools = new HeadlessTools({
    cfg: opts.cfg,
    local: opts.local,
    appsDir: opts.appsDir,
    provider: opts.provider,
    allowLocalUnsandboxed: opts.allowLocalUnsandboxed,
    allowDestroyAny: opts.allowDestroyAny,
    keep: opts.keep,
    logger,
    client: 'mcp',
    spend: opts.spend,
    budgetUsd: opts.budgetUsd,
    secrets: opts.secrets,
    meterMs: opts.meterMs,
    prewarm: opts.prewarm,
  });
  const mcp = new McpServer(
    { name: 'spawn-app', title: 'Spawn App', version: opts.version },
    {
      capabilities: { tools: {} },
      instructions:
        'Spawn App turns a sentence into a running app: spawn_app writes it (to a folder you may edit) and runs it in a sandbox; deploy_app runs it again after edits; refine_app changes it; get_app_logs shows its output; destroy_sandbox stops it.',
    },
  );
  mcp.server.setRequestHandler(ListToolsRequestSchema, () => ({ tools: mcpTools() }));
  mcp.server.setRequestHandler(CallToolRequestSchema, async (req, extra) => {
    const t0 = performance.now();
    const res = await tools.call(req.params.name, (req.params.arguments ?? {}) as Record<string, unknown>, extra.signal);
    logger.info(`[mcp] ${req.params.name} ${res.isError ? 'failed' : 'done'} in ${Math.round(performance.now() - t0)} ms`);
    // Clients show results on a terminal too (Claude Code): file names and app output arrive with controls escaped.
    // A deployed app's screenshot (core/verify) as image content: the agent sees the app it built.
    const image = res.image ? [{ type: 'image' as const, data: Buffer.from(res.image.data).toString('base64'), mimeType: res.image.mimeType }] : [];
    return { content: [{ type: 'text', text: terminalSafe(res.text) }, ...image], isError: res.isError };
  });

  const stdin = opts.stdin ?? process.stdin;
  const transport = new StdioServerTransport(stdin as never, (opts.stdout ?? process.stdout) as never);
  let resolveEnded!: (why: string) => void;
  const ended = new Promise<string>((r) => (resolveEnded = r));
  stdin.on('end', () => resolveEnded('the client disconnected'));
  stdin.on('close', () => resolveEnded('the client disconnected'));
  let stopKept!: () => void;
  const keptStopped = new Promise<void>((r) => (stopKept = r));
  const onSignal = (sig: string) => () => {
    resolveEnded(`${sig} received`);
    stopKept();
  };
  const signals = { SIGINT: onSignal('SIGINT'), SIGTERM: onSignal('SIGTERM'), SIGHUP: onSignal('SIGHUP') };
  for (const [sig, fn] of Object.entries(signals)) process.on(sig, fn);
  transport.onclose = () => resolveEnded('the transport closed');

  await mcp.connect(transport);
  logger.info(
    `[mcp] spawn-app ${opts.version} serving on stdio; apps in ${opts.appsDir}; ` +
      (opts.allowLocalUnsandboxed ? 'model-written apps MAY run unsandboxed on the local runner' : 'model-written apps never run unsandboxed') +
      (opts.keep ? '; sandboxes are kept after the session' : '') +
      (opts.allowDestroyAny ? '; destroy_sandbox may stop any of your sandboxes' : '') +
      (tools.session.budgetText() ? `; budget ${tools.session.budgetText()}` : '') +
      (opts.secrets && Object.keys(opts.secrets).length ? `; app secrets: ${Object.keys(opts.secrets).join(', ')}` : ''),
  );
  const why = await ended;
  logger.info(`[mcp] stopping: ${why}`);
  const { keptLocal } = await tools.shutdown();
  await mcp.close().catch(() => undefined);
  if (keptLocal.length) {
    logger.info(`[mcp] ${keptLocal.length} kept local app(s) still running; this process stays until they are destroyed (spawn-app destroy ID)`);
    await Promise.race([Promise.all(keptLocal), keptStopped]);
  }
  for (const [sig, fn] of Object.entries(signals)) process.off(sig, fn);
  await tools.session.dispose();
  return 0;
}
