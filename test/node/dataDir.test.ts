/**
 * The app data folder's words and options, for every front: `dataLabel` (how a listing shows its size: the Sandboxes
 * view, `spawn-app list`, the agents' list tool) and `dataVolumeName` (the E2B data volume option:
 * `spawnApp.e2bDataVolume`, `--data-volume NAME`, SPAWN_APP_E2B_DATA_VOLUME).
 */
import assert from 'node:assert/strict';
import { main } from '../../src/cli/index';
import { dataLabel, dataVolumeName } from '../../src/core/sandbox/dataDir';
import { e2bDataDir, E2B_DATA_DIR } from '../../src/core/sandbox/e2b/sandbox';
import { sandboxLine } from '../../src/core/tools/toolText';

describe('the app data folder: its words and the E2B data volume option', () => {
  it('dataLabel: "data 12 KB" in a listing; nothing for an empty folder or an unknown size', () => {
    assert.equal(dataLabel(12 * 1024), 'data 12 KB');
    assert.equal(dataLabel(1), 'data 1 KB');
    assert.equal(dataLabel(0), undefined);
    assert.equal(dataLabel(undefined), undefined);
    const line = (dataBytes?: number) => sandboxLine({ id: 'local-1', provider: 'local', app: 'notes', startedAt: 0, dataBytes }, 1000);
    assert.match(line(2048), /, data 2 KB$/);
    assert.doesNotMatch(line(0), /data/);
  });

  it('dataVolumeName: a name is kept (trimmed), empty is none, anything else is one sentence', () => {
    assert.equal(dataVolumeName(' team-data_1.v2 '), 'team-data_1.v2');
    assert.equal(dataVolumeName(''), undefined);
    assert.equal(dataVolumeName(undefined), undefined);
    for (const bad of ['../x', 'a/b', '-x', 'a b', 'x'.repeat(129), 'é']) {
      assert.throws(() => dataVolumeName(bad, '--data-volume'), { code: 'usage', message: /^--data-volume ".*" is not an E2B volume name: use letters, digits, "\.", "_" and "-" \(at most 128\)\.$/ }, bad);
    }
  });

  it('an E2B sandbox keeps its data on its volume, in its app\'s folder there; without one, in its own disk', () => {
    assert.equal(e2bDataDir({ dataVolume: 'v', dataKey: 'app-0123456789abcdef01234567' }, 'isb1'), '/mnt/spawn-app-data/app-0123456789abcdef01234567');
    assert.equal(e2bDataDir({ dataVolume: 'v', dataKey: '../../etc' }, 'isb1'), '/mnt/spawn-app-data/isb1', 'a key that is not one: the sandbox\'s own');
    assert.equal(e2bDataDir({ dataKey: 'app-0123456789abcdef01234567' }, 'isb1'), E2B_DATA_DIR);
  });

  it('spawn-app deploy --data-volume with a bad name: exit 2, one sentence, before anything runs', async () => {
    const err: string[] = [];
    const code = await main(['deploy', 'nowhere', '--data-volume', 'a/b'], { out: () => undefined, err: (s) => err.push(s) }, { PATH: process.env.PATH });
    assert.equal(code, 2);
    assert.equal(err.join('\n'), 'Error: --data-volume "a/b" is not an E2B volume name: use letters, digits, ".", "_" and "-" (at most 128).');
  });
});
