/** `spawn-app mcp`: the MCP server on stdio, with the same secrets, cap and local runner as every command. */
import path from 'node:path';
import { spendFile } from '../../core/session';
import { usage } from '../args';
import type { Ctx } from '../context';

export async function cmdMcp(ctx: Ctx, version: string): Promise<number> {
  const { opts } = ctx;
  if (opts.json) throw usage('mcp speaks JSON-RPC on stdout already; leave out --json.');
  const { serveMcp } = await import('../../mcp/server');
  return serveMcp({
    cfg: ctx.cfg,
    local: ctx.session.local,
    appsDir: path.resolve(opts.dir ?? 'spawn-apps'),
    provider: opts.provider ?? 'auto',
    allowLocalUnsandboxed: opts['allow-local-unsandboxed'],
    allowDestroyAny: opts['allow-destroy-any'],
    keep: opts.keep,
    // The same secrets and cap as every other command (--env-file, --budget, SPAWN_APP_BUDGET_USD).
    spend: spendFile(ctx.env),
    budgetUsd: ctx.session.budget?.limitUsd,
    secrets: ctx.session.secrets,
    meterMs: ctx.session.meterMs,
    prewarm: !opts['no-prewarm'],
    version,
    log: ctx.io.err,
  });
}
