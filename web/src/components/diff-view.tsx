import { lazy, Suspense } from 'react';

// The diff (file tree, split view, the highlighter and its languages) loads on first use, so the list
// and the timeline do not carry it.
const DiffPanel = lazy(() =>
  import('../diff/diff-panel.tsx').then((module) => ({ default: module.DiffPanel })),
);

/** The session's change against its base commit, or per turn; reloads when `version` changes (new state or commit). */
export function DiffView({ sessionId, version }: { sessionId: string; version: string }) {
  return (
    <Suspense fallback={<div className="muted">Loading diff…</div>}>
      <DiffPanel sessionId={sessionId} version={version} />
    </Suspense>
  );
}
