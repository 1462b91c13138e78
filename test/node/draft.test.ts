import assert from 'node:assert/strict';
import { AppTree } from '../../src/core/workspace/appTree';
import { DRAFT_LIMITS, deploysFrom, draftProblem, findingsFrom } from '../../src/core/workspace/draft';

describe('draft records', () => {
  it('accepts what AppTree.serializeApp writes, with sections', () => {
    const tree = new AppTree();
    const app = tree.createApp({ nameHint: 'calc', generator: 'templates', prompt: 'a calc' });
    tree.putFile(app, 'index.html', '<h1>x</h1>');
    const record = { ...tree.serializeApp(app), deploys: [], findings: { shown: [], extra: [] }, versions: [{ any: 'thing' }] };
    assert.equal(draftProblem(JSON.parse(JSON.stringify(record))), undefined);
  });

  it('says why a parsed record is not a draft', () => {
    assert.match(draftProblem([1])!, /not a JSON object/);
    assert.match(draftProblem({ files: [] })!, /no app name/);
    assert.match(draftProblem({ name: 'a' })!, /no file list/);
    assert.match(draftProblem({ name: 'a', files: [{ path: 'x' }] })!, /file 1 .* not a \{path, content\} pair/);
  });

  it('reads back only well-formed findings and deploy events, within the limits', () => {
    assert.deepEqual(findingsFrom('nope'), []);
    assert.deepEqual(findingsFrom([{ severity: 'warning', rule: 'r', message: 'm' }, { severity: 'bad', rule: 'r', message: 'm' }, null]), [{ severity: 'warning', rule: 'r', message: 'm' }]);
    const ev = (i: number) => ({ at: i, provider: 'local', sandboxId: `s${i}`, outcome: 'running' });
    const many = Array.from({ length: DRAFT_LIMITS.maxDeploys + 5 }, (_, i) => ev(i));
    const back = deploysFrom([...many, { at: 1, provider: 'mars', sandboxId: 'x', outcome: 'running' }]);
    assert.equal(back.length, DRAFT_LIMITS.maxDeploys);
    assert.equal(back[back.length - 1]!.at, DRAFT_LIMITS.maxDeploys + 4, 'the newest are kept');
  });
});
