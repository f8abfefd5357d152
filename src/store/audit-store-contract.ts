import { describe, expect, it } from 'vitest';
import type { NewAuditEntry } from '../core/audit.ts';
import { BadInputError } from '../core/errors.ts';
import type { Store } from '../core/ports/store.ts';

function entry(overrides: Partial<NewAuditEntry> = {}): NewAuditEntry {
  return {
    actor: { id: 'token:t1', name: 'alice' },
    action: 'session.created',
    target: 's1',
    details: { repo: '/repos/app' },
    outcome: 'ok',
    ...overrides,
  };
}

/** The audit log: part of the Store contract, run inside describeStoreContract (its clock steps 1 s a read). */
export function describeAuditStoreContract(current: () => Store): void {
  describe('audit log', () => {
    it('appends entries with an id and a time and lists them newest first, as written', async () => {
      const store = current();
      const first = await store.appendAudit(entry({ details: { repo: '/repos/app', nested: { n: 1 } } }));
      const second = await store.appendAudit(
        entry({
          actor: { id: 'github:octo', name: 'octo' },
          action: 'trigger.refused',
          target: null,
          outcome: 'refused',
        }),
      );
      expect(first.id).not.toBe(second.id);
      expect(Date.parse(second.at)).toBeGreaterThan(Date.parse(first.at));
      expect(await store.listAudit()).toEqual([second, first]);
      expect(first).toMatchObject({
        actor: { id: 'token:t1', name: 'alice' },
        details: { repo: '/repos/app', nested: { n: 1 } },
        target: 's1',
      });
    });

    it('filters by actor id or name, exact action or a prefix, target and a time range', async () => {
      const store = current();
      const a = await store.appendAudit(entry());
      const b = await store.appendAudit(entry({ action: 'session.cancelled' }));
      const c = await store.appendAudit(
        entry({ actor: { id: 'cli:root', name: 'root' }, action: 'token.created', target: 't9' }),
      );
      const d = await store.appendAudit(entry({ action: 'sessions_x', target: 's2' }));
      const ids = (list: { id: string }[]) => list.map((one) => one.id);
      expect(ids(await store.listAudit({ actor: 'token:t1' }))).toEqual([d.id, b.id, a.id]);
      expect(ids(await store.listAudit({ actor: 'root' }))).toEqual([c.id]);
      expect(ids(await store.listAudit({ action: 'session.cancelled' }))).toEqual([b.id]);
      // A prefix ends at the dot: `session.*` is not `sessions_x`, and `_` is no wildcard.
      expect(ids(await store.listAudit({ action: 'session.*' }))).toEqual([b.id, a.id]);
      expect(ids(await store.listAudit({ action: 'session_.*' }))).toEqual([]);
      expect(ids(await store.listAudit({ target: 's2' }))).toEqual([d.id]);
      expect(ids(await store.listAudit({ from: b.at, to: d.at }))).toEqual([c.id, b.id]);
      expect(ids(await store.listAudit({ actor: 'token:t1', action: 'session.*', from: b.at }))).toEqual([
        b.id,
      ]);
    });

    it('pages with `before` and a limit without skipping or repeating an entry', async () => {
      const store = current();
      const written = [];
      for (let i = 0; i < 7; i++) written.push(await store.appendAudit(entry({ target: `s${i}` })));
      const seen: string[] = [];
      let page = await store.listAudit({ limit: 3 });
      while (page.length > 0) {
        seen.push(...page.map((one) => one.id));
        const last = page.at(-1);
        if (!last) break;
        page = await store.listAudit({ limit: 3, before: { at: last.at, id: last.id } });
      }
      expect(seen).toEqual(written.map((one) => one.id).reverse());
      await expect(store.listAudit({ limit: 0 })).rejects.toBeInstanceOf(BadInputError);
      await expect(store.listAudit({ limit: 501 })).rejects.toBeInstanceOf(BadInputError);
    });

    it('prunes entries older than a time and keeps the rest', async () => {
      const store = current();
      const old = await store.appendAudit(entry({ target: 'old' }));
      const kept = await store.appendAudit(entry({ target: 'kept' }));
      expect(await store.pruneAudit(kept.at)).toBe(1);
      expect((await store.listAudit()).map((one) => one.id)).toEqual([kept.id]);
      expect(old.id).not.toBe(kept.id);
    });
  });
}
