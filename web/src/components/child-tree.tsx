import { useQuery } from '@tanstack/react-query';
import { useApi } from '../api-context.ts';
import { describeFindings } from '../attempt-cards.ts';
import { firstLine, formatUsageCost, plural } from '../format.ts';
import { pollMs, queryKeys } from '../query-client.ts';
import { sessionPath } from '../router.ts';
import { isTerminalState, type SessionChild } from '../types.ts';
import { ErrorBanner } from './error-banner.tsx';
import { InlineCode } from './inline-code.tsx';
import { Link } from './link.tsx';
import { StateBadge } from './state-badge.tsx';

/** How deep the tree shows children of children (drydock's managers nest at most 2 deep). */
const MAX_DEPTH = 3;

/** A manager's children as a tree: each child's state, task and digest, linking to its page. */
export function ChildTree({ items, depth = 1 }: { items: readonly SessionChild[]; depth?: number }) {
  if (items.length === 0) {
    return depth === 1 ? <p className="muted">No child sessions yet.</p> : null;
  }
  return (
    <ul className={depth === 1 ? 'child-tree' : 'child-tree nested'}>
      {items.map((child) => (
        <li key={child.id} className="child-node" data-child={child.id} data-state={child.state}>
          <div className="child-row">
            <StateBadge state={child.state} />
            <Link to={sessionPath(child.id)} className="child-task" title={child.task}>
              <InlineCode text={firstLine(child.task)} />
            </Link>
          </div>
          <div className="child-meta muted small">{childFacts(child).join(' · ')}</div>
          {child.reason && isTerminalState(child.state) && child.state !== 'delivered' && (
            <div className="child-meta bad-text small">
              <InlineCode text={firstLine(child.reason)} />
            </div>
          )}
          {child.children > 0 && depth < MAX_DEPTH && <NestedChildren id={child.id} depth={depth + 1} />}
        </li>
      ))}
    </ul>
  );
}

/** A child's own children, fetched when it has some; refreshed with the tree above it. */
function NestedChildren({ id, depth }: { id: string; depth: number }) {
  const api = useApi();
  const { data, error } = useQuery({
    queryKey: queryKeys.children(id),
    queryFn: () => api.listChildren(id),
    refetchInterval: pollMs.children,
  });
  return (
    <>
      <ErrorBanner error={error} />
      {data && <ChildTree items={data.children} depth={depth} />}
    </>
  );
}

/** One line of what a child did: model, the gate, findings, its change, what the manager took in, cost. */
function childFacts(child: SessionChild): string[] {
  const { digest } = child;
  const facts = [child.model];
  if (digest.gate) {
    facts.push(`gate ${digest.gate.passed ? 'passed' : 'failed'}, ${digest.gate.failToPass} fail→pass`);
  }
  if (digest.review) facts.push(`findings: ${describeFindings(digest.review.findings)}`);
  if (digest.diff) {
    facts.push(`${plural(digest.diff.files, 'file')} +${digest.diff.insertions} −${digest.diff.deletions}`);
  }
  if (child.integrated) {
    const { files, conflicts } = child.integrated;
    facts.push(
      `taken in (${plural(files.length, 'file')}${conflicts.length > 0 ? `, conflicts in ${conflicts.join(', ')}` : ''})`,
    );
  }
  facts.push(formatUsageCost(child.usage));
  return facts;
}
