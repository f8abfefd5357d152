import { commentText, startFakeJira } from '../../test/fakes/fake-jira.ts';
import { textToAdf } from '../core/adf.ts';
import { createJiraTracker } from './jira-tracker.ts';
import { describeTrackerContract } from './tracker-contract.ts';

describeTrackerContract('Jira Cloud (jira.js against a fake REST v3 API)', async () => {
  const auth = { email: 'drydock@example.com', apiToken: 'jira-api-token' };
  const jira = await startFakeJira(auth);
  const issue = jira.addIssue({
    key: 'PROJ-1',
    summary: 'Fix the failing test',
    description: textToAdf('The mean of an empty list should be 0.'),
    projectKey: 'PROJ',
    labels: ['drydock'],
    assigneeId: null,
  });
  const byKey = (key: string) => [...jira.issues.values()].find((candidate) => candidate.key === key)!;
  return {
    tracker: createJiraTracker({ host: jira.url, ...auth }),
    selfId: jira.self.accountId,
    issueKey: issue.key,
    project: 'PROJ',
    title: issue.summary,
    description: 'The mean of an empty list should be 0.',
    stateOf: (key) => byKey(key).status,
    comments: (key) =>
      jira.comments.filter((comment) => comment.issueId === byKey(key).id).map((c) => commentText(c.body)),
    rateLimit: (requests, seconds) => jira.rateLimit(requests, seconds),
    close: () => jira.close(),
  };
});
