import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useApi, useMe } from '../api-context.ts';
import { copyText } from '../clipboard.ts';
import { queryKeys } from '../query-client.ts';
import { canSteer } from '../steering.ts';
import { ErrorBanner } from './error-banner.tsx';

/**
 * The pull request's actions: open it on the forge when it is open, create it when the session goes to a
 * forge and none is open yet, and copy its description (to open one by hand anywhere else).
 */
export function PullRequestActions({ sessionId, body }: { sessionId: string; body: string }) {
  const api = useApi();
  const me = useMe();
  const queryClient = useQueryClient();
  const { data: session } = useQuery({
    queryKey: queryKeys.session(sessionId),
    queryFn: () => api.getSession(sessionId),
  });
  const { data: pull, error } = useQuery({
    queryKey: queryKeys.pullRequest(sessionId),
    queryFn: () => api.getPullRequest(sessionId),
  });
  const creating = useMutation({
    mutationFn: () => api.createPullRequest(sessionId),
    onSuccess: (answer) => queryClient.setQueryData(queryKeys.pullRequest(sessionId), answer),
  });
  const [copied, setCopied] = useState<'yes' | 'no' | null>(null);

  const copy = async () => {
    const ok = await copyText(body);
    setCopied(ok ? 'yes' : 'no');
    if (ok) setTimeout(() => setCopied(null), 2000);
  };
  const steerable = session !== undefined && canSteer(me, session) && session.state === 'delivered';

  return (
    <>
      <span className="spacer" />
      {pull?.url && (
        <a
          className="button small primary"
          href={pull.url}
          target="_blank"
          rel="noreferrer"
          data-testid="open-pr"
        >
          Open pull request{pull.number === null ? '' : ` #${pull.number}`}
        </a>
      )}
      {pull?.forge && !pull.url && steerable && (
        <button
          type="button"
          className="button small primary"
          disabled={creating.isPending}
          onClick={() => creating.mutate()}
        >
          {creating.isPending ? 'Creating…' : 'Create pull request'}
        </button>
      )}
      <button type="button" className="button small ghost" onClick={() => void copy()} aria-live="polite">
        {copied === 'yes' ? 'Copied' : 'Copy PR body'}
      </button>
      <ErrorBanner error={creating.error ?? error} />
      {copied === 'no' && (
        <div className="copy-fallback">
          <label className="small muted" htmlFor="pr-body-copy">
            This browser did not let the page copy: select the text and copy it.
          </label>
          <textarea id="pr-body-copy" readOnly rows={6} value={body} onFocus={(e) => e.target.select()} />
        </div>
      )}
    </>
  );
}
