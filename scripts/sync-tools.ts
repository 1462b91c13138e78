/** Writes the agent tools' contribution into package.json from src/core/tools/definitions.ts (`npm run sync:tools`). */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { languageModelToolContributions, languageModelToolSetContributions } from '../src/core/tools/definitions';

const file = path.resolve(__dirname, '../package.json');
const pkg = JSON.parse(readFileSync(file, 'utf8'));
pkg.contributes.languageModelTools = languageModelToolContributions();
pkg.contributes.languageModelToolSets = languageModelToolSetContributions();
writeFileSync(file, JSON.stringify(pkg, null, 2) + '\n');
console.log(`package.json: ${pkg.contributes.languageModelTools.length} languageModelTools, 1 tool set`);
