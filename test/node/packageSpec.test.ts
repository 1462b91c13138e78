import { strict as assert } from 'node:assert';
import { dependencyName, npmEntry, npmSpec } from '../../src/core/stacks/packageSpec';
import { scanDependencyFiles } from '../../src/core/validate';

describe('dependency specs: one parser (npm-package-arg)', () => {
  it('splits names and ranges, scoped or not', () => {
    assert.deepEqual(npmSpec('express'), { name: 'express', range: undefined, registry: true, plain: true });
    assert.deepEqual(npmSpec('express@^4.21.2'), { name: 'express', range: '^4.21.2', registry: true, plain: true });
    assert.deepEqual(npmSpec('@scope/x@1.2.3'), { name: '@scope/x', range: '1.2.3', registry: true, plain: true });
    assert.equal(npmSpec('@scope/x').name, '@scope/x');
    assert.equal(npmSpec('react@latest').plain, true);
    assert.equal(dependencyName('@a/b@1', 'npm'), '@a/b');
    assert.equal(dependencyName('Flask==2.0', 'pip'), 'flask');
  });

  it('what npm fetches from elsewhere is not a registry package: paths, links, git, URLs, tarballs, GitHub shorthands, aliases', () => {
    for (const v of ['file:../x', 'link:../x', '../x', '~/x', 'git+ssh://git@example.com/x.git', 'github:a/b', 'a/b', 'https://example.com/x.tgz', 'npm:evil@1.0.0', 'workspace:*']) {
      assert.equal(npmEntry('x', v).registry, false, v);
      assert.equal(npmEntry('x', v).plain, false, v);
    }
    for (const v of ['^1.2.3', '1.2.3', 'latest', '*', '', '>=1 <2']) assert.equal(npmEntry('x', v).registry, true, v);
  });

  it('plain: a lowercase name and a version without spaces; `name@` asks for nothing', () => {
    assert.equal(npmSpec('Express').plain, false);
    assert.equal(npmSpec('x@').plain, false);
    assert.equal(npmSpec('x@1 || 2').plain, false);
    assert.equal(npmSpec('a@b@c').plain, false);
    assert.equal(npmSpec(`${'a'.repeat(215)}`).plain, false);
  });

  it('a package.json entry aliased to another package (npm:) is refused like a git or path one', () => {
    const findings = scanDependencyFiles({
      appType: 'react',
      dependencies: [],
      files: [{ path: 'package.json', content: JSON.stringify({ dependencies: { react: 'npm:evil@1.0.0' } }, null, 2) }],
    });
    assert.ok(findings.some((f) => f.rule === 'install.non_registry' && f.severity === 'error'), JSON.stringify(findings));
  });
});
