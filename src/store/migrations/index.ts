import type { Migration } from 'kysely';
import { initial } from './0001-initial.ts';
import { tokens } from './0002-tokens.ts';
import { triggers } from './0003-triggers.ts';
import { jobs } from './0004-jobs.ts';
import { environments } from './0005-environments.ts';
import { sessionRequester } from './0006-session-requester.ts';
import { sessionOwner } from './0007-session-owner.ts';
import { repositories } from './0008-repositories.ts';
import { sessionCreator } from './0009-session-creator.ts';
import { checkpointLog } from './0010-checkpoint-log.ts';
import { evals } from './0011-evals.ts';
import { usageBreakdown } from './0012-usage-breakdown.ts';
import { sessionFriend } from './0013-session-friend.ts';
import { sessionAllowHosts } from './0014-session-allow-hosts.ts';
import { environmentImageRoot } from './0015-environment-image-root.ts';
import { sessionTree } from './0016-session-tree.ts';
import { repoReview } from './0017-repo-review.ts';
import { spendLimits } from './0018-spend-limits.ts';
import { auditLog } from './0019-audit-log.ts';
import { eventsByType } from './0020-events-by-type.ts';
import { trackerMappings } from './0021-tracker-mappings.ts';
import { knowledge } from './0023-knowledge.ts';
import { playbooks } from './0024-playbooks.ts';
import { trackerConnections } from './0025-tracker-connections.ts';

/**
 * Every migration, keyed by name. Kysely runs them in name order, so new names must sort after the
 * last one (0002-..., 0003-...). Never edit or rename one that has shipped: add another.
 */
export const MIGRATIONS: Readonly<Record<string, Migration>> = {
  '0001-initial': initial,
  '0002-tokens': tokens,
  '0003-triggers': triggers,
  '0004-jobs': jobs,
  '0005-environments': environments,
  '0006-session-requester': sessionRequester,
  '0007-session-owner': sessionOwner,
  '0008-repositories': repositories,
  '0009-session-creator': sessionCreator,
  '0010-checkpoint-log': checkpointLog,
  '0011-evals': evals,
  '0012-usage-breakdown': usageBreakdown,
  '0013-session-friend': sessionFriend,
  '0014-session-allow-hosts': sessionAllowHosts,
  '0015-environment-image-root': environmentImageRoot,
  '0016-session-tree': sessionTree,
  '0017-repo-review': repoReview,
  '0018-spend-limits': spendLimits,
  '0019-audit-log': auditLog,
  '0020-events-by-type': eventsByType,
  '0021-tracker-mappings': trackerMappings,
  '0023-knowledge': knowledge,
  '0024-playbooks': playbooks,
  '0025-tracker-connections': trackerConnections,
};
