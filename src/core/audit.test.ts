import { describe, expect, it } from 'vitest';
import { AUDIT_TEXT_CHARS, outcomeOfStatus, recordAudit, safeAuditDetails } from './audit.ts';

describe('safe audit details', () => {
  it('drops keys that could hold a secret value and keeps names, ids and roles', () => {
    expect(
      safeAuditDetails({
        name: 'NPM_TOKEN',
        secret: 'hunter2',
        value: 'npm_abc',
        token: 'dd_xyz',
        password: 'p',
        authorization: 'Bearer x',
        tokenId: 't1',
        secretName: 'API_KEY',
        role: 'admin',
        nested: { privateKey: 'k', scope: '*' },
      }),
    ).toEqual({
      name: 'NPM_TOKEN',
      tokenId: 't1',
      secretName: 'API_KEY',
      role: 'admin',
      nested: { scope: '*' },
    });
  });

  it('cuts long strings, long arrays, deep objects and non-JSON values', () => {
    const safe = safeAuditDetails({
      text: 'x'.repeat(5000),
      list: Array.from({ length: 50 }, (_, i) => i),
      deep: { a: { b: { c: 'too deep' } } },
      when: undefined,
      nan: Number.NaN,
      fn: () => 1,
    });
    expect((safe.text as string).length).toBe(AUDIT_TEXT_CHARS);
    expect((safe.text as string).endsWith('…')).toBe(true);
    expect(safe.list).toHaveLength(20);
    expect(safe.deep).toEqual({ a: {} });
    expect(safe.nan).toBeNull();
    expect(safe).not.toHaveProperty('when');
    expect(safe).not.toHaveProperty('fn');
  });
});

describe('recording an audit entry', () => {
  it('fills the defaults, makes details safe, and reports a failed write instead of throwing', async () => {
    const written: unknown[] = [];
    await recordAudit(
      { appendAudit: async (entry) => void written.push(entry) },
      {
        actor: { id: 'token:t', name: 'ci' },
        action: 'token.created',
        details: { token: 'dd_x', name: 'ci' },
      },
    );
    expect(written).toEqual([
      {
        actor: { id: 'token:t', name: 'ci' },
        action: 'token.created',
        target: null,
        details: { name: 'ci' },
        outcome: 'ok',
      },
    ]);
    const errors: unknown[] = [];
    await recordAudit(
      {
        appendAudit: async () => {
          throw new Error('disk full');
        },
      },
      { actor: { id: 'a', name: 'a' }, action: 'x' },
      (error) => errors.push(error),
    );
    expect(errors).toHaveLength(1);
  });

  it('reads an HTTP status as an outcome', () => {
    expect([200, 201, 204, 400, 401, 403, 409, 500, 503].map(outcomeOfStatus)).toEqual([
      'ok',
      'ok',
      'ok',
      'refused',
      'refused',
      'refused',
      'refused',
      'failed',
      'failed',
    ]);
  });
});
