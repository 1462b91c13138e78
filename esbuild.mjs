// Bundles the extension and the CLI. `--production` minifies; `--watch` rebuilds on change.
import * as esbuild from 'esbuild';
import { cpSync, mkdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

/** Prints errors in the format VS Code's esbuild problem matcher understands. */
const problemMatcher = {
  name: 'problem-matcher',
  setup(build) {
    build.onStart(() => { if (watch) console.log('[watch] build started'); });
    build.onEnd((result) => {
      for (const { text, location } of result.errors) {
        console.error(`✘ [ERROR] ${text}`);
        if (location) console.error(`    ${location.file}:${location.line}:${location.column}:`);
      }
      if (watch) console.log('[watch] build finished');
    });
  },
};

const common = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  sourcemap: !production,
  minify: production,
  logLevel: 'warning',
  plugins: [problemMatcher],
};

/**
 * playwright-core (the verification step's browser driver, src/core/verify) is not bundled: it reads its own
 * package.json and browsers.json from its folder at load time. Its runtime files are copied next to the bundles
 * (dist/node_modules/playwright-core, shipped in the .vsix by .vscodeignore) and loaded only when an app is checked.
 */
const PLAYWRIGHT_FILES = ['package.json', 'browsers.json', 'index.js', 'index.mjs', 'LICENSE', 'NOTICE', 'ThirdPartyNotices.txt', 'lib/bootstrap.js', 'lib/coreBundle.js', 'lib/utilsBundle.js', 'lib/utilsBundle.js.LICENSE', 'lib/package.js', 'lib/serverRegistry.js', 'lib/serverRegistry.js.LICENSE'];
function copyPlaywright() {
  const from = path.dirname(createRequire(import.meta.url).resolve('playwright-core/package.json'));
  const to = 'dist/node_modules/playwright-core';
  rmSync(to, { recursive: true, force: true });
  mkdirSync(path.join(to, 'lib'), { recursive: true });
  for (const f of PLAYWRIGHT_FILES) cpSync(path.join(from, f), path.join(to, f));
}
copyPlaywright();

const contexts = await Promise.all([
  esbuild.context({ ...common, entryPoints: ['src/extension.ts'], outfile: 'dist/extension.js', external: ['vscode', 'playwright-core'] }),
  esbuild.context({ ...common, entryPoints: ['src/cli/index.ts'], outfile: 'dist/cli.js', external: ['playwright-core'] }),
]);

if (watch) {
  await Promise.all(contexts.map((c) => c.watch()));
} else {
  await Promise.all(contexts.map((c) => c.rebuild()));
  await Promise.all(contexts.map((c) => c.dispose()));
}
