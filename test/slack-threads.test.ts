import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createSecretBox } from '../src/environments/secret-box.ts';
import { createGithubForge, staticGithubToken } from '../src/forge/github-forge.ts';
import { createInProcessEventBus } from '../src/server/event-bus.ts';
import type { ServerTriggers } from '../src/server/server-deps.ts';
import { createFailedSession } from '../src/sessions/failed-session.ts';
import { createSlackClient } from '../src/triggers/slack-client.ts';
import { createSlackNotifier } from '../src/triggers/slack-notifier.ts';
import { createSlackTrigger } from '../src/triggers/slack-webhook.ts';
import { DEFAULT_GITHUB_SETTINGS } from '../src/triggers/trigger-deps.ts';
import { startFakeGithub } from './fakes/fake-github.ts';
import { slackHeaders, startFakeSlack } from './fakes/fake-slack.ts';
import { createHarness, startTestServer } from './support/server-harness.ts';
import {
  BOT_TOKEN,
  CHANNEL,
  envelope,
  mention,
  SIGNING_SECRET,
  threadReply,
} from './support/slack-events.ts';

describe('Slack with the GitHub forge', { timeout: 120_000 }, () => {
  it('posts the pull request link in the thread once the publisher opened it', async () => {
    const h = await createHarness();
    const slack = await startFakeSlack({ token: BOT_TOKEN });
    const github = await startFakeGithub({ token: 'ghs_fake' });
    const bare = join(h.dir, 'remote.git');
    execFileSync('git', ['clone', '--quiet', '--bare', h.repo, bare]);
    const remote = github.addRepo('acme/app');
    await h.register('acme/app');
    const triggers: ServerTriggers = {
      forge: createGithubForge({
        tokens: staticGithubToken('ghs_fake'),
        baseUrl: github.url,
        gitUrl: () => bare,
      }),
      githubWebhookSecret: null,
      publicUrl: 'https://drydock.example',
      secrets: createSecretBox(Buffer.alloc(32, 3)),
      ci: { disabled: true },
      slack: {
        signingSecret: SIGNING_SECRET,
        client: createSlackClient({ botToken: BOT_TOKEN, apiUrl: slack.url }),
        answerWithinMs: 60_000,
      },
    };
    const server = await startTestServer(h, { concurrency: 1, triggers });
    try {
      const body = JSON.stringify(envelope(mention('acme/app fix the failing test', '1700000200.000100')));
      const response = await fetch(`${server.url}/webhooks/slack`, {
        method: 'POST',
        headers: slackHeaders(SIGNING_SECRET, body),
        body,
      });
      const answer = (await response.json()) as { outcome: string; sessionId: string };
      expect(answer.outcome).toBe('started');
      for (let i = 0; i < 1200 && !slack.posts().some((post) => post.text.includes('pull request')); i++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const session = (await h.store.getSession(answer.sessionId))!;
      expect(session.state).toBe('delivered');
      expect(remote.pulls).toHaveLength(1);
      expect(
        slack
          .posts()
          .map((post) => post.text)
          .slice(-1),
      ).toEqual([
        `drydock's pull request: https://github.example/acme/app/pull/${remote.pulls[0]!.number} (commit ${session.headCommit!.slice(0, 12)})\nhttps://drydock.example/sessions/${session.id}`,
      ]);
      // No second ending: a forge delivery is reported by its pull request only.
      expect(slack.posts().filter((post) => post.text.startsWith('drydock delivered'))).toEqual([]);
    } finally {
      await server.close(10_000);
      await github.close();
      await slack.close();
      await h.close();
    }
  });
});

/** The bolt app on its own: events handed to `processEvent`, as a receiver would. */
describe('Slack through bolt processEvent', () => {
  it('a direct message starts a session on the workspace default and answers in its thread', async () => {
    const h = await createHarness();
    const slack = await startFakeSlack({ token: BOT_TOKEN });
    try {
      const woken: string[] = [];
      const client = createSlackClient({ botToken: BOT_TOKEN, apiUrl: slack.url });
      const bus = createInProcessEventBus();
      const trigger = createSlackTrigger({
        triggers: {
          sessions: h.deps,
          forge: null,
          defaultModel: 'script:demo',
          publicUrl: 'http://drydock.test',
          github: DEFAULT_GITHUB_SETTINGS,
          wake: (id) => woken.push(id),
          watch: () => {},
        },
        client,
        notifier: createSlackNotifier({ store: h.store, bus, client, publicUrl: 'http://drydock.test' }),
        signingSecret: SIGNING_SECRET,
      });
      await h.register();
      await h.store.createTrigger({
        kind: 'slack_channel',
        name: '*',
        config: { repo: h.repo },
        secret: null,
      });
      let acked = 0;
      await trigger.app.processEvent({
        body: envelope({
          type: 'message',
          channel_type: 'im',
          channel: 'D0ALICE',
          user: 'U0ALICE',
          text: 'the mean of [1, 2, 3] should be 2',
          ts: '1700000100.000100',
        }),
        ack: async () => void acked++,
      });
      expect(acked).toBe(1);
      const [session] = await h.store.listSessions();
      expect(session?.task).toBe('the mean of [1, 2, 3] should be 2');
      expect(woken).toEqual([session!.id]);
      const link = await h.store.findLink('slack:D0ALICE/1700000100.000100');
      expect(link).toMatchObject({ sessionId: session!.id, data: { requester: 'U0ALICE' } });
      expect(slack.posts()).toEqual([
        {
          channel: 'D0ALICE',
          thread: '1700000100.000100',
          text: `drydock is on it: http://drydock.test/sessions/${session!.id}`,
        },
      ]);
      // users.info does not know her (or drydock lacks users:read.email): no co-author, the git user instead.
      expect(slack.calls.map((call) => call.method)).toEqual(['auth.test', 'users.info', 'chat.postMessage']);
      expect(session).not.toHaveProperty('requestedBy');
    } finally {
      await slack.close();
      await h.close();
    }
  });
});

/** Threads of sessions that ended: no follow-up for a failed session, and endings posted once across restarts. */
describe('Slack threads of ended sessions', () => {
  it('refuses a follow-up to a failed session in its thread, and posts a missed ending once after a restart', async () => {
    const h = await createHarness();
    const slack = await startFakeSlack({ token: BOT_TOKEN });
    try {
      const client = createSlackClient({ botToken: BOT_TOKEN, apiUrl: slack.url });
      const notifier = () =>
        createSlackNotifier({
          store: h.store,
          bus: createInProcessEventBus(),
          client,
          publicUrl: 'http://d.test',
        });
      const trigger = createSlackTrigger({
        triggers: {
          sessions: h.deps,
          forge: null,
          defaultModel: 'script:demo',
          publicUrl: 'http://d.test',
          github: DEFAULT_GITHUB_SETTINGS,
          wake: () => {},
          watch: () => {},
        },
        client,
        notifier: notifier(),
        signingSecret: SIGNING_SECRET,
      });
      const failed = await createFailedSession(h.deps, {
        task: 'fix it',
        repo: 'acme/app',
        model: 'script:demo',
        code: 'forge_no_access',
        reason: 'drydock has no access to acme/app',
      });
      const thread = '1700000300.000100';
      await h.store.linkSession(`slack:${CHANNEL}/${thread}`, failed.id, {
        slack: true,
        channel: CHANNEL,
        thread,
        requester: 'U0ALICE',
      });

      // The server was down when it ended: the first start posts the ending, a second start does not repeat it.
      const first = notifier();
      await first.start();
      await first.idle();
      const second = notifier();
      await second.start();
      await second.idle();
      expect(slack.posts()).toEqual([
        {
          channel: CHANNEL,
          thread,
          text: `drydock failed: drydock has no access to acme/app\nhttp://d.test/sessions/${failed.id}`,
        },
      ]);

      await trigger.app.processEvent({
        body: envelope(threadReply('try again please', thread, '1700000301.000100')),
        ack: async () => {},
      });
      expect(slack.posts().at(-1)?.text).toContain('it cannot take a follow-up');
      expect((await h.store.listEvents(failed.id)).some((e) => e.data.type === 'message.received')).toBe(
        false,
      );
    } finally {
      await slack.close();
      await h.close();
    }
  });
});
