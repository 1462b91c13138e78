import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(__dirname, '../..');

/** GitHub's heading anchor: lower case, punctuation dropped (but - and _), each space a hyphen. */
export function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
    .replace(/ /g, '-');
}

/** Markdown without fenced code blocks. */
function unfenced(md: string): string {
  return md.replace(/^(```|~~~)[\s\S]*?^\1/gm, '');
}

/** Markdown without fenced code blocks and inline code (links there are text, not links). */
function prose(md: string): string {
  return unfenced(md).replace(/`[^`\n]*`/g, '');
}

/** The anchors of a Markdown file's headings, with GitHub's -1, -2 … for repeats. */
export function anchors(md: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const [, text] of unfenced(md).matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const base = slug(text!.replace(/\[([^\]]*)\]\([^)]*\)/g, '$1'));
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n ? `${base}-${n}` : base);
  }
  return out;
}

/** Every relative link or image of a Markdown file that leads nowhere: a missing file or a missing heading. */
export function brokenLinks(file: string, read = (f: string) => readFileSync(f, 'utf8')): string[] {
  const broken: string[] = [];
  for (const [, target] of prose(read(file)).matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(target!)) continue; // https:, mailto:, command: …
    const [rel, hash] = target!.split('#', 2) as [string, string | undefined];
    const dest = rel ? path.resolve(path.dirname(file), decodeURIComponent(rel)) : file;
    if (rel && !existsSync(dest)) {
      broken.push(`${target}: no such file`);
      continue;
    }
    if (hash !== undefined && !(dest.endsWith('.md') && (!rel || statSync(dest).isFile()) && anchors(read(dest)).has(hash))) {
      broken.push(`${target}: no such heading`);
    }
  }
  return broken;
}

const files = ['README.md', 'ARCHITECTURE.md', ...readdirSync(path.join(root, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];

describe('docs: relative links and anchors', () => {
  it("slugs headings as GitHub does", () => {
    assert.equal(slug('Pause instead of kill (E2B)'), 'pause-instead-of-kill-e2b');
    assert.equal(slug('Iterate: refine, fix, hot redeploy'), 'iterate-refine-fix-hot-redeploy');
    assert.equal(slug("In VS Code's chat (Copilot agent mode)"), 'in-vs-codes-chat-copilot-agent-mode');
    assert.equal(slug('Where to add…'), 'where-to-add');
    assert.equal(slug('Latest run: 2026-12-01 03:56 UTC — AMD EPYC × 2'), 'latest-run-2026-12-01-0356-utc--amd-epyc--2');
    assert.deepEqual([...anchors('# A\n## A\n```\n# not a heading\n```\n### B_c `d`\n')], ['a', 'a-1', 'b_c-d']);
  });

  it('finds a missing file and a missing heading (the check can fail)', () => {
    const fake: Record<string, string> = {
      [path.join(root, 'x.md')]: '[ok](README.md) [gone](docs/nope.md) [bad](README.md#no-such-heading) `[code](nope.md)` [self](#here)\n# Here\n',
    };
    const read = (f: string) => fake[f] ?? readFileSync(f, 'utf8');
    assert.deepEqual(brokenLinks(path.join(root, 'x.md'), read), ['docs/nope.md: no such file', 'README.md#no-such-heading: no such heading']);
  });

  for (const f of files) {
    it(`${f}: every relative link leads to a file and every #anchor to a heading`, () => {
      assert.deepEqual(brokenLinks(path.join(root, f)), []);
    });
  }

  it('README.md stays a front page (at most 250 lines)', () => {
    const lines = readFileSync(path.join(root, 'README.md'), 'utf8').split('\n').length - 1;
    assert.ok(lines <= 250, `README.md has ${lines} lines`);
  });
});
