import type { TodoEntry } from '../timeline-item.ts';

const MARK: Record<TodoEntry['status'], string> = { pending: '○', in_progress: '◐', done: '●' };
const LABEL: Record<TodoEntry['status'], string> = {
  pending: 'to do',
  in_progress: 'in progress',
  done: 'done',
};

/** The agent's plan as a checklist: what is done, what it is on now, what is left. */
export function TodoList({ items, counted = true }: { items: readonly TodoEntry[]; counted?: boolean }) {
  const done = items.filter((item) => item.status === 'done').length;
  return (
    <div className="todo">
      {counted && (
        <span className="muted small">
          {done} of {items.length} done
        </span>
      )}
      <ul className="todo-list">
        {items.map((item) => (
          <li
            key={item.id}
            className={`todo-item ${item.status}`}
            data-status={item.status}
            title={LABEL[item.status]}
          >
            <span className="todo-mark" aria-hidden="true">
              {MARK[item.status]}
            </span>
            <span className="todo-text">{item.text}</span>
          </li>
        ))}
      </ul>
    </div>
  );
}

/** The latest plan near the session's header, folded open while the agent works through it. */
export function PlanPanel({ items }: { items: readonly TodoEntry[] }) {
  const done = items.filter((item) => item.status === 'done').length;
  const now = items.find((item) => item.status === 'in_progress');
  return (
    <details className="plan-panel" data-testid="plan-panel" open={done < items.length}>
      <summary>
        <strong>Plan</strong>{' '}
        <span className="muted">
          {done}/{items.length} done{now ? ` · now: ${now.text}` : ''}
        </span>
      </summary>
      <TodoList items={items} counted={false} />
    </details>
  );
}
