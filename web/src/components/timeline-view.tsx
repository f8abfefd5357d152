import { useEffect, useLayoutEffect, useRef, useState } from 'react';
import type { TimelineItem } from '../timeline-item.ts';
import type { PendingMessage } from './session-page.tsx';
import { TimelineEntry } from './timeline-entry.tsx';

/** Distance from the bottom within which the page follows new entries. */
const FOLLOW_PX = 120;

const nearBottom = () => {
  const doc = document.documentElement;
  return doc.scrollHeight - (window.scrollY + window.innerHeight) < FOLLOW_PX;
};

/**
 * The timeline. A live session follows its newest entry while the reader stays at the bottom (scrolling
 * up stops that, coming back down resumes it); an ended one opens at the top, where its outcome is.
 */
export function TimelineView({
  items,
  pending,
  live,
}: {
  items: TimelineItem[];
  pending: PendingMessage[];
  live: boolean;
}) {
  const following = useRef(live);
  const [detached, setDetached] = useState(false);

  useLayoutEffect(() => {
    // The list (or another session) may have been scrolled: an ended session starts at its top.
    if (!following.current) window.scrollTo({ top: 0 });
  }, []);

  useEffect(() => {
    const onScroll = () => {
      following.current = nearBottom();
      setDetached(!following.current);
    };
    window.addEventListener('scroll', onScroll, { passive: true });
    return () => window.removeEventListener('scroll', onScroll);
  }, []);

  // A reply or a command's output streaming into an entry grows it without adding one: follow that too.
  let growing = 0;
  for (const item of items) {
    if (item.kind === 'live') growing += item.text.length + item.reasoning.length;
    else if (item.kind === 'tool' && item.result === null) growing += item.liveOutput?.length ?? 0;
  }
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs when entries are added or grow
  useLayoutEffect(() => {
    if (live && following.current) window.scrollTo({ top: document.documentElement.scrollHeight });
  }, [items.length, pending.length, growing]);

  if (items.length === 0 && pending.length === 0) {
    return <div className="empty">Waiting for the first event…</div>;
  }
  return (
    <>
      <ol className="timeline" data-testid="timeline">
        {items.map((item) => (
          <TimelineEntry key={item.seq} item={item} />
        ))}
        {pending.map((p) => (
          <li key={`pending-${p.text}`} className="entry k-message k-pending" data-kind="pending-message">
            <span className="entry-kind">you</span>
            <div className="entry-body">
              <p className="prose">{p.text}</p>
              <span className="message-status muted small" data-state="sent">
                sent; waiting for it to reach the log
              </span>
            </div>
          </li>
        ))}
      </ol>
      {live && detached && (
        <button
          type="button"
          className="button small follow-latest"
          onClick={() => {
            following.current = true;
            setDetached(false);
            window.scrollTo({ top: document.documentElement.scrollHeight });
          }}
        >
          ↓ Follow the latest
        </button>
      )}
    </>
  );
}
