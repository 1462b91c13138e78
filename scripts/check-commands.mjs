#!/usr/bin/env node
// Fails when a command contributed in package.json is not registered, or a registered one is not contributed.
// Commands are declared with defineCommand('<id>', …) in src/vscode/commands/ and registered from the COMMANDS
// list in registerCommands.ts; this checks both the declarations and that every command module is in the list.
// (The integration tests check the same against the running extension host.)
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const commandsDir = path.join(root, 'src/vscode/commands');
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
const contributed = new Set((pkg.contributes?.commands ?? []).map((c) => c.command));

function walk(dir) {
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    return statSync(p).isDirectory() ? walk(p) : p.endsWith('.ts') ? [p] : [];
  });
}

const registry = readFileSync(path.join(commandsDir, 'registerCommands.ts'), 'utf8');
const listed = new Set([...(/COMMANDS[^=]*=\s*\[([^\]]*)\]/s.exec(registry)?.[1] ?? '').matchAll(/\b(\w+Command)\b/g)].map((m) => m[1]));
const declared = new Map(); // id -> file
const problems = [];
for (const file of walk(commandsDir)) {
  const text = readFileSync(file, 'utf8');
  for (const m of text.matchAll(/export const (\w+)\s*=\s*defineCommand\(\s*'([^']+)'/g)) {
    const [, name, id] = m;
    const rel = path.relative(root, file);
    if (declared.has(id)) problems.push(`${id} is declared twice (${declared.get(id)} and ${rel})`);
    declared.set(id, rel);
    if (!listed.has(name)) problems.push(`${id} (${rel}) is declared but missing from COMMANDS in registerCommands.ts`);
  }
}
for (const id of contributed) if (!declared.has(id)) problems.push(`${id} is contributed in package.json but never registered`);
for (const [id, file] of declared) if (!contributed.has(id)) problems.push(`${id} (${file}) is registered but not contributed in package.json`);

if (problems.length) {
  console.error(`check-commands: ${problems.length} problem(s):\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  process.exit(1);
}
console.log(`check-commands: all ${contributed.size} contributed commands are registered.`);
