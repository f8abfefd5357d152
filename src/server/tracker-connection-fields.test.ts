import { describe, expect, it } from 'vitest';
import { isBadInput } from '../core/errors.ts';
import {
  mergeTrackerConnection,
  trackerConnectionInput,
  withoutSecrets,
} from './tracker-connection-fields.ts';

const fieldsOf = (run: () => unknown): Record<string, string> => {
  try {
    run();
  } catch (error) {
    if (isBadInput(error)) return (error.details?.fields ?? {}) as Record<string, string>;
    throw error;
  }
  throw new Error('expected a BadInputError');
};

describe('mergeTrackerConnection', () => {
  it('a new Linear connection needs its key and webhook secret, and gets the default handle', () => {
    expect(fieldsOf(() => mergeTrackerConnection('linear', {}, null))).toEqual({
      apiKey: 'required',
      webhookSecret: 'required',
    });
    expect(mergeTrackerConnection('linear', { apiKey: 'k', webhookSecret: 's' }, null)).toEqual({
      settings: { handle: 'drydock' },
      secrets: { apiKey: 'k', webhookSecret: 's' },
    });
  });

  it('a change keeps what it leaves out: stored secrets stay sealed as they are, settings stay', () => {
    const existing = {
      settings: { url: 'https://acme.atlassian.net', email: 'bot@acme.test', label: 'drydock' },
      secretNames: ['apiToken', 'webhookSecret'],
    };
    expect(mergeTrackerConnection('jira', { label: 'ai', check: false }, existing)).toEqual({
      settings: { url: 'https://acme.atlassian.net', email: 'bot@acme.test', label: 'ai' },
      secrets: {},
    });
    expect(mergeTrackerConnection('jira', { apiToken: 'new' }, existing).secrets).toEqual({
      apiToken: 'new',
    });
  });

  it("refuses the other tracker's fields, naming what this one takes", () => {
    expect(
      fieldsOf(() =>
        mergeTrackerConnection('linear', { apiKey: 'k', webhookSecret: 's', url: 'https://x' }, null),
      ),
    ).toEqual({ url: expect.stringContaining('Linear takes apiKey, webhookSecret, handle, apiUrl') });
  });

  it('an empty apiUrl goes back to Linear’s own', () => {
    const existing = {
      settings: { handle: 'drydock', apiUrl: 'http://127.0.0.1:1/graphql' },
      secretNames: ['apiKey', 'webhookSecret'],
    };
    expect(mergeTrackerConnection('linear', { apiUrl: '' }, existing).settings).toEqual({
      handle: 'drydock',
    });
  });
});

describe('trackerConnectionInput', () => {
  it.each([
    ['a non-http Jira site', { url: 'file:///etc/passwd' }],
    ['a secret with a line break', { apiKey: 'a\nb' }],
    ['an empty secret', { webhookSecret: '' }],
    ['a field no tracker has', { password: 'x' }],
    ['a handle with spaces', { handle: 'dry dock' }],
  ])('refuses %s', (_what, input) => {
    expect(trackerConnectionInput.safeParse(input).success).toBe(false);
  });
});

describe('withoutSecrets', () => {
  it('replaces every occurrence of every secret', () => {
    expect(withoutSecrets('key abc rejected; abc again; xyz', ['abc', 'xyz', ''])).toBe(
      'key [redacted] rejected; [redacted] again; [redacted]',
    );
  });
});
