#!/usr/bin/env node
// Compiles the integration suites (test/integration/*.ts) to out/test/integration/*.js for the extension host:
// each file bundled on its own, `vscode` and `mocha` left to the host. See test/integration/index.ts.
import { readdirSync } from 'node:fs';
import * as esbuild from 'esbuild';

// test/integration-lm: the suites for the newer VS Code host (npm run test:lm).
for (const dir of ['test/integration', 'test/integration-lm']) {
const entryPoints = readdirSync(dir).filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts')).map((f) => `${dir}/${f}`);
await esbuild.build({
  entryPoints,
  outdir: `out/${dir}`,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  sourcemap: 'inline',
  external: ['vscode', 'mocha'],
  logLevel: 'warning',
});
console.log(`build-tests: ${entryPoints.length} files → out/${dir}`);
}
