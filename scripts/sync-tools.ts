/** Writes the agent tools' contribution into package.json from src/core/tools/definitions.ts (`npm run sync:tools`). */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { languageModelToolContributions, languageModelToolSetContributions } from '../src/core/tools/definitions';

const file = path.resolve(__dirname, '../package.json');
const pkg = JSON.parse(readFileSync(file, 'utf8'));
pkg.contributes.languageModelTools = languageModelToolContributions();
// The extension registers every tool as it activates, so the set is always contributed (`--with-tool-set`, which
// older notes mention, changes nothing).
pkg.contributes.languageModelToolSets = languageModelToolSetContributions();
writeFileSync(file, JSON.stringify(pkg, null, 2) + '\n');
console.log(`package.json: ${pkg.contributes.languageModelTools.length} languageModelTools${pkg.contributes.languageModelToolSets ? ', 1 tool set' : ''}`);
