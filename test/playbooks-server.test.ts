import { execFileSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Session } from '../src/core/session.ts';
import { createSecretBox } from '../src/environments/secret-box.ts';
import { git } from '../src/forge/git.ts';
import { createGithubForge, staticGithubToken } from '../src/forge/github-forge.ts';
import type { ServerTriggers } from '../src/server/server-deps.ts';
import type { RunningServer } from '../src/server/start-server.ts';
import { type FakeGithub, startFakeGithub } from './fakes/fake-github.ts';
import { type EditablePayload, githubExample } from './support/github-examples.ts';
import { createHarness, type Harness, startTestServer } from './support/server-harness.ts';
import { githubSignature } from './support/sign.ts';

const SECRET = 'webhook-test-secret';

const FIX_FUNCTION = `---
description: Fix a function whose test fails
inputs:
  function:
    description: the function to fix
    required: true
  file:
    description: where it lives
    default: src/stats.js
---
1. Run the tests and read what fails in {{function}}.
2. Fix {{function}} in {{file}}.
3. Run the tests again.
`;

const SERVER_PLAYBOOK = `---
description: Tidy the README
---
- Reword README.md.
`;

/**
 * Playbooks on a server: a GitHub issue comment naming one (a signed real payload, a fake GitHub, the
 * repository's playbook at the base commit), and the API's field errors, listing and management.
 */
describe('playbooks on a server', { timeout: 120_000 }, () => {
  let h: Harness;
  let github: FakeGithub;
  let server: RunningServer;
  let triggers: ServerTriggers;

  beforeEach(async () => {
    h = await createHarness();
    await mkdir(join(h.repo, '.drydock', 'playbooks'), { recursive: true });
    await writeFile(join(h.repo, '.drydock', 'playbooks', 'fix-function.md'), FIX_FUNCTION);
    await git(['add', '--all'], { cwd: h.repo });
    await git(['commit', '--quiet', '-m', 'A playbook'], { cwd: h.repo });
    const bare = join(h.dir, 'remote.git');
    execFileSync('git', ['clone', '--quiet', '--bare', h.repo, bare]);
    github = await startFakeGithub({ token: 'ghs_fake' });
    github.addRepo('acme/app', { permissions: { Codertocat: 'write' } });
    triggers = {
      forge: createGithubForge({
        tokens: staticGithubToken('ghs_fake'),
        baseUrl: github.url,
        gitUrl: () => bare,
      }),
      githubWebhookSecret: SECRET,
      publicUrl: 'https://drydock.example',
      secrets: createSecretBox(Buffer.alloc(32, 7)),
    };
    server = await startTestServer(h, { concurrency: 1, triggers });
    await h.register('acme/app');
    await h.register();
  });
  afterEach(async () => {
    await server.close(10_000);
    await github.close();
    await h.close();
  });

  const comment = (body: string) => {
    const text = JSON.stringify(
      githubExample('issue_comment', 'created', (p: EditablePayload) => {
        p.comment.body = body;
        p.repository.full_name = 'acme/app';
        delete p.issue.pull_request;
      }),
    );
    return fetch(`${server.url}/webhooks/github`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-github-event': 'issue_comment',
        'x-github-delivery': crypto.randomUUID(),
        'x-hub-signature-256': githubSignature(SECRET, text),
      },
      body: text,
    });
  };
  async function settled(id: string): Promise<Session> {
    for (let i = 0; i < 1200; i++) {
      const session = await h.store.getSession(id);
      if (session && ['delivered', 'bowed_out', 'failed'].includes(session.state)) {
        await triggers.publisher?.idle();
        return session;
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`session ${id} did not end`);
  }
  const api = (method: string, path: string, body?: unknown, token = h.tokens.member) =>
    fetch(`${server.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  const typesOf = async (id: string) => (await h.store.listEvents(id)).map((event) => event.data);

  it('@drydock <playbook> key=value in an issue comment runs the playbook, its steps as the plan', async () => {
    const answer = (await (await comment('@drydock fix-function function=mean')).json()) as {
      sessionId: string;
      outcome: string;
    };
    expect(answer.outcome).toBe('started');
    const session = await settled(answer.sessionId);
    expect(session.state).toBe('delivered');
    expect(session.task).toContain('Playbook fix-function: Fix a function whose test fails');
    expect(session.task).toContain('2. Fix mean in src/stats.js.');
    const events = await typesOf(session.id);
    expect(events).toContainEqual({
      type: 'playbook.applied',
      name: 'fix-function',
      source: 'repo',
      inputs: { function: 'mean', file: 'src/stats.js' },
      steps: [
        'Run the tests and read what fails in mean.',
        'Fix mean in src/stats.js.',
        'Run the tests again.',
      ],
    });
    expect(events.find((event) => event.type === 'todo.updated')).toMatchObject({
      step: 0,
      items: [{ id: '1', status: 'pending' }, { id: '2' }, { id: '3' }],
    });
  });

  it('a first word no playbook has is an ordinary task; a missing input is said on the issue', async () => {
    const plain = (await (await comment('@drydock tidy-up')).json()) as { sessionId: string };
    const session = await settled(plain.sessionId);
    expect(session.task).toContain('tidy-up');
    expect(session.task).not.toContain('Playbook');
    expect((await typesOf(session.id)).some((event) => event.type === 'playbook.applied')).toBe(false);

    const missing = (await (await comment('@drydock fix-function')).json()) as { sessionId: string };
    const failed = await h.store.getSession(missing.sessionId);
    expect(failed?.state).toBe('failed');
    expect(failed?.reason).toContain('fix-function needs "function"');
    expect(github.repos.get('acme/app')!.comments.map((c) => c.body)).toContainEqual(
      expect.stringContaining('drydock could not start: Playbook fix-function needs "function"'),
    );
  });

  it('POST /api/sessions: playbook and inputs errors are 400s naming their fields, nothing created', async () => {
    const cases: Array<[Record<string, unknown>, Record<string, RegExp>]> = [
      [{ repo: h.repo }, { task: /say what drydock should do/ }],
      [{ repo: h.repo, task: 'x', inputs: { a: 'b' } }, { inputs: /inputs are for a playbook/ }],
      [{ repo: h.repo, playbook: 'Bad Name' }, { playbook: /a playbook name/ }],
      [{ repo: h.repo, playbook: 'nope' }, { playbook: /no playbook "nope" \(available: fix-function\)/ }],
      [{ repo: h.repo, playbook: 'fix-function' }, { inputs: /needs "function"/ }],
      [
        { repo: h.repo, playbook: 'fix-function', inputs: { function: 'mean', x: '1' }, model: 'nope:x' },
        { inputs: /has no input "x"/, model: /./ },
      ],
    ];
    for (const [body, fields] of cases) {
      const response = await api('POST', '/api/sessions', body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      const error = (await response.json()) as { error: { fields?: Record<string, string> } };
      const got = error.error.fields ?? {};
      for (const [field, pattern] of Object.entries(fields))
        expect(got[field], `${field} in ${JSON.stringify(error)}`).toMatch(pattern);
    }
    expect(await h.store.listSessions()).toEqual([]);
  });

  it('POST /api/sessions runs a playbook; GET /api/playbooks lists it with the server ones, admins manage those', async () => {
    expect((await api('PUT', '/api/playbooks/tidy', { text: SERVER_PLAYBOOK })).status).toBe(403);
    const bad = await api(
      'PUT',
      '/api/playbooks/tidy',
      { text: '---\ndescription: x\n---\n' },
      h.tokens.admin,
    );
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain('playbook tidy line 4: the body is empty');
    const put = await api('PUT', '/api/playbooks/tidy', { text: SERVER_PLAYBOOK }, h.tokens.admin);
    expect(put.status).toBe(200);
    // A server playbook of the same name as the repository's: the repository's wins there.
    await api('PUT', '/api/playbooks/fix-function', { text: SERVER_PLAYBOOK }, h.tokens.admin);

    const listed = (await (await api('GET', `/api/playbooks?repo=${encodeURIComponent(h.repo)}`)).json()) as {
      playbooks: Array<{ name: string; source: string }>;
    };
    expect(listed.playbooks.map(({ name, source }) => `${name}:${source}`)).toEqual([
      'fix-function:repo',
      'tidy:server',
    ]);
    const serverOnly = (await (await api('GET', '/api/playbooks')).json()) as {
      playbooks: Array<{ name: string }>;
    };
    expect(serverOnly.playbooks.map((playbook) => playbook.name)).toEqual(['fix-function', 'tidy']);
    const shown = await api('GET', `/api/playbooks/fix-function?repo=${encodeURIComponent(h.repo)}`);
    expect(await shown.json()).toMatchObject({ source: 'repo', inputs: { function: { required: true } } });
    expect((await api('GET', '/api/playbooks/nope')).status).toBe(404);

    const created = await api('POST', '/api/sessions', {
      repo: h.repo,
      playbook: 'fix-function',
      inputs: { function: 'mean' },
      task: 'Keep the diff to one line.',
    });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    const session = await settled(id);
    expect(session.state).toBe('delivered');
    expect(session.task).toContain('Also, from the requester:\nKeep the diff to one line.');
    expect(session.createdBy?.name).toBe('member token');

    expect((await api('DELETE', '/api/playbooks/tidy', undefined, h.tokens.admin)).status).toBe(204);
    expect((await api('DELETE', '/api/playbooks/tidy', undefined, h.tokens.admin)).status).toBe(404);
  });
});
