import { useEffect, useLayoutEffect, useRef } from 'react';
import type { TimelineItem } from '../timeline.ts';
import type { PendingMessage } from './session-page.tsx';
import { TimelineEntry } from './timeline-entry.tsx';

/** Distance from the bottom within which the page follows new entries. */
const FOLLOW_PX = 120;

/** The timeline; follows the newest entry while the reader is at the bottom. */
export function TimelineView({ items, pending }: { items: TimelineItem[]; pending: PendingMessage[] }) {
  const atBottom = useRef(true);

  useEffect(() => {
    const onScroll = () => {
      const doc = document.documentElement;
      atBottom.current = doc.scrollHeight - (window.scrollY + window.innerHeight) < FOLLOW_PX;
    };
    window.addEventListener('scroll', onScroll, { passive: true });
    return () => window.removeEventListener('scroll', onScroll);
  }, []);

  // A reply streaming into the last entry grows it without adding one: follow that too.
  const last = items.at(-1);
  const liveChars = last?.kind === 'live' ? last.text.length + last.reasoning.length : 0;
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs when entries are added or grow
  useLayoutEffect(() => {
    if (atBottom.current) window.scrollTo({ top: document.documentElement.scrollHeight });
  }, [items.length, pending.length, liveChars]);

  if (items.length === 0 && pending.length === 0) {
    return <div className="empty">Waiting for the first event…</div>;
  }
  return (
    <ol className="timeline" data-testid="timeline">
      {items.map((item) => (
        <TimelineEntry key={item.seq} item={item} />
      ))}
      {pending.map((p) => (
        <li key={`pending-${p.text}`} className="entry k-message k-pending">
          <span className="entry-kind">you</span>
          <div className="entry-body">
            <p className="prose">{p.text}</p>
            <span className="muted small">sent; the agent reads it at its next step</span>
          </div>
        </li>
      ))}
    </ol>
  );
}
