/** Accept (the proposed change's diff editor title, or the palette): applies Claude's open proposal. Args: `{appId}`. */
import { SpawnError } from '../../../core/base/errors';
import { defineCommand } from '../command';
import { optionsOf } from '../targets';

export const acceptProposalCommand = defineCommand('spawnApp.proposal.accept', (s, ...args) => {
  if (!s.iterate.proposals.decide('accept', (optionsOf(args) as { appId?: string }).appId)) throw new SpawnError('usage', 'There is no proposed change to accept.');
  return true;
});
