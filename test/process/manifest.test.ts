import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { pngSize } from '../helpers/png';

const root = path.resolve(__dirname, '../..');
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
const nls = JSON.parse(readFileSync(path.join(root, 'package.nls.json'), 'utf8')) as Record<string, string>;

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = path.join(dir, n);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}

describe('Marketplace-ready manifest', () => {
  it('has a 128×128 PNG icon, a banner, repository/homepage/bugs and the AI and Chat categories', () => {
    assert.deepEqual(pngSize(readFileSync(path.join(root, pkg.icon)), pkg.icon), { width: 128, height: 128 });
    assert.match(pkg.galleryBanner.color, /^#[0-9a-f]{6}$/i);
    assert.ok(['dark', 'light'].includes(pkg.galleryBanner.theme));
    assert.match(pkg.repository.url, /^https:\/\//);
    assert.match(pkg.homepage, /^https:\/\//);
    assert.match(pkg.bugs.url, /^https:\/\//);
    assert.deepEqual(pkg.categories, ['AI', 'Chat', 'Other']);
    assert.ok(pkg.keywords.length >= 5 && pkg.keywords.length <= 30);
    assert.doesNotMatch(pkg.scripts.package, /--allow-missing-repository|--no-rewrite-relative-links/, 'README images become absolute URLs');
    assert.equal(pkg.engines.vscode, '^1.100.0');
  });

  it('every manifest string comes from package.nls.json (node scripts/nls.mjs --check)', () => {
    execFileSync(process.execPath, [path.join(root, 'scripts/nls.mjs'), '--check'], { cwd: root, stdio: 'pipe' });
    assert.equal(pkg.displayName, '%displayName%');
    assert.equal(nls.displayName, 'Spawn App');
    const spawn = pkg.contributes.commands.find((c: { command: string }) => c.command === 'spawnApp.spawn');
    assert.equal(spawn.title, '%command.spawn%');
  });

  it('the walkthrough goes keys → spawn → edit → deploy → refine → agents, with media that ships', () => {
    const [w] = pkg.contributes.walkthroughs;
    assert.deepEqual(w.steps.map((s: { id: string }) => s.id), ['keys', 'spawn', 'edit', 'deploy', 'refine', 'agents']);
    const ignore = readFileSync(path.join(root, '.vscodeignore'), 'utf8');
    for (const s of w.steps) {
      const media = s.media.image ?? s.media.markdown;
      assert.ok(existsSync(path.join(root, media)), media);
      assert.ok(media.startsWith('media/') || (media.startsWith('docs/screenshots/') && ignore.split('\n').includes(`!${media}`)), `${media} is shipped`);
      if (s.media.image) assert.ok(nls[s.media.altText.replace(/%/g, '')], `${s.id} has alt text`);
      for (const [, cmd] of (nls[s.description.replace(/%/g, '')] ?? '').matchAll(/\(command:([\w.]+)\)/g)) {
        const known = pkg.contributes.commands.some((c: { command: string }) => c.command === cmd) || cmd === 'spawnApp.apps.focus';
        assert.ok(known, `${s.id} links to ${cmd}`);
      }
    }
  });

  it("the .vsix ships only the screenshots the walkthrough shows; the README's come from the repository", async () => {
    const shown = pkg.contributes.walkthroughs.flatMap((w: { steps: { media: { image?: string } }[] }) => w.steps.map((s) => s.media.image)).filter(Boolean);
    const ignore = readFileSync(path.join(root, '.vscodeignore'), 'utf8').split('\n');
    const shipped = ignore.filter((l) => l.startsWith('!docs/')).map((l) => l.slice(1));
    assert.deepEqual([...shipped].sort(), [...shown].sort(), '.vscodeignore names exactly the walkthrough images under docs/');
    // vsce rewrites the README's relative links to the repository's URLs (package.json repository), as it packages.
    const vscePackage = '@vscode/vsce/out/package.js'; // vsce's own README processing (no types shipped for it)
    const { ReadmeProcessor } = (await import(vscePackage)) as {
      ReadmeProcessor: new (m: unknown, o: object) => { processFile(f: { path: string; contents: string }): Promise<{ contents: Buffer | string }> };
    };
    const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
    const out = String((await new ReadmeProcessor(pkg, {}).processFile({ path: 'extension/readme.md', contents: readme })).contents);
    const images = [...out.matchAll(/!\[[^\]]*\]\(([^)]+)\)/g)].map((m) => m[1]!);
    assert.ok(images.length > 0, 'the README shows screenshots');
    for (const src of images) assert.match(src, /^https:\/\/github\.com\/spawn-app\/spawn-app\/raw\/HEAD\/docs\/screenshots\/[\w-]+\.png$/);
  });

  it('l10n: every vscode.l10n.t string in src/vscode is in the English bundle', () => {
    assert.equal(pkg.l10n, './l10n');
    const bundle = JSON.parse(readFileSync(path.join(root, 'l10n/bundle.l10n.json'), 'utf8')) as Record<string, string>;
    const used = new Set<string>();
    for (const f of walk(path.join(root, 'src/vscode')).filter((f) => f.endsWith('.ts'))) {
      for (const m of readFileSync(f, 'utf8').matchAll(/l10n\.t\(\s*'((?:[^'\\]|\\.)*)'/g)) used.add(m[1]!.replace(/\\'/g, "'"));
    }
    for (const s of used) assert.equal(bundle[s], s, `"${s}" is in l10n/bundle.l10n.json`);
  });
});
