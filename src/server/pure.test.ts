import { HTTPException } from 'hono/http-exception';
import { describe, expect, it } from 'vitest';
import {
  BadInputError,
  ConflictError,
  ForbiddenError,
  InternalError,
  NotFoundError,
  TooLargeError,
  UnauthenticatedError,
  UnavailableError,
} from '../core/errors.ts';
import type { ApiToken, TokenRole } from '../core/ports/store.ts';
import type { ForgeRegistry } from '../forge/forge-registry.ts';
import { errorResponse } from './error-response.ts';
import { maySteer } from './session-access.ts';
import { hashToken, roleAllows } from './tokens.ts';
import { triggersFromEnv } from './trigger-config.ts';

describe('errorResponse', () => {
  it.each([
    [new BadInputError('invalid_input', 'bad'), 400],
    [new UnauthenticatedError('missing_token', 'who'), 401],
    [new ForbiddenError('role_too_low', 'no'), 403],
    [new NotFoundError('session_not_found', 'gone'), 404],
    [new ConflictError('session_ended', 'ended'), 409],
    [new TooLargeError('body_too_large', 'big'), 413],
    [new InternalError('invalid_transition', 'oops'), 500],
    [new UnavailableError('store_unreachable', 'down'), 503],
  ])('%s → %i with its code', (error, status) => {
    const answer = errorResponse(error);
    expect(answer.status).toBe(status);
    expect(answer.body.error).toEqual({ code: error.code, message: error.message });
  });

  it("answers hono's own input errors as bad input, not internal errors", () => {
    expect(errorResponse(new HTTPException(400, { message: 'Malformed JSON in request body' }))).toEqual({
      status: 400,
      body: { error: { code: 'bad_request', message: 'Malformed JSON in request body' } },
    });
    expect(errorResponse(new HTTPException(415, { message: 'Unsupported Media Type' })).status).toBe(415);
    expect(errorResponse(new HTTPException(502, { message: 'upstream' })).status).toBe(500);
  });

  it('keeps field errors, and hides the message of untyped errors', () => {
    const fields = { task: 'required' };
    expect(
      errorResponse(new BadInputError('invalid_input', 'y', { details: { fields } })).body.error.fields,
    ).toEqual(fields);
    expect(errorResponse(new Error('secret path /etc/x'))).toEqual({
      status: 500,
      body: { error: { code: 'internal_error', message: expect.not.stringContaining('/etc/x') } },
    });
  });
});

describe('roleAllows', () => {
  it.each([
    ['viewer', 'viewer', true],
    ['viewer', 'member', false],
    ['member', 'member', true],
    ['member', 'admin', false],
    ['admin', 'member', true],
    ['admin', 'admin', true],
  ] as const)('%s may do what needs %s: %s', (has, needs, allowed) => {
    expect(roleAllows(has, needs)).toBe(allowed);
  });
});

it('hashes tokens with SHA-256 (hex)', () => {
  expect(hashToken('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
});

describe('triggersFromEnv', () => {
  const key = { DRYDOCK_SECRET_KEY: 'ab'.repeat(32) };
  it('reads the CI follow-up cap: a number, 0 turns it off, nonsense is refused', async () => {
    expect((await triggersFromEnv(key, '/nonexistent', 'http://x')).ci).toBeUndefined();
    expect(
      (await triggersFromEnv({ ...key, DRYDOCK_CI_FOLLOW_UPS: '3' }, '/nonexistent', 'http://x')).ci,
    ).toEqual({
      maxFollowUps: 3,
    });
    expect(
      (await triggersFromEnv({ ...key, DRYDOCK_CI_FOLLOW_UPS: '0' }, '/nonexistent', 'http://x')).ci,
    ).toEqual({
      disabled: true,
    });
    await expect(
      triggersFromEnv({ ...key, DRYDOCK_CI_FOLLOW_UPS: 'two' }, '/nonexistent', 'http://x'),
    ).rejects.toThrow(BadInputError);
  });

  it('reads Linear and Jira all or nothing, with their handle and label', async () => {
    const run = (env: Record<string, string>) =>
      triggersFromEnv({ ...key, ...env }, '/nonexistent', 'http://x');
    expect((await run({})).trackers).toBeUndefined();
    const both = await run({
      DRYDOCK_LINEAR_API_KEY: 'lin_api_x',
      DRYDOCK_LINEAR_WEBHOOK_SECRET: 's1',
      DRYDOCK_JIRA_URL: 'https://acme.atlassian.net',
      DRYDOCK_JIRA_EMAIL: 'drydock@example.com',
      DRYDOCK_JIRA_API_TOKEN: 't',
      DRYDOCK_JIRA_WEBHOOK_SECRET: 's2',
      DRYDOCK_JIRA_LABEL: 'ai',
    });
    expect(both.trackers?.linear).toMatchObject({ webhookSecret: 's1', handle: 'drydock' });
    expect(both.trackers?.linear?.tracker.kind).toBe('linear');
    expect(both.trackers?.jira).toMatchObject({ webhookSecret: 's2', label: 'ai' });
    await expect(run({ DRYDOCK_LINEAR_API_KEY: 'lin_api_x' })).rejects.toMatchObject({
      code: 'incomplete_linear_config',
      message: expect.stringContaining('DRYDOCK_LINEAR_WEBHOOK_SECRET'),
    });
    await expect(run({ DRYDOCK_JIRA_URL: 'https://acme.atlassian.net' })).rejects.toMatchObject({
      code: 'incomplete_jira_config',
    });
  });
});

describe('triggersFromEnv: forges', () => {
  const key = { DRYDOCK_SECRET_KEY: 'ab'.repeat(32) };
  it('puts GitHub and GitLab behind one registry that routes by repository name', async () => {
    const triggers = await triggersFromEnv(
      {
        ...key,
        DRYDOCK_GITHUB_TOKEN: 'ghp_x',
        DRYDOCK_GITLAB_TOKEN: 'glpat-x',
        DRYDOCK_GITLAB_WEBHOOK_SECRET: ' s ',
      },
      '/nonexistent',
      'http://x',
    );
    expect(triggers.gitlabWebhookSecret).toBe('s');
    const forge = triggers.forge as ForgeRegistry;
    expect(forge.forgeOf('github')?.kind).toBe('github');
    expect(forge.forgeOf('gitlab')?.kind).toBe('gitlab');
  });
  it('refuses a GitLab project on a server with GitHub alone, naming the variables to set', async () => {
    const triggers = await triggersFromEnv(
      { ...key, DRYDOCK_GITHUB_TOKEN: 'ghp_x' },
      '/nonexistent',
      'http://x',
    );
    await expect(triggers.forge?.permission('gitlab:acme/app', 'alice')).rejects.toMatchObject({
      code: 'forge_not_configured',
      message: expect.stringContaining('DRYDOCK_GITLAB_TOKEN'),
    });
    await expect(
      triggersFromEnv(
        { ...key, DRYDOCK_GITLAB_TOKEN: 't', DRYDOCK_GITLAB_URL: 'gitlab.example.com' },
        '/n',
        'http://x',
      ),
    ).rejects.toMatchObject({ code: 'invalid_base_url' });
  });
  it("adds Gitea on its server, with no default address, and drydock's login on it", async () => {
    const triggers = await triggersFromEnv(
      {
        ...key,
        DRYDOCK_GITEA_URL: 'https://git.example.com',
        DRYDOCK_GITEA_TOKEN: 'gt',
        DRYDOCK_GITEA_WEBHOOK_SECRET: ' s ',
        DRYDOCK_GITEA_LOGIN: 'drydock-bot',
      },
      '/nonexistent',
      'http://x',
    );
    expect(triggers.giteaWebhookSecret).toBe('s');
    expect(triggers.gitea?.botLogin).toBe('drydock-bot');
    expect((triggers.forge as ForgeRegistry).forgeOf('gitea')?.kind).toBe('gitea');
    expect((triggers.forge as ForgeRegistry).forgeOf('github')).toBeNull();
    const withBitbucket = await triggersFromEnv({ ...key, DRYDOCK_BITBUCKET_TOKEN: 'bb' }, '/n', 'http://x');
    expect((withBitbucket.forge as ForgeRegistry).forgeOf('bitbucket')?.kind).toBe('bitbucket');
    await expect(
      triggersFromEnv({ ...key, DRYDOCK_GITEA_TOKEN: 'gt' }, '/n', 'http://x'),
    ).rejects.toMatchObject({
      code: 'invalid_base_url',
      message: expect.stringContaining('DRYDOCK_GITEA_URL'),
    });
  });
  it("reads Bitbucket's webhook secret and drydock's account there; no secret leaves the route off", async () => {
    const triggers = await triggersFromEnv(
      {
        ...key,
        DRYDOCK_BITBUCKET_TOKEN: 'bb',
        DRYDOCK_BITBUCKET_WEBHOOK_SECRET: ' s ',
        DRYDOCK_BITBUCKET_LOGIN: ' 557058:drydock ',
      },
      '/n',
      'http://x',
    );
    expect(triggers.bitbucketWebhookSecret).toBe('s');
    expect(triggers.bitbucket).toEqual({ bot: '557058:drydock', handle: 'drydock' });
    const bare = await triggersFromEnv({ ...key, DRYDOCK_BITBUCKET_TOKEN: 'bb' }, '/n', 'http://x');
    expect(bare.bitbucketWebhookSecret).toBeNull();
    expect(bare.bitbucket).toBeUndefined();
  });
});

describe('maySteer: who cancels and messages a session', () => {
  const token = (id: string, role: TokenRole): ApiToken => ({
    id,
    name: id,
    role,
    tokenHash: 'x',
    createdAt: '2025-01-01T00:00:00.000Z',
  });
  const byA = { createdBy: { id: 'token:a', name: 'a' } };
  const byTrigger = { createdBy: { id: 'github:octocat', name: 'octocat' } };
  const unknown = {};
  it.each([
    ['member, own session', token('a', 'member'), byA, true],
    ["member, another's session", token('b', 'member'), byA, false],
    ["member, a trigger's session", token('a', 'member'), byTrigger, false],
    ['member, a session without a creator', token('a', 'member'), unknown, false],
    ['admin, any session', token('z', 'admin'), byA, true],
    ['admin, a session without a creator', token('z', 'admin'), unknown, true],
    ['viewer, even its own', token('a', 'viewer'), byA, false],
  ])('%s → %s', (_, who, session, expected) => {
    expect(maySteer(who, session)).toBe(expected);
  });
});
