/** Writes the agent tools' contribution into package.json from src/core/tools/definitions.ts (`npm run sync:tools`). */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { languageModelToolContributions, languageModelToolSetContributions } from '../src/core/tools/definitions';

const file = path.resolve(__dirname, '../package.json');
const pkg = JSON.parse(readFileSync(file, 'utf8'));
pkg.contributes.languageModelTools = languageModelToolContributions();
// VS Code (1.104) drops a tool set whose tools are hidden by their `when`, for good: the set is contributed
// once the extension registers the tools (`--with-tool-set`, when the `when` goes too).
if (process.argv.includes('--with-tool-set')) pkg.contributes.languageModelToolSets = languageModelToolSetContributions();
else delete pkg.contributes.languageModelToolSets;
writeFileSync(file, JSON.stringify(pkg, null, 2) + '\n');
console.log(`package.json: ${pkg.contributes.languageModelTools.length} languageModelTools${pkg.contributes.languageModelToolSets ? ', 1 tool set' : ''}`);
