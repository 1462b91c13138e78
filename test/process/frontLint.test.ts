/**
 * The lint rules that keep each front on the app session (eslint.config.mjs, issue 19) see a dynamic `import('…')`
 * as well as a static import: a front that loads the pipeline lazily is refused the same way.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { ESLint } from 'eslint';

const root = path.resolve(__dirname, '../..');

describe('the fronts’ lint rules (eslint.config.mjs)', function () {
  this.timeout(60_000);
  const eslint = new ESLint({ cwd: root });
  const problems = async (file: string, code: string) => (await eslint.lintText(code, { filePath: path.join(root, file) }))[0]!.messages.map((m) => `${m.ruleId}: ${m.line}`);

  const cases: [string, string][] = [
    ['src/vscode/commands/probe.ts', '../../core'],
    ['src/cli/commands/probe.ts', '../../core'],
    ['src/mcp/probe.ts', '../core'],
  ];
  for (const [file, core] of cases) {
    it(`${file.split('/')[1]}: a dynamic import of a core internal is refused like a static one; the session is not`, async () => {
      const code = [
        `export const a = () => import('${core}/generate/claudeModels');`,
        `export const b = () => import('${core}/deploy/deploy');`,
        `export const c = () => import('${core}/session');`,
        `import { deploy } from '${core}/deploy/deploy';`,
        'export const d = deploy;',
        '',
      ].join('\n');
      assert.deepEqual(await problems(file, code), ['no-restricted-syntax: 1', 'no-restricted-syntax: 2', 'no-restricted-imports: 4']);
    });
  }
});
