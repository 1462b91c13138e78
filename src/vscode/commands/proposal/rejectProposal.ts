/** Reject (the proposed change's diff editor title, or the palette): drops Claude's open proposal; nothing changes. Args: `{appId}`. */
import { SpawnError } from '../../../core/base/errors';
import { defineCommand } from '../command';
import { optionsOf } from '../targets';

export const rejectProposalCommand = defineCommand('spawnApp.proposal.reject', (s, ...args) => {
  if (!s.iterate.proposals.decide('reject', (optionsOf(args) as { appId?: string }).appId)) throw new SpawnError('usage', 'There is no proposed change to reject.');
  return true;
});
