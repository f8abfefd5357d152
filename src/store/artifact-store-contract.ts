import { beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../core/ports/store.ts';
import type { Session } from '../core/session.ts';

/**
 * A session's artifacts (test output, diffs). Part of the Store contract, run inside describeStoreContract.
 */
export function describeArtifactStoreContract(
  current: () => Store,
  newSession: (id: string) => Session,
): void {
  describe('artifacts', () => {
    let store: Store;

    beforeEach(() => {
      store = current();
    });

    it('puts, gets and lists artifacts without their content', async () => {
      await store.createSession(newSession('s1'));
      await store.createSession(newSession('s2'));
      const log = await store.putArtifact({
        sessionId: 's1',
        name: 'test-output.txt',
        contentType: 'text/plain',
        content: 'line 1\nline 2\n',
      });
      const diff = await store.putArtifact({
        sessionId: 's1',
        name: 'change.diff',
        contentType: 'text/x-diff',
        content: '--- a\n+++ b\n',
      });
      expect(log).toMatchObject({ id: 'artifact-1', sessionId: 's1', name: 'test-output.txt' });
      expect(Number.isNaN(Date.parse(log.createdAt))).toBe(false);

      expect(await store.getArtifact(log.id)).toEqual(log);
      expect(await store.getArtifact('missing')).toBeNull();
      const { content: _logContent, ...logMeta } = log;
      const { content: _diffContent, ...diffMeta } = diff;
      expect(await store.listArtifacts('s1')).toEqual([logMeta, diffMeta]);
      expect(await store.listArtifacts('s2')).toEqual([]);
    });

    it('refuses an artifact for an unknown session', async () => {
      await expect(
        store.putArtifact({ sessionId: 'ghost', name: 'x', contentType: 'text/plain', content: '' }),
      ).rejects.toMatchObject({ code: 'session_not_found' });
    });
  });
}
