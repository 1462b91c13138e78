#!/usr/bin/env node
// Compiles the integration suites (test/integration/*.ts) to out/test/integration/*.js for the extension host:
// each file bundled on its own, `vscode` and `mocha` left to the host. See test/integration/index.ts.
import { readdirSync } from 'node:fs';
import * as esbuild from 'esbuild';

const dir = 'test/integration';
const entryPoints = readdirSync(dir).filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts')).map((f) => `${dir}/${f}`);
await esbuild.build({
  entryPoints,
  outdir: 'out/test/integration',
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  sourcemap: 'inline',
  external: ['vscode', 'mocha'],
  logLevel: 'warning',
});
console.log(`build-tests: ${entryPoints.length} files → out/test/integration`);
