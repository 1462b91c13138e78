import { strict as assert } from 'node:assert';
import type { SandboxEntry } from '../../src/vscode/sandboxes/sandboxEntry';
import { isLive, liveOrRedeploying } from '../../src/vscode/sandboxes/sandboxEntry';

/** An entry as the registry holds it; only the fields the predicates read matter here. */
function entry(over: Partial<SandboxEntry>): SandboxEntry {
  return { id: 'sb', provider: 'local', origin: 'deployed', status: 'running', stopping: false, ...over } as SandboxEntry;
}
const sandbox = {} as SandboxEntry['sandbox'];
const deployment = {} as SandboxEntry['deployment'];

describe('liveOrRedeploying: whether a change of an app\'s files is redeployed in place', () => {
  it('a running app, and one being redeployed into its sandbox (a save\'s hot redeploy, its verification) both count', () => {
    assert.equal(liveOrRedeploying(entry({ status: 'running', sandbox, deployment })), true);
    // The bug: refine accepted while a hot redeploy was still verifying skipped the redeploy (isLive said no).
    assert.equal(isLive(entry({ status: 'starting', sandbox, deployment })), false);
    assert.equal(liveOrRedeploying(entry({ status: 'starting', sandbox, deployment })), true);
  });

  it('a first deploy in progress, a failed or paused app, and no entry do not', () => {
    assert.equal(liveOrRedeploying(entry({ status: 'starting', sandbox })), false, 'nothing of the app runs yet');
    assert.equal(liveOrRedeploying(entry({ status: 'failed', sandbox, deployment })), false);
    assert.equal(liveOrRedeploying(entry({ status: 'paused', sandbox, deployment })), false);
    assert.equal(liveOrRedeploying(undefined), false);
  });
});
