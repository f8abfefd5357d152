import { skipToken, useQuery } from '@tanstack/react-query';
import { lazy, Suspense } from 'react';
import { useApi } from '../api-context.ts';
import { queryKeys } from '../query-client.ts';
import type { ArtifactInfo } from '../types.ts';
import { ErrorBanner } from './error-banner.tsx';
import { PullRequestActions } from './pull-request-actions.tsx';

// The Markdown parser is a third of the UI's code and only this tab needs it: it loads on first use.
const MarkdownView = lazy(() =>
  import('./markdown-view.tsx').then((module) => ({ default: module.MarkdownView })),
);

/** The newest artifact with one of `names`, in that order of preference. */
function pick(artifacts: ArtifactInfo[], names: string[]): ArtifactInfo | undefined {
  for (const name of names) {
    const found = artifacts
      .filter((a) => a.name === name)
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt));
    if (found[0]) return found[0];
  }
  return undefined;
}

/** A session's documents, the first one it has shown: a delivery's PR description or review, else its report. */
export const DOCUMENTS = ['pull-request.md', 'review.md', 'report.md'];

/** The PR description (delivered), a review session's review, or the bow-out report, rendered from Markdown. */
export function ArtifactView({ sessionId, artifacts }: { sessionId: string; artifacts: ArtifactInfo[] }) {
  const api = useApi();
  const artifact = pick(artifacts, DOCUMENTS);
  const { data, error } = useQuery({
    queryKey: queryKeys.artifact(sessionId, artifact?.id ?? ''),
    queryFn: artifact ? () => api.getArtifact(sessionId, artifact.id) : skipToken,
    // A stored artifact never changes: a new report is a new artifact.
    staleTime: Number.POSITIVE_INFINITY,
  });
  const text = data ?? null;

  if (!artifact) {
    return (
      <div className="empty">
        No pull request description or report yet: it is written when the session delivers or bows out.
      </div>
    );
  }
  return (
    <article className="report" data-testid="report" data-artifact={artifact.name}>
      <div className="toolbar sub">
        <span className="mono">{artifact.name}</span>
        {artifact.name === 'pull-request.md' && text !== null && (
          <PullRequestActions sessionId={sessionId} body={text} />
        )}
      </div>
      <ErrorBanner error={error} />
      {text === null ? (
        !error && <div className="muted">Loading…</div>
      ) : (
        <Suspense fallback={<div className="muted">Loading…</div>}>
          <MarkdownView source={text} />
        </Suspense>
      )}
    </article>
  );
}
