// Flat ESLint config: typescript-eslint, type-only imports, and the rule that keeps src/core free of `vscode`.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const NO_VSCODE = { name: 'vscode', message: 'src/core, the CLI and the MCP server must not import vscode.' };
const NO_ONLY = {
  selector: "CallExpression[callee.object.name=/^(describe|it|suite|test)$/][callee.property.name='only']",
  message: 'No .only in committed tests.',
};
/**
 * What a front (src/cli, src/mcp, later src/vscode) may import from src/core (issue 19): the app session, types from
 * anywhere (`import type`), and these front-neutral leaf helpers. Never the pipeline (deploy), pre-warm, the budget,
 * the providers and sandboxes, the generators, trust or secrets directly: those decisions are the session's.
 */
const FRONT_LEAVES = [
  'session', // the one object a front calls (core/session/index.ts)
  'base/errors', // SpawnError, exit codes, messages
  'base/events', // the event and logger types, TailBuffer
  'base/config', // configFromEnv, DEFAULTS
  'base/pricing', // formatUsd
  'base/keyedQueue', // one turn per key
  'app/spec', // the app spec's shape and its pure helpers (appNameFrom, promptTooLong)
  'deploy/whereItRuns', // the one sentence (words only)
  'deploy/cost', // the one cost function (format only; the session lists sandboxes with their cost)
  'tools/definitions', // the agent tools' names and descriptions
  'tools/schemas', // one zod schema per tool
  'tools/toolText', // how the agent tools' results read
];
const FRONT_ONLY_SESSION = {
  // Any module under core/ but the session and the leaves (a regex: a gitignore-style group cannot re-include a file
  // of an excluded folder).
  regex: `(^|/)core/(?!(${FRONT_LEAVES.join('|')})(/|$))`,
  allowTypeImports: true,
  message: 'A front calls the app session (core/session) and imports types; the pipeline, pre-warm, budget, providers, generators, trust and secrets are the session\'s (issue 19). A front-neutral leaf helper goes in FRONT_LEAVES.',
};

/** Until src/vscode is on the session (TODO below): internals the extension must not import: each rule has its owner (core/deploy/budget.ts, core/app/trust.ts, core/deploy/deploy.ts). */
const FRONT_RULES = [
  { group: ['**/core/deploy/budget'], importNames: ['FileSpendStore', 'defaultSpendFile', 'SandboxMeter', 'parseBudget'], message: 'The cap is checked with checkPaidStart and metered with meterFor (core/deploy/budget.ts); the CLI and the MCP server have it from the app session (core/session).' },
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
    files: ['src/core/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: [NO_VSCODE] }],
    },
  },
  // The fronts (the CLI, the MCP server and its tools) take every decision from the app session (issue 19).
  {
    files: ['src/cli/**/*.ts', 'src/mcp/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { paths: [NO_VSCODE], patterns: [FRONT_ONLY_SESSION] }] },
  },
  // TODO(issue 19, the extension's move onto the session): give src/vscode/** FRONT_ONLY_SESSION too (without
  // NO_VSCODE) once these 36 files of src/vscode/ no longer import core internals (the app tree, versions, drafts and
  // edits may join FRONT_LEAVES as the editor's model):
  //   base/secrets.ts base/settings.ts commands/files/newFile.ts commands/files/renameEntry.ts
  //   commands/openAppFromFolder.ts commands/sandbox/destroy.ts commands/sandbox/extendTimeout.ts
  //   commands/sandbox/pauseResume.ts commands/sandbox/shareApp.ts commands/saveAppToFolder.ts
  //   commands/setAppSecret.ts commands/showVersions.ts cost/spendingCap.ts deploy/deployConfirmation.ts
  //   deploy/deployDialogs.ts deploy/deployEvents.ts deploy/deployHistory.ts deploy/deployRun.ts
  //   deploy/deployService.ts fs/appFileSystemProvider.ts fs/appPersistence.ts fs/diagnostics.ts
  //   fs/findingsSection.ts generate/spawner.ts iterate/appIterator.ts iterate/claudeChanges.ts
  //   iterate/history.ts iterate/proposals.ts lm/agentTools.ts lm/toolConfirmations.ts sandboxes/providers.ts
  //   sandboxes/sandboxDiscovery.ts sandboxes/sandboxRegistry.ts sandboxes/sandboxTerminals.ts
  //   views/appsTreeProvider.ts views/sandboxItems.ts
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
