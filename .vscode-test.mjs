// The standard @vscode/test-cli set-up, for machines that can download VS Code: `npm run test:vscode-test-cli`.
// It runs the same compiled integration suites (npm run build:tests) that `npm run test:integration` runs here in
// code-server's real VS Code (scripts/vscode-host/). The fake Anthropic/E2B servers start inside the suites.
import { defineConfig } from '@vscode/test-cli';

export default defineConfig({
  label: 'integration',
  files: 'out/test/integration/**/*.test.js',
  version: '1.100.3',
  mocha: { ui: 'bdd', timeout: 60_000, slow: 4_000 },
});
