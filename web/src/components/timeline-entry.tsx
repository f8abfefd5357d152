import type { ReactNode } from 'react';
import type { TimelineItem } from '../timeline-item.ts';
import { formatClock } from '../times.ts';
import { ChecksEntry } from './checks-entry.tsx';
import { GateEntry } from './gate-entry.tsx';
import { InlineCode } from './inline-code.tsx';
import { MessageStatus } from './message-status.tsx';
import { ReviewEntry } from './review-entry.tsx';
import { StateBadge } from './state-badge.tsx';
import { TodoList } from './todo-list.tsx';
import { ToolEntry } from './tool-entry.tsx';

/** The clock time, with the date when it is not today. */
const time = (at: string): string => formatClock(at, Date.now());

function Row({
  item,
  kind,
  label,
  children,
}: {
  item: TimelineItem;
  kind: string;
  label: ReactNode;
  children: ReactNode;
}) {
  const role = 'role' in item && item.role === 'reviewer' ? ' reviewer' : '';
  return (
    <li
      className={`entry ${kind
        .split(' ')
        .map((k) => `k-${k}`)
        .join(' ')}${role}`}
      data-seq={item.seq}
      data-kind={item.kind}
    >
      <span className="entry-kind">{label}</span>
      <div className="entry-body">{children}</div>
      <time className="entry-time" dateTime={item.at} title={`#${item.seq} ${item.at}`}>
        {time(item.at)}
      </time>
    </li>
  );
}

/** One timeline entry; each event kind has its own shape, unknown ones show their fields. */
export function TimelineEntry({ item }: { item: TimelineItem }) {
  switch (item.kind) {
    case 'created':
      return (
        <Row item={item} kind="created" label="task">
          <p className="prose">
            <InlineCode text={item.task} />
          </p>
          <span className="muted small mono">
            {item.repo} @ {item.ref || 'HEAD'} · {item.model}
          </span>
        </Row>
      );
    case 'state':
      return (
        <Row item={item} kind="state" label="state">
          <StateBadge state={item.to} />
          {item.reason && <span className="muted"> {item.reason}</span>}
        </Row>
      );
    case 'note':
    case 'delivery':
      return (
        <Row item={item} kind={item.kind} label={item.kind === 'note' ? 'info' : 'delivery'}>
          <span className="muted mono">{item.text}</span>
        </Row>
      );
    case 'text':
      return (
        <Row item={item} kind="text" label={item.role === 'reviewer' ? 'reviewer' : 'agent'}>
          {item.reasoning && (
            <details className="reasoning">
              <summary className="muted small">thought</summary>
              <p className="prose muted">{item.reasoning}</p>
            </details>
          )}
          <p className="prose">{item.text}</p>
        </Row>
      );
    case 'live':
      return (
        <Row item={item} kind="text live" label={item.role === 'reviewer' ? 'reviewer' : 'agent'}>
          {item.reasoning && (
            <p className="prose muted reasoning" data-testid="live-reasoning">
              {item.reasoning}
            </p>
          )}
          <p className="prose" data-testid="live-text">
            {item.text}
            <span className="cursor" aria-hidden="true" />
          </p>
        </Row>
      );
    case 'tool':
      return (
        <Row item={item} kind="tool" label={item.role === 'reviewer' ? 'reviewer' : 'tool'}>
          <ToolEntry item={item} />
        </Row>
      );
    case 'model-error':
      return (
        <Row item={item} kind="error" label="model">
          <span className="error-text">
            Model error at step {item.step}: {item.message}
          </span>
        </Row>
      );
    case 'stopped':
      return (
        <Row item={item} kind="stopped" label={item.role === 'reviewer' ? 'reviewer' : 'agent'}>
          <span>
            stopped: <strong>{item.outcome.replace('_', ' ')}</strong>
          </span>
          {item.detail && (
            <p className="prose">
              <InlineCode text={item.detail} />
            </p>
          )}
        </Row>
      );
    case 'todo':
      return (
        <Row item={item} kind="todo" label="plan">
          <TodoList items={item.items} />
        </Row>
      );
    case 'checks-detected':
      return (
        <Row item={item} kind="note" label="checks">
          <span className="muted">
            found {item.checks.length} check{item.checks.length === 1 ? '' : 's'}:{' '}
            {item.checks.map((c) => (
              <code key={c.name} title={`${c.command} (${c.source})`}>
                {c.name}
              </code>
            ))}
          </span>
          {item.notes.map((note) => (
            <p key={note} className="warn-text small">
              {note}
            </p>
          ))}
        </Row>
      );
    case 'checks':
      return (
        <Row item={item} kind="checks" label="checks">
          <ChecksEntry item={item} />
        </Row>
      );
    case 'gate':
      return (
        <Row item={item} kind={item.passed ? 'gate pass' : 'gate fail'} label="gate">
          <GateEntry item={item} />
        </Row>
      );
    case 'review':
      return (
        <Row item={item} kind="review" label="review">
          <ReviewEntry item={item} />
        </Row>
      );
    case 'network':
      return (
        <Row item={item} kind="network" label="network">
          <span>
            blocked connection to{' '}
            <code>
              {item.host}:{item.port}
            </code>{' '}
            <span className="muted">(not in the repository's allowlist)</span>
          </span>
        </Row>
      );
    case 'message':
      return (
        <Row item={item} kind="message" label={item.byName === null ? 'you' : 'follow-up'}>
          {item.byName !== null && <span className="muted small message-from">from {item.byName}</span>}
          <p className="prose">{item.text}</p>
          <MessageStatus readAtStep={item.readAtStep} />
        </Row>
      );
    case 'friend':
      return (
        <Row item={item} kind="friend" label="friend">
          <span className="muted small">
            {item.trigger === 'gate' ? 'drydock asked about the repeated gate failures' : 'the agent asked'} ·{' '}
            <span className="mono">{item.model}</span> · {item.inputTokens + item.outputTokens} tokens · $
            {item.costUsd.toFixed(4)}
          </span>
          <p className="prose">
            <strong>Q:</strong> {item.question}
          </p>
          {item.files.length > 0 && (
            <span className="muted small">
              files:{' '}
              {item.files.map((file) => (
                <code key={file}>{file}</code>
              ))}
            </span>
          )}
          <p className="prose">
            <strong>A:</strong> {item.answer}
          </p>
        </Row>
      );
    case 'error':
      return (
        <Row item={item} kind="error" label="error">
          <span className="error-text">
            <code>{item.code}</code> {item.message}
          </span>
        </Row>
      );
    case 'unknown':
      return (
        <Row item={item} kind="unknown" label="event">
          <code>{item.type}</code>
          {Object.keys(item.fields).length > 0 && (
            <pre className="code small">{JSON.stringify(item.fields, null, 2)}</pre>
          )}
        </Row>
      );
  }
}
