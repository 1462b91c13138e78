// The layer check (`npm run lint` runs it): src/core's folders import only folders of their own layer or below,
// src/core never imports a front, no front imports another front, and no file in src/ is part of an import circle
// (type-only imports count).
// Usage: node scripts/check-layers.mjs [--root <repo>]   Exit 1 with one line per problem; 0 when the tree holds.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The layers of src/core, bottom first: a folder may import its own layer and those above it in this list, never
 * one below it. ARCHITECTURE.md (Layers) shows this table; a new folder of src/core needs its line here.
 */
export const LAYERS = [
  ['base', 'errors, events, findings, provider ids, config, prices, records, queue, safe file access, secrets'],
  ['stacks', 'the app types: one file per stack, one table (they build specs of the base type; app/spec.ts names them)'],
  ['app', 'the app spec, versions, the trust digest'],
  ['validate', 'the validator: findings, path rules, limits'],
  ['workspace', "an app's files as they change: folder, virtual tree, edits, diff, merge, patches, drafts"],
  ['generate', 'generators (templates, Claude, chat models), prompts, the fix loop'],
  ['sandbox', 'the provider interface and table; local/ and e2b/'],
  ['verify', 'is the deployed app working: a headless browser found on the machine, or HTTP checks only'],
  ['deploy', 'the pipeline, redeploy plans, pre-warm, budget, cost, where an app runs'],
  ['tools', "the agent tools' schemas, definitions, result text, trust rule"],
  ['session', "one app's life for every front"],
];

const ts = createRequire(import.meta.url)('typescript');

function tsFiles(dir) {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  return entries.flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return tsFiles(p);
    return e.isFile() && p.endsWith('.ts') && !p.endsWith('.d.ts') ? [p] : [];
  });
}

const isFile = (p) => {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
};

/**
 * The module names a file imports, from its syntax tree (a scan of the text would also read the imports inside a
 * template string, e.g. a stack's generated main.tsx).
 */
function specifiers(file) {
  const sf = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  const names = [];
  const literal = (n) => (n && ts.isStringLiteralLike(n) ? names.push(n.text) : undefined);
  const visit = (n) => {
    if (ts.isImportDeclaration(n) || ts.isExportDeclaration(n)) literal(n.moduleSpecifier);
    else if (ts.isImportEqualsDeclaration(n) && ts.isExternalModuleReference(n.moduleReference)) literal(n.moduleReference.expression);
    else if (ts.isCallExpression(n) && (n.expression.kind === ts.SyntaxKind.ImportKeyword || (ts.isIdentifier(n.expression) && n.expression.text === 'require'))) literal(n.arguments[0]);
    else if (ts.isImportTypeNode(n) && ts.isLiteralTypeNode(n.argument)) literal(n.argument.literal);
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return names;
}

/**
 * The files of the tree a file imports (import, export … from, import(), require(): type-only ones too), and the
 * relative imports that name no file (a `.js` suffix names its `.ts` file, as TypeScript resolves it).
 */
function importsOf(file) {
  const out = new Set();
  const unresolved = [];
  for (const fileName of specifiers(file)) {
    if (!fileName.startsWith('.')) continue;
    const base = path.resolve(path.dirname(file), fileName);
    const stem = base.replace(/\.js$/, '');
    const hit = [stem + '.ts', path.join(stem, 'index.ts'), path.join(base, 'index.ts'), base].find((c) => c.endsWith('.ts') && isFile(c));
    if (hit) out.add(hit);
    else if (!isFile(base)) unresolved.push(fileName); // a JSON or other non-TypeScript file is no part of the graph
  }
  return { deps: out, unresolved };
}

/** Every import circle (a strongly connected part of the graph with more than one file, or a file importing itself), as one path round it. */
function circles(graph) {
  const index = new Map(), low = new Map(), onStack = new Set(), stack = [], found = [];
  let next = 0;
  const visit = (v) => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v), low.get(w)));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v), index.get(w)));
    }
    if (low.get(v) !== index.get(v)) return;
    const part = [];
    let w;
    do {
      w = stack.pop();
      onStack.delete(w);
      part.push(w);
    } while (w !== v);
    if (part.length > 1 || graph.get(v)?.has(v)) found.push(pathRound(graph, new Set(part), v));
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return found;
}

/** A shortest path from `start` back to itself inside one strongly connected part. */
function pathRound(graph, part, start) {
  const prev = new Map([[start, null]]);
  const queue = [start];
  while (queue.length) {
    const v = queue.shift();
    for (const w of graph.get(v) ?? []) {
      if (!part.has(w)) continue;
      if (w === start) {
        const route = [start];
        for (let u = v; u !== start; u = prev.get(u)) route.splice(1, 0, u);
        return [...route, start];
      }
      if (!prev.has(w)) {
        prev.set(w, v);
        queue.push(w);
      }
    }
  }
  return [start, start];
}

/** The front a file belongs to ('cli', 'mcp', 'vscode'; the extension's entry point is the editor front's), or undefined. */
function frontOf(relPath) {
  if (relPath === 'src/extension.ts') return 'vscode';
  return /^src\/(cli|mcp|vscode)\//.exec(relPath)?.[1];
}

/** The imports from one front into another that are allowed: `spawn-app mcp` (a CLI command) starts the MCP server. */
const FRONT_ENTRIES = [['src/cli/commands/mcp.ts', 'src/mcp/server.ts']];

/** The problems of the tree at `root` (a repository with a src/ folder), one sentence each. */
export function checkLayers(root) {
  const src = path.join(root, 'src');
  const core = path.join(src, 'core');
  const rel = (p) => path.relative(root, p).split(path.sep).join('/');
  const rank = new Map(LAYERS.map(([name], i) => [name, i]));
  const order = LAYERS.map(([name]) => name).join(' < ');
  const problems = [];
  const graph = new Map();
  for (const f of tsFiles(src)) {
    const { deps, unresolved } = importsOf(f);
    graph.set(f, deps);
    for (const name of unresolved) problems.push(`${rel(f)} imports '${name}', which names no file: the check cannot follow it`);
  }

  /** The layer folder of a file under src/core ('' for a file at its root). */
  const folderOf = (f) => {
    const parts = path.relative(core, f).split(path.sep);
    return parts.length > 1 ? parts[0] : '';
  };
  const isFront = (f) => {
    const top = path.relative(src, f).split(path.sep)[0];
    return top === 'vscode' || top === 'mcp' || top === 'cli' || /^cli.*\.ts$/.test(top) || top === 'extension.ts';
  };
  const unknown = new Set();
  for (const [f, deps] of graph) {
    if (!f.startsWith(core + path.sep)) continue;
    const from = folderOf(f);
    if (!rank.has(from)) {
      if (!unknown.has(from)) problems.push(from ? `src/core/${from}/ is not in the layer table: add it to LAYERS in scripts/check-layers.mjs (and ARCHITECTURE.md)` : `${rel(f)} sits at the root of src/core: put it in the folder of its layer`);
      unknown.add(from);
      continue;
    }
    for (const d of deps) {
      if (isFront(d)) {
        problems.push(`${rel(f)} imports ${rel(d)}: src/core never imports a front (src/vscode, src/cli, src/mcp, src/extension.ts)`);
        continue;
      }
      if (!d.startsWith(core + path.sep)) continue;
      const to = folderOf(d);
      if (rank.has(to) && rank.get(to) > rank.get(from)) problems.push(`${rel(f)} imports ${rel(d)}: core/${from} may not import core/${to}, a higher layer (${order})`);
    }
  }
  // The fronts never import each other (what two fronts share lives in src/core); the one way in is a front's entry
  // point, started by another front's command (FRONT_ENTRIES).
  for (const [f, deps] of graph) {
    const from = frontOf(rel(f));
    if (!from) continue;
    for (const d of deps) {
      const to = frontOf(rel(d));
      if (to && to !== from && !FRONT_ENTRIES.some(([a, b]) => a === rel(f) && b === rel(d))) {
        problems.push(`${rel(f)} imports ${rel(d)}: a front never imports another front (src/cli, src/mcp, src/vscode); what both need goes in src/core`);
      }
    }
  }
  for (const c of circles(graph)) problems.push(`import circle: ${c.map(rel).join(' → ')}`);
  return problems;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const i = process.argv.indexOf('--root');
  const root = i > 0 ? path.resolve(process.argv[i + 1]) : path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  const problems = checkLayers(root);
  if (problems.length) {
    console.error(`check-layers: ${problems.length} problem(s):\n${problems.map((p) => `  ${p}`).join('\n')}`);
    console.error(`The layers of src/core, bottom first: ${LAYERS.map(([n]) => n).join(' < ')} (scripts/check-layers.mjs, ARCHITECTURE.md).`);
    process.exit(1);
  }
  console.log(`check-layers: src/core's layers hold (${LAYERS.map(([n]) => n).join(' < ')}); no front imports another; no import circles in src/.`);
}
