import { type ReactNode, useState } from 'react';
import { useApi, useMe } from '../api-context.ts';
import { formatAge } from '../format.ts';
import { queryKeys } from '../query-client.ts';
import { sessionPath } from '../router.ts';
import type { KnowledgeItem } from '../types.ts';
import { InlineCode } from './inline-code.tsx';
import './knowledge.css';
import { Link } from './link.tsx';
import { MarkdownView } from './markdown-view.tsx';
import { DeleteButton, ErrorBanner, useSettingsList } from './settings-parts.tsx';

/**
 * Repository knowledge (docs/knowledge.md): what sessions proposed, waiting for a decision (admins
 * approve, edit or reject), and what later sessions may be given, with where each came from. Items
 * whose files are gone are flagged: they are not given to sessions until someone edits or removes them.
 */
export function KnowledgePage() {
  const api = useApi();
  const admin = useMe()?.role === 'admin';
  const { data, error, actionError, setActionError, act } = useSettingsList(queryKeys.knowledge, () =>
    api.listKnowledge(),
  );
  const items = data?.items ?? [];
  const pending = items.filter((item) => item.status === 'pending');
  const approved = items.filter((item) => item.status === 'approved');
  const run = (action: Promise<unknown>) => act(action).catch(setActionError);

  return (
    <section className="knowledge-page">
      <div className="toolbar">
        <h1>Knowledge</h1>
        <span className="muted">{data ? `${pending.length} pending, ${approved.length} approved` : ''}</span>
      </div>
      <p className="muted">
        After each session drydock proposes what it learned about the repository: how its checks run, pitfalls
        the gate caught, conventions the reviewer enforced. Approved items are given to later sessions' coder
        and reviewer when relevant to their task.
      </p>
      <ErrorBanner error={error ?? actionError} />
      <h2>Pending</h2>
      {data && pending.length === 0 && <div className="empty">Nothing waiting for a decision.</div>}
      {pending.map((item) => (
        <KnowledgeCard key={item.id} item={item} admin={admin} run={run}>
          {admin && (
            <>
              <button
                type="button"
                className="button primary small"
                onClick={() => run(api.decideKnowledge(item.id, 'approve'))}
              >
                Approve
              </button>
              <button
                type="button"
                className="button ghost small"
                onClick={() => run(api.decideKnowledge(item.id, 'reject'))}
              >
                Reject
              </button>
            </>
          )}
        </KnowledgeCard>
      ))}
      <h2>Approved</h2>
      {data && approved.length === 0 && <div className="empty">No approved knowledge yet.</div>}
      {approved.map((item) => (
        <KnowledgeCard key={item.id} item={item} admin={admin} run={run}>
          {admin && (
            <DeleteButton
              label="Remove"
              onDelete={() => act(api.removeKnowledge(item.id))}
              onError={setActionError}
            />
          )}
        </KnowledgeCard>
      ))}
      {!admin && <p className="muted">Only admins approve, edit, reject and remove knowledge.</p>}
    </section>
  );
}

function KnowledgeCard(props: {
  item: KnowledgeItem;
  admin: boolean;
  run: (action: Promise<unknown>) => Promise<unknown>;
  children?: ReactNode;
}) {
  const { item } = props;
  const api = useApi();
  const [editing, setEditing] = useState(false);
  const [title, setTitle] = useState(item.title);
  const [body, setBody] = useState(item.body);
  const [files, setFiles] = useState(item.files.join('\n'));
  const save = async () => {
    await props.run(
      api.editKnowledge(item.id, {
        title,
        body,
        files: files
          .split('\n')
          .map((file) => file.trim())
          .filter((file) => file !== ''),
      }),
    );
    setEditing(false);
  };

  return (
    <article className="knowledge-item" data-knowledge={item.id} data-status={item.status}>
      {editing ? (
        <form
          className="form"
          aria-label={`Edit ${item.title}`}
          onSubmit={(event) => {
            event.preventDefault();
            void save();
          }}
        >
          <label>
            Title <input name="title" value={title} onChange={(event) => setTitle(event.target.value)} />
          </label>
          <label>
            Body{' '}
            <textarea name="body" rows={5} value={body} onChange={(event) => setBody(event.target.value)} />
          </label>
          <label>
            Files (one a line)
            <textarea
              name="files"
              rows={2}
              className="mono"
              value={files}
              onChange={(event) => setFiles(event.target.value)}
            />
          </label>
          <div className="actions">
            <button type="submit" className="button primary small">
              Save
            </button>
            <button type="button" className="button ghost small" onClick={() => setEditing(false)}>
              Cancel
            </button>
          </div>
        </form>
      ) : (
        <>
          <h3>
            <InlineCode text={item.title} /> <span className="muted">({item.kind})</span>
          </h3>
          {item.staleFiles && (
            <p className="knowledge-stale" data-testid="stale">
              Stale: {item.staleFiles.join(', ')} no longer{' '}
              {item.staleFiles.length === 1 ? 'exists' : 'exist'}; not given to sessions until edited or
              removed.
            </p>
          )}
          <MarkdownView source={item.body} />
          {item.files.length > 0 && <p className="muted mono">{item.files.join(', ')}</p>}
          <p className="muted knowledge-provenance">
            {item.source === 'manual' ? (
              'added by hand'
            ) : (
              <>
                from session <Link to={sessionPath(item.source)}>{item.source}</Link>
              </>
            )}
            , {formatAge(item.proposedAt, Date.now())} ago
            {item.decidedBy ? `; ${item.status} by ${item.decidedBy}` : ''} ·{' '}
            <span className="mono">{item.id}</span> · {item.repo}
          </p>
          {props.admin && (
            <span className="row-actions">
              {props.children}
              <button type="button" className="button ghost small" onClick={() => setEditing(true)}>
                Edit
              </button>
            </span>
          )}
        </>
      )}
    </article>
  );
}
