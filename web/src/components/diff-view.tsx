import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useMemo } from 'react';
import { type FileDiff as DiffFile, displayPath, parseUnifiedDiff } from '../../../src/core/unified-diff.ts';
import { useApi } from '../api-context.ts';
import { plural } from '../format.ts';
import { queryKeys } from '../query-client.ts';
import { ErrorBanner } from './error-banner.tsx';

function FileDiff({ file }: { file: DiffFile }) {
  const path = displayPath(file);
  return (
    <details className="diff-file" open data-path={path}>
      <summary className="diff-file-header">
        <span className={`file-status ${file.change}`}>{file.change}</span>
        <span className="mono">{path}</span>
        <span className="spacer" />
        <span className="add-text mono">+{file.added.length}</span>
        <span className="del-text mono">−{file.removed.length}</span>
      </summary>
      {file.binary && <div className="muted small pad">Binary file, not shown.</div>}
      <table className="diff-table">
        {file.hunks.map((hunk, h) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: hunks have no identity beyond their order
          <tbody key={h}>
            <tr className="hunk">
              <td colSpan={3} className="mono">
                {hunk.header}
              </td>
            </tr>
            {hunk.lines.map((line, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: lines have no identity beyond their order
              <tr key={i} className={`line ${line.kind}`}>
                <td className="ln">{line.oldLine ?? ''}</td>
                <td className="ln">{line.newLine ?? ''}</td>
                <td className="text">
                  <span className="marker">
                    {line.kind === 'add' ? '+' : line.kind === 'del' ? '−' : ' '}
                  </span>
                  {line.text}
                </td>
              </tr>
            ))}
          </tbody>
        ))}
      </table>
    </details>
  );
}

/** The session's change against its base commit; reloads when `version` changes (new state or commit). */
export function DiffView({ sessionId, version }: { sessionId: string; version: string }) {
  const api = useApi();
  // Reload on state and commit changes, not on every event.
  const key = version.split(':').slice(0, 2).join(':');
  const { data, error, refetch } = useQuery({
    queryKey: queryKeys.diff(sessionId, key),
    queryFn: () => api.getDiff(sessionId),
    // A diff can be large: it is fetched again when the session moves on or on Reload, not on focus.
    refetchOnWindowFocus: false,
    placeholderData: keepPreviousData,
  });
  const text = data ?? null;

  const files = useMemo(() => (text === null ? [] : parseUnifiedDiff(text)), [text]);
  const totals = files.reduce((t, f) => ({ add: t.add + f.added.length, del: t.del + f.removed.length }), {
    add: 0,
    del: 0,
  });

  return (
    <div className="diff" data-testid="diff">
      <div className="toolbar sub">
        <span>
          {plural(files.length, 'file')} changed <span className="add-text mono">+{totals.add}</span>{' '}
          <span className="del-text mono">−{totals.del}</span>
        </span>
        <span className="spacer" />
        <button type="button" className="button ghost small" onClick={() => void refetch()}>
          Reload
        </button>
      </div>
      <ErrorBanner error={error} />
      {text === null && !error && <div className="muted">Loading diff…</div>}
      {text !== null && files.length === 0 && <div className="empty">No changes yet.</div>}
      {files.map((file) => (
        <FileDiff key={displayPath(file)} file={file} />
      ))}
    </div>
  );
}
