import { startFakeLinear } from '../../test/fakes/fake-linear.ts';
import { createLinearTracker } from './linear-tracker.ts';
import { describeTrackerContract } from './tracker-contract.ts';

describeTrackerContract('Linear (@linear/sdk against a fake GraphQL API)', async () => {
  const linear = await startFakeLinear({ apiKey: 'lin_api_test' });
  const issue = linear.addIssue({
    identifier: 'ENG-1',
    title: 'Fix the failing test',
    description: 'The mean of an empty list should be 0.',
    teamId: 'team-eng-0001',
    assigneeId: null,
    labels: ['drydock'],
  });
  const byKey = (key: string) =>
    [...linear.issues.values()].find((candidate) => candidate.identifier === key)!;
  return {
    tracker: createLinearTracker({ apiKey: 'lin_api_test', apiUrl: linear.url }),
    selfId: linear.viewer.id,
    issueKey: issue.identifier,
    project: 'ENG',
    title: issue.title,
    description: 'The mean of an empty list should be 0.',
    stateOf: (key) => linear.stateName(byKey(key).id),
    comments: (key) =>
      linear.comments.filter((comment) => comment.issueId === byKey(key).id).map((c) => c.body),
    activities: () => linear.activities,
    agentSessionLinks: (id) => linear.agentSessions.get(id)?.externalUrls ?? [],
    rateLimit: (requests, seconds) => linear.rateLimit(requests, seconds),
    close: () => linear.close(),
  };
});
