import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import type { AuditEntry } from '../../../src/core/audit.ts';
import type { AuditFilter } from '../api.ts';
import { useApi, useMe } from '../api-context.ts';
import { ErrorBanner } from './error-banner.tsx';
import { Link } from './link.tsx';

const PAGE_SIZE = 50;

/**
 * `/audit` (admins): who did what, newest first (docs/audit.md), narrowed by actor, action, target and
 * dates, a page at a time. The filters apply when the form is submitted; "Older" follows the cursor.
 */
export function AuditPage() {
  const api = useApi();
  const me = useMe();
  const [draft, setDraft] = useState<AuditFilter>({});
  const [filter, setFilter] = useState<AuditFilter>({});
  // The cursors of the pages before this one, so "Newer" goes back without the server keeping state.
  const [cursors, setCursors] = useState<string[]>([]);
  const cursor = cursors.at(-1);
  const isAdmin = me?.role === 'admin';
  const { data, error, isPending } = useQuery({
    queryKey: ['audit', filter, cursor ?? null],
    queryFn: () => api.listAudit({ ...filter, ...(cursor ? { cursor } : {}), limit: PAGE_SIZE }),
    enabled: isAdmin,
    placeholderData: keepPreviousData,
  });

  if (me !== null && !isAdmin) {
    return (
      <div className="empty">
        The audit log is for admins; token "{me.name}" is a {me.role}.{' '}
        <Link to="/">Back to the sessions.</Link>
      </div>
    );
  }
  const field = (key: keyof AuditFilter, label: string, type = 'text', placeholder = '') => (
    <label className="inline-field">
      <span>{label}</span>
      <input
        name={key}
        type={type}
        placeholder={placeholder}
        value={draft[key] ?? ''}
        onChange={(e) => setDraft({ ...draft, [key]: e.target.value })}
      />
    </label>
  );
  const entries = data?.entries ?? [];

  return (
    <section className="audit">
      <div className="toolbar">
        <h1>Audit log</h1>
      </div>
      <form
        className="toolbar audit-filters"
        onSubmit={(e) => {
          e.preventDefault();
          setFilter(withoutBlanks(draft));
          setCursors([]);
        }}
      >
        {field('actor', 'Actor', 'text', 'token name or id')}
        {field('action', 'Action', 'text', 'session.* or token.created')}
        {field('target', 'Target', 'text', 'session or token id')}
        {field('from', 'From', 'date')}
        {field('to', 'Before', 'date')}
        <button type="submit" className="button small">
          Filter
        </button>
      </form>
      <ErrorBanner error={error} />
      {data && entries.length === 0 ? (
        <div className="empty">No entry matches these filters.</div>
      ) : (
        <table className="audit-log stack-on-phone">
          <thead>
            <tr>
              <th>When</th>
              <th>Actor</th>
              <th>Action</th>
              <th>Target</th>
              <th>Outcome</th>
              <th>Details</th>
            </tr>
          </thead>
          <tbody>
            {isPending && (
              <tr>
                <td colSpan={6} className="muted">
                  Loading…
                </td>
              </tr>
            )}
            {entries.map((entry) => (
              <AuditRow key={entry.id} entry={entry} />
            ))}
          </tbody>
        </table>
      )}
      <div className="toolbar">
        <button
          type="button"
          className="button ghost small"
          disabled={cursors.length === 0}
          onClick={() => setCursors(cursors.slice(0, -1))}
        >
          Newer
        </button>
        <button
          type="button"
          className="button ghost small"
          disabled={!data?.next}
          onClick={() => data?.next && setCursors([...cursors, data.next])}
        >
          Older
        </button>
      </div>
    </section>
  );
}

function AuditRow({ entry }: { entry: AuditEntry }) {
  return (
    <tr data-audit-action={entry.action}>
      <td data-label="When" className="mono small" title={entry.at}>
        {new Date(entry.at).toLocaleString()}
      </td>
      <td data-label="Actor" title={entry.actor.id}>
        {entry.actor.name}
      </td>
      <td data-label="Action" className="mono">
        {entry.action}
      </td>
      <td data-label="Target" className="mono small">
        {entry.target ?? ''}
      </td>
      <td data-label="Outcome">
        <span className={`badge outcome-${entry.outcome}`}>{entry.outcome}</span>
      </td>
      <td data-label="Details" className="mono small audit-details">
        {Object.entries(entry.details)
          .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
          .join(' ')}
      </td>
    </tr>
  );
}

function withoutBlanks(filter: AuditFilter): AuditFilter {
  return Object.fromEntries(Object.entries(filter).filter(([, value]) => value?.trim())) as AuditFilter;
}
