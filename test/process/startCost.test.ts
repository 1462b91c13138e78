/**
 * What a front's start loads: zod/mini and the shapes' schemas are made on first use (core/base/shape.ts), so the
 * CLI (and the extension, and the MCP server) pay nothing for them until a shape is read. Loading them at start
 * cost the CLI's `--version` ~10 % of its own work (instructions measured with callgrind).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';

const root = path.resolve(__dirname, '../..');

/** The zod modules a fresh process has loaded after `code` ran (tsx: our sources as CommonJS). */
function zodLoadedAfter(code: string): number {
  const probe = `${code};\nprocess.stdout.write(String(Object.keys(require.cache).filter((k) => /node_modules[\\\\/]zod[\\\\/]/.test(k)).length));`;
  return Number(execFileSync(process.execPath, ['--import', 'tsx', '-e', probe], { cwd: root, encoding: 'utf8' }));
}

describe('what a front’s start loads', function () {
  this.timeout(60_000);

  it('the CLI’s modules load without zod; the first shape read loads it', () => {
    assert.equal(zodLoadedAfter("require('./src/cli/index.ts')"), 0, 'no zod module at start');
    assert.ok(zodLoadedAfter("require('./src/cli/index.ts'); require('./src/core/app/spec.ts').parseSpec({ appType: 'webapp', files: [], startCommand: 'node s.js' })") > 0, 'the probe sees zod once a shape is read');
  });
});
