// Flat ESLint config: typescript-eslint, type-only imports, and the rule that keeps src/core free of `vscode`.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const NO_VSCODE = { name: 'vscode', message: 'src/core and the CLI must not import vscode.' };
const NO_ONLY = {
  selector: "CallExpression[callee.object.name=/^(describe|it|suite|test)$/][callee.property.name='only']",
  message: 'No .only in committed tests.',
};
/** Internals a front must not import: each rule has its owner (core/deploy/budget.ts, core/app/trust.ts, core/deploy/deploy.ts). */
const FRONT_RULES = [
  { group: ['**/core/deploy/budget'], importNames: ['FileSpendStore', 'defaultSpendFile', 'SandboxMeter', 'parseBudget'], message: 'A headless front builds and checks the cap with budgetFromEnv, checkPaidStart and meterFor (core/deploy/budget.ts).' },
  { group: ['**/core/app/trust'], importNames: ['specDigest'], message: 'Trust is TrustedSpecs (core/app/trust.ts) and mayRunWithoutAsking (core/tools/trust.ts): one digest for every front.' },
  { group: ['**/core/deploy/deploy'], importNames: ['startIn', 'deployInto'], message: 'A stopped app restarts with restartInPlace, as deployKind decides (core/deploy/deploy.ts, core/deploy/redeployPlan.ts).' },
];
/** Pre-warm decisions are core/deploy/prewarm.ts's: prewarmWanted ("E2B only"), takePrewarm (the take rule), extendAfterTake. */
const FRONT_SYNTAX = [
  { selector: "MemberExpression[property.name='prewarm'][object.type='CallExpression'][object.callee.name='providerInfo']", message: 'Whether to pre-warm is prewarmWanted (core/deploy/prewarm.ts).' },
  { selector: "CallExpression[callee.property.name='take'][arguments.length=0]", message: 'A pre-warmed sandbox is taken with takePrewarm (core/deploy/prewarm.ts): the same app type on the same provider.' },
];

export default tseslint.config(
  { ignores: ['dist/**', 'out/**', 'node_modules/**', '.vscode-host/**', '.vscode-test/**', 'media/**/*.min.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-syntax': ['error', NO_ONLY],
    },
  },
  {
    files: ['src/core/**/*.ts', 'src/cli.ts', 'src/mcp/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: [NO_VSCODE] }],
    },
  },
  // The fronts (the CLI, the MCP server and its tools, the extension and its chat tools) take the rules that have
  // one owner in the core (issue 19) from that owner, never from its internals.
  {
    files: ['src/cli*.ts', 'src/mcp/**/*.ts', 'src/core/tools/headlessTools.ts'],
    rules: { 'no-restricted-imports': ['error', { paths: [NO_VSCODE], patterns: FRONT_RULES }], 'no-restricted-syntax': ['error', NO_ONLY, ...FRONT_SYNTAX] },
  },
  {
    files: ['src/vscode/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: FRONT_RULES }], 'no-restricted-syntax': ['error', NO_ONLY, ...FRONT_SYNTAX] },
  },
  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    languageOptions: { globals: { require: 'readonly', module: 'writable', process: 'readonly', console: 'readonly', __dirname: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', URL: 'readonly', Buffer: 'readonly', window: 'readonly', document: 'readonly', acquireVsCodeApi: 'readonly', navigator: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
