#!/usr/bin/env node
// Moves the manifest's user-facing strings into package.nls.json (English) and puts %key% in package.json.
// Idempotent: run it after adding a command, view, setting or walkthrough step. `--check` changes nothing and
// exits 1 when a string is still inline or a %key% has no entry (test/process/manifest.test.ts runs it).
//   node scripts/nls.mjs [--check]
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const pkgFile = path.join(root, 'package.json');
const nlsFile = path.join(root, 'package.nls.json');
const check = process.argv.includes('--check');
const pkg = JSON.parse(readFileSync(pkgFile, 'utf8'));
let nls = {};
try {
  nls = JSON.parse(readFileSync(nlsFile, 'utf8'));
} catch {
  // first run
}
const problems = [];
const KEY = /^%([^%\s]+)%$/;

/** Replaces obj[prop] by %key% (recording the English text), or checks that it was. */
function localize(obj, prop, key) {
  const value = obj?.[prop];
  if (typeof value !== 'string' || value === '') return;
  const m = KEY.exec(value);
  if (m) {
    if (!(m[1] in nls)) problems.push(`${m[1]} is used in package.json but missing from package.nls.json`);
    return;
  }
  if (check) {
    problems.push(`package.json: "${value.slice(0, 60)}" (${key}) is not in package.nls.json; run node scripts/nls.mjs`);
    return;
  }
  if (key in nls && nls[key] !== value) throw new Error(`${key} already means "${nls[key]}"`);
  nls[key] = value;
  obj[prop] = `%${key}%`;
}

const short = (id) => id.replace(/^spawnApp\./, '');
localize(pkg, 'displayName', 'displayName');
localize(pkg, 'description', 'description');
const c = pkg.contributes;
for (const cmd of c.commands ?? []) {
  localize(cmd, 'title', `command.${short(cmd.command)}`);
  localize(cmd, 'category', 'command.category');
}
for (const container of c.viewsContainers?.activitybar ?? []) localize(container, 'title', `viewsContainer.${short(container.id)}`);
for (const views of Object.values(c.views ?? {})) {
  for (const v of views) {
    localize(v, 'name', `view.${short(v.id)}`);
    localize(v, 'contextualTitle', 'view.contextualTitle');
  }
}
(c.viewsWelcome ?? []).forEach((w, i) => localize(w, 'contents', `viewsWelcome.${short(w.view)}.${i}`));
localize(c.configuration, 'title', 'configuration.title');
for (const [id, prop] of Object.entries(c.configuration?.properties ?? {})) {
  localize(prop, 'markdownDescription', `config.${short(id)}`);
  localize(prop, 'description', `config.${short(id)}`);
  (prop.enumDescriptions ?? []).forEach((_, i) => localize(prop.enumDescriptions, i, `config.${short(id)}.enum.${prop.enum?.[i] ?? i}`));
}
for (const w of c.walkthroughs ?? []) {
  localize(w, 'title', `walkthrough.${w.id}.title`);
  localize(w, 'description', `walkthrough.${w.id}.description`);
  for (const s of w.steps ?? []) {
    localize(s, 'title', `walkthrough.${w.id}.${s.id}.title`);
    localize(s, 'description', `walkthrough.${w.id}.${s.id}.description`);
    localize(s.media, 'altText', `walkthrough.${w.id}.${s.id}.altText`);
  }
}
// Every %key% anywhere in the manifest must resolve.
JSON.stringify(pkg, (_k, v) => {
  const m = typeof v === 'string' ? KEY.exec(v) : null;
  if (m && !(m[1] in nls)) problems.push(`${m[1]} is used in package.json but missing from package.nls.json`);
  return v;
});

if (check) {
  for (const p of [...new Set(problems)]) console.error(p);
  process.exit(problems.length ? 1 : 0);
}
writeFileSync(pkgFile, JSON.stringify(pkg, null, 2) + '\n');
writeFileSync(nlsFile, JSON.stringify(nls, null, 2) + '\n');
console.log(`package.nls.json: ${Object.keys(nls).length} strings`);
