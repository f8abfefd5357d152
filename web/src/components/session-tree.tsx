import { useQuery } from '@tanstack/react-query';
import { useApi } from '../api-context.ts';
import { pollMs, queryKeys } from '../query-client.ts';
import { sessionPath } from '../router.ts';
import { isTerminalState, type Session } from '../types.ts';
import { AttemptsBoard } from './attempts-board.tsx';
import { ChildTree } from './child-tree.tsx';
import { ErrorBanner } from './error-banner.tsx';
import { InlineCode } from './inline-code.tsx';
import { Link } from './link.tsx';
import './tree.css';

/** Events on a parent's stream after which its children are fetched again. */
export const CHILD_EVENTS: ReadonlySet<string> = new Set([
  'child.spawned',
  'child.ended',
  'child.integrated',
  'attempts.chosen',
]);

/** Whether a session runs children: an attempts session or a manager. */
export function hasChildren(session: Pick<Session, 'kind'>): boolean {
  return session.kind === 'attempts' || session.kind === 'manager';
}

/**
 * A parent's children: an attempts session's attempts side by side, or a manager's tree. The session
 * page refetches them on the parent's `child.*` events; while the parent runs they are polled too, for
 * the states children pass through in between.
 */
export function SessionTree({ session }: { session: Session }) {
  const api = useApi();
  const live = !isTerminalState(session.state);
  const { data, error } = useQuery({
    queryKey: queryKeys.children(session.id),
    queryFn: () => api.listChildren(session.id),
    refetchInterval: live ? pollMs.children : false,
  });
  if (!data) return <ErrorBanner error={error} />;
  return (
    <>
      <ErrorBanner error={error} />
      {session.kind === 'attempts' ? (
        <AttemptsBoard parent={session} items={data.children} choice={data.choice} />
      ) : (
        <section className="tree-panel" aria-label="Child sessions" data-testid="child-tree">
          <h2>
            Child sessions <span className="muted small">{data.children.length}</span>
          </h2>
          <ChildTree items={data.children} />
        </section>
      )}
    </>
  );
}

/** On an attempt's or a child's page: whose it is, linking up. */
export function ParentLink({ session }: { session: Session }) {
  const api = useApi();
  const parentId = session.parentId ?? '';
  const parent = useQuery({
    queryKey: queryKeys.session(parentId),
    queryFn: () => api.getSession(parentId),
    enabled: parentId !== '',
  }).data;
  if (!session.parentId) return null;
  const what = session.kind === 'attempt' ? 'An attempt of' : 'A child session of';
  return (
    <p className="parent-link" data-testid="parent-link">
      {what}{' '}
      <Link to={sessionPath(session.parentId)} title={parent?.task}>
        {parent ? <InlineCode text={parent.task.split('\n', 1)[0] ?? ''} /> : session.parentId}
      </Link>
      {parent?.kind === 'manager' ? ' (a manager)' : ''}
    </p>
  );
}
