import { keepPreviousData, useMutation, useQuery } from '@tanstack/react-query';
import { useCallback, useMemo, useState } from 'react';
import { displayPath, parseUnifiedDiff } from '../../../src/core/unified-diff.ts';
import { useApi, useMe } from '../api-context.ts';
import { ErrorBanner } from '../components/error-banner.tsx';
import { plural } from '../format.ts';
import { queryKeys } from '../query-client.ts';
import { navigate, sessionPath } from '../router.ts';
import { canSteer } from '../steering.ts';
import { type CommentState, type DiffMode, FileDiff, fileAnchor } from './diff-file.tsx';
import { buildFileTree } from './file-tree.ts';
import { FileTreeNav } from './file-tree-nav.tsx';
import { commentKey, commentsMessage, type LineComment } from './line-comments.ts';
import './diff.css';

const MODE_KEY = 'drydock.diffMode';

function storedMode(): DiffMode {
  try {
    return localStorage.getItem(MODE_KEY) === 'split' ? 'split' : 'unified';
  } catch {
    return 'unified';
  }
}

/** Saves `text` as a file through a temporary link: the browser's own download. */
function download(text: string, filename: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: 'text/x-diff' }));
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/**
 * The session's change: all of it against the base commit, or one turn's commit alone; unified or side
 * by side (remembered); a file tree; highlighted code; a `.patch` download; and comments on lines that
 * go to the agent as one follow-up. Loaded on first use (its own chunk, with the highlighter).
 */
export function DiffPanel({ sessionId, version }: { sessionId: string; version: string }) {
  const api = useApi();
  const me = useMe();
  const { data: session } = useQuery({
    queryKey: queryKeys.session(sessionId),
    queryFn: () => api.getSession(sessionId),
  });
  const [selected, setSelected] = useState('');
  const [mode, setModeState] = useState<DiffMode>(storedMode);
  const [comments, setComments] = useState<ReadonlyMap<string, LineComment>>(new Map());
  const [editing, setEditing] = useState<string | null>(null);
  const [sent, setSent] = useState(false);

  const setMode = (next: DiffMode) => {
    setModeState(next);
    try {
      localStorage.setItem(MODE_KEY, next);
    } catch {
      // Storage off (private mode): the choice lasts for this page.
    }
  };

  // Reload on state and commit changes, not on every event.
  const key = version.split(':').slice(0, 2).join(':');
  const commits = useQuery({
    queryKey: queryKeys.commits(sessionId, key),
    queryFn: () => api.listCommits(sessionId),
    refetchOnWindowFocus: false,
    placeholderData: keepPreviousData,
  });
  const turn = commits.data?.commits.find((c) => c.commit === selected) ?? null;
  const { data, error, refetch } = useQuery({
    queryKey: [...queryKeys.diff(sessionId, key), selected],
    queryFn: () => (selected === '' ? api.getDiff(sessionId) : api.getCommitDiff(sessionId, selected)),
    // A diff can be large: it is fetched again when the session moves on or on Reload, not on focus.
    refetchOnWindowFocus: false,
    placeholderData: keepPreviousData,
  });
  const text = data ?? null;
  const files = useMemo(() => (text === null ? [] : parseUnifiedDiff(text)), [text]);
  const tree = useMemo(() => buildFileTree(files), [files]);
  const totals = files.reduce((t, f) => ({ add: t.add + f.added.length, del: t.del + f.removed.length }), {
    add: 0,
    del: 0,
  });

  const sending = useMutation({
    mutationFn: (message: string) => api.sendMessage(sessionId, message),
    onSuccess: () => {
      setComments(new Map());
      setEditing(null);
      setSent(true);
    },
  });
  const steerable =
    session !== undefined && canSteer(me, session) && !['failed', 'cancelled'].includes(session.state);
  const state: CommentState = {
    enabled: steerable,
    comments,
    editing,
    onEdit: setEditing,
    onSave: (comment) => {
      setSent(false);
      setComments((all) => new Map(all).set(commentKey(comment), comment));
    },
    onRemove: (removed) =>
      setComments((all) => {
        const next = new Map(all);
        next.delete(removed);
        return next;
      }),
  };

  const openFile = useCallback((path: string) => {
    const section = document.getElementById(fileAnchor(path));
    if (!(section instanceof HTMLDetailsElement)) return;
    section.open = true;
    section.scrollIntoView({ block: 'start' });
    section.querySelector('summary')?.focus({ preventScroll: true });
  }, []);

  const filename = `drydock-${sessionId}${turn ? `-turn-${turn.turn}` : ''}.patch`;

  return (
    <div
      className={comments.size > 0 || sent ? 'diff with-comments-bar' : 'diff'}
      data-testid="diff"
      data-mode={mode}
    >
      <div className="toolbar sub diff-toolbar">
        <label className="diff-scope">
          <span className="small muted">Changes</span>
          <select aria-label="Changes shown" value={selected} onChange={(e) => setSelected(e.target.value)}>
            <option value="">All changes</option>
            {commits.data?.commits.map((c) => (
              <option key={c.commit} value={c.commit}>
                Turn {c.turn} · {c.commit.slice(0, 8)} (+{c.insertions} −{c.deletions})
              </option>
            ))}
          </select>
        </label>
        <span>
          {plural(files.length, 'file')} changed <span className="add-text mono">+{totals.add}</span>{' '}
          <span className="del-text mono">−{totals.del}</span>
        </span>
        <span className="spacer" />
        <fieldset className="segmented" aria-label="Diff layout">
          {(['unified', 'split'] as const).map((each) => (
            <button
              key={each}
              type="button"
              className={`button small ${mode === each ? 'active' : 'ghost'}`}
              aria-pressed={mode === each}
              onClick={() => setMode(each)}
            >
              {each === 'unified' ? 'Unified' : 'Split'}
            </button>
          ))}
        </fieldset>
        <button
          type="button"
          className="button ghost small"
          disabled={!text}
          onClick={() => text && download(text, filename)}
          title={`Save the diff shown as ${filename} (git apply takes it)`}
        >
          Download .patch
        </button>
        <button type="button" className="button ghost small" onClick={() => void refetch()}>
          Reload
        </button>
      </div>
      {(comments.size > 0 || sent) && (
        <div className="comments-bar" data-testid="comments-bar">
          {comments.size > 0 ? (
            <>
              <span>{plural(comments.size, 'comment')} on the diff</span>
              <span className="spacer" />
              <button
                type="button"
                className="button small primary"
                disabled={sending.isPending}
                onClick={() => sending.mutate(commentsMessage([...comments.values()]))}
              >
                {sending.isPending ? 'Sending…' : 'Send as a follow-up'}
              </button>
              <button type="button" className="button small ghost" onClick={() => setComments(new Map())}>
                Discard
              </button>
            </>
          ) : (
            <span>
              Sent to the agent as one follow-up.{' '}
              <a
                href={sessionPath(sessionId)}
                onClick={(e) => {
                  e.preventDefault();
                  navigate(sessionPath(sessionId));
                }}
              >
                See it on the timeline
              </a>
            </span>
          )}
        </div>
      )}
      <ErrorBanner error={sending.error ?? error ?? commits.error} />
      {text === null && !error && <div className="muted">Loading diff…</div>}
      {text !== null && files.length === 0 && <div className="empty">No changes yet.</div>}
      {files.length > 0 && (
        <div className="diff-layout">
          <FileTreeNav nodes={tree} onOpen={openFile} />
          <div className="diff-files">
            {files.map((file) => (
              <FileDiff key={displayPath(file)} file={file} mode={mode} state={state} />
            ))}
          </div>
        </div>
      )}
    </div>
  );
}
