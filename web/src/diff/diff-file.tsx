import { Fragment, useEffect, useState } from 'react';
import { type FileDiff as DiffFile, type DiffLine, displayPath } from '../../../src/core/unified-diff.ts';
import { highlightLine, languageOf, loadLanguage } from './highlight.ts';
import { commentKey, type LineComment } from './line-comments.ts';
import { splitRows } from './split-rows.ts';

export type DiffMode = 'unified' | 'split';

/** The id of a file's section, for the file tree's links. */
export const fileAnchor = (path: string): string => `diff-file-${encodeURIComponent(path)}`;

/** What a file needs to take comments: the comments so far, and the line being written on. */
export interface CommentState {
  enabled: boolean;
  comments: ReadonlyMap<string, LineComment>;
  editing: string | null;
  onEdit(key: string | null): void;
  onSave(comment: LineComment): void;
  onRemove(key: string): void;
}

/** The key of the line a comment on `line` belongs to: the new side, else the old (a removed line). */
function target(path: string, line: DiffLine): Omit<LineComment, 'comment'> | null {
  if (line.kind === 'note') return null;
  if (line.newLine !== null) return { path, line: line.newLine, side: 'new', text: line.text };
  if (line.oldLine !== null) return { path, line: line.oldLine, side: 'old', text: line.text };
  return null;
}

function Code({ text, language }: { text: string; language: string | null }) {
  const html = highlightLine(text, language);
  if (html === null) return <span className="code">{text}</span>;
  // biome-ignore lint/security/noDangerouslySetInnerHtml: highlight.js escapes the text it wraps in its spans
  return <span className="code" dangerouslySetInnerHTML={{ __html: html }} />;
}

/** `path:line`, and which side for a removed line (whose number is the old file's). */
const describe = (at: Omit<LineComment, 'comment'>): string =>
  `${at.path}:${at.line}${at.side === 'old' ? ' (removed line)' : ''}`;

const MARKERS = { add: '+', del: '−', context: ' ', note: ' ' } as const;

function LineButton({
  number,
  at,
  state,
}: {
  number: number | null;
  at: ReturnType<typeof target>;
  state: CommentState;
}) {
  if (number === null) return null;
  if (!state.enabled || at === null) return <>{number}</>;
  const key = commentKey(at);
  return (
    <button
      type="button"
      className="ln-button"
      aria-label={`Comment on ${describe(at)}`}
      onClick={() => state.onEdit(state.editing === key ? null : key)}
    >
      {number}
    </button>
  );
}

function CommentEditor({
  at,
  state,
  colSpan,
}: {
  at: Omit<LineComment, 'comment'>;
  state: CommentState;
  colSpan: number;
}) {
  const key = commentKey(at);
  const saved = state.comments.get(key);
  const [text, setText] = useState(saved?.comment ?? '');
  const save = () => {
    if (text.trim() === '') return;
    state.onSave({ ...at, comment: text.trim() });
    state.onEdit(null);
  };
  return (
    <tr className="comment-row">
      <td colSpan={colSpan}>
        <form
          className="line-comment-form"
          onSubmit={(e) => {
            e.preventDefault();
            save();
          }}
        >
          <label className="small muted" htmlFor={`c-${key}`}>
            Comment on {describe(at)}
          </label>
          <textarea
            id={`c-${key}`}
            rows={2}
            // biome-ignore lint/a11y/noAutofocus: the editor opens because the person asked to write here
            autoFocus
            value={text}
            onChange={(e) => setText(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === 'Enter' && (e.metaKey || e.ctrlKey)) save();
              if (e.key === 'Escape') state.onEdit(null);
            }}
          />
          <div className="row-actions">
            <button type="submit" className="button small primary" disabled={text.trim() === ''}>
              {saved ? 'Update comment' : 'Add comment'}
            </button>
            <button type="button" className="button small ghost" onClick={() => state.onEdit(null)}>
              Cancel
            </button>
          </div>
        </form>
      </td>
    </tr>
  );
}

function SavedComment({
  comment,
  state,
  colSpan,
}: {
  comment: LineComment;
  state: CommentState;
  colSpan: number;
}) {
  const key = commentKey(comment);
  return (
    <tr className="comment-row saved" data-comment={key}>
      <td colSpan={colSpan}>
        <div className="line-comment">
          <span className="comment-text">{comment.comment}</span>
          <span className="spacer" />
          <button type="button" className="button small ghost" onClick={() => state.onEdit(key)}>
            Edit
          </button>
          <button type="button" className="button small ghost" onClick={() => state.onRemove(key)}>
            Remove
          </button>
        </div>
      </td>
    </tr>
  );
}

/** The comment and the editor that belong under a line, if any. */
function Comments({
  at,
  state,
  colSpan,
}: {
  at: ReturnType<typeof target>;
  state: CommentState;
  colSpan: number;
}) {
  if (at === null) return null;
  const key = commentKey(at);
  if (state.editing === key) return <CommentEditor at={at} state={state} colSpan={colSpan} />;
  const saved = state.comments.get(key);
  return saved ? <SavedComment comment={saved} state={state} colSpan={colSpan} /> : null;
}

function UnifiedRows({
  path,
  lines,
  language,
  state,
}: {
  path: string;
  lines: DiffLine[];
  language: string | null;
  state: CommentState;
}) {
  return (
    <>
      {lines.map((line, i) => {
        const at = target(path, line);
        return (
          // biome-ignore lint/suspicious/noArrayIndexKey: lines have no identity beyond their order
          <UnifiedLine key={i} line={line} at={at} language={language} state={state} />
        );
      })}
    </>
  );
}

function UnifiedLine({
  line,
  at,
  language,
  state,
}: {
  line: DiffLine;
  at: ReturnType<typeof target>;
  language: string | null;
  state: CommentState;
}) {
  return (
    <>
      <tr
        className={`line ${line.kind}`}
        data-old={line.oldLine ?? undefined}
        data-new={line.newLine ?? undefined}
      >
        <td className="ln">
          <LineButton number={line.kind === 'del' ? line.oldLine : null} at={at} state={state} />
          {line.kind !== 'del' && line.oldLine}
        </td>
        <td className="ln">
          <LineButton number={line.newLine} at={at} state={state} />
        </td>
        <td className="text">
          <span className="marker">{MARKERS[line.kind]}</span>
          {line.kind === 'note' ? line.text : <Code text={line.text} language={language} />}
        </td>
      </tr>
      <Comments at={at} state={state} colSpan={3} />
    </>
  );
}

function SplitSide({
  line,
  side,
  language,
  state,
  path,
}: {
  line: DiffLine | null;
  side: 'old' | 'new';
  language: string | null;
  state: CommentState;
  path: string;
}) {
  if (line === null) {
    return (
      <>
        <td className="ln empty" />
        <td className={`text side-${side} empty`} />
      </>
    );
  }
  const number = side === 'old' ? line.oldLine : line.newLine;
  const at = target(path, line);
  // A context line takes its comment on the new side only, so it is not offered twice.
  const commentable = line.kind !== 'context' || side === 'new';
  return (
    <>
      <td className={`ln ${line.kind}`}>
        {commentable ? <LineButton number={number} at={at} state={state} /> : number}
      </td>
      <td className={`text side-${side} ${line.kind}`}>
        <span className="marker">{MARKERS[line.kind]}</span>
        {line.kind === 'note' ? line.text : <Code text={line.text} language={language} />}
      </td>
    </>
  );
}

function SplitRowsView({
  path,
  lines,
  language,
  state,
}: {
  path: string;
  lines: DiffLine[];
  language: string | null;
  state: CommentState;
}) {
  return (
    <>
      {splitRows(lines).map((row, i) => {
        const commented = [row.right, row.left].map((line) => (line ? target(path, line) : null));
        const keys = new Set<string>();
        return (
          // biome-ignore lint/suspicious/noArrayIndexKey: rows have no identity beyond their order
          <Fragment key={i}>
            <tr className="split-row">
              <SplitSide line={row.left} side="old" language={language} state={state} path={path} />
              <SplitSide line={row.right} side="new" language={language} state={state} path={path} />
            </tr>
            {commented.map((at) => {
              if (at === null || keys.has(commentKey(at))) return null;
              keys.add(commentKey(at));
              return <Comments key={commentKey(at)} at={at} state={state} colSpan={4} />;
            })}
          </Fragment>
        );
      })}
    </>
  );
}

/** One file of the diff, unified or side by side, highlighted once its language has loaded. */
export function FileDiff({ file, mode, state }: { file: DiffFile; mode: DiffMode; state: CommentState }) {
  const path = displayPath(file);
  const wanted = languageOf(file.path);
  const [language, setLanguage] = useState<string | null>(null);
  useEffect(() => {
    if (wanted === null) return;
    let live = true;
    void loadLanguage(wanted).then((ok) => {
      if (live && ok) setLanguage(wanted);
    });
    return () => {
      live = false;
    };
  }, [wanted]);

  return (
    <details
      className="diff-file"
      open
      data-path={path}
      id={fileAnchor(path)}
      data-language={language ?? undefined}
    >
      <summary className="diff-file-header">
        <span className={`file-status ${file.change}`}>{file.change}</span>
        <span className="mono">{path}</span>
        <span className="spacer" />
        <span className="add-text mono">+{file.added.length}</span>
        <span className="del-text mono">−{file.removed.length}</span>
      </summary>
      {file.binary && <div className="muted small pad">Binary file, not shown.</div>}
      <table className={`diff-table ${mode}`} data-mode={mode}>
        {mode === 'split' && (
          <colgroup>
            <col className="ln-col" />
            <col />
            <col className="ln-col" />
            <col />
          </colgroup>
        )}
        {file.hunks.map((hunk, h) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: hunks have no identity beyond their order
          <tbody key={h}>
            <tr className="hunk">
              <td colSpan={mode === 'split' ? 4 : 3} className="mono">
                {hunk.header}
              </td>
            </tr>
            {mode === 'split' ? (
              <SplitRowsView path={file.path} lines={hunk.lines} language={language} state={state} />
            ) : (
              <UnifiedRows path={file.path} lines={hunk.lines} language={language} state={state} />
            )}
          </tbody>
        ))}
      </table>
    </details>
  );
}
