import { QueryClientProvider, useQuery } from '@tanstack/react-query';
import { type ReactNode, useCallback, useEffect, useMemo, useState } from 'react';
import { createApi } from '../api.ts';
import { ApiContext, MeContext, useApi, useMe } from '../api-context.ts';
import { PageTitle } from '../page-title.ts';
import { createQueryClient, pollMs, queryKeys } from '../query-client.ts';
import { type Route, useRoute } from '../router.ts';
import { adoptTokenFromHash, clearToken, loadToken, saveToken } from '../token-store.ts';
import { AnalyticsPage } from './analytics-page.tsx';
import { AuditPage } from './audit-page.tsx';
import { EvalList } from './eval-list.tsx';
import { EvalRunPage } from './eval-run-page.tsx';
import { KnowledgePage } from './knowledge-page.tsx';
import { Link } from './link.tsx';
import { NewTaskForm } from './new-task-form.tsx';
import { SessionList } from './session-list.tsx';
import { SessionPage } from './session-page.tsx';
import { SettingsPage } from './settings-page.tsx';
import { TokenScreen } from './token-screen.tsx';

/** The signed-in gate, the top bar and the page for the current route. */
export function App() {
  const [queryClient] = useState(createQueryClient);
  const [token, setTokenState] = useState(loadToken);
  const [notice, setNotice] = useState<string | null>(null);
  const route = useRoute();

  // What one token was shown is not for the next one: a new token starts from an empty cache.
  const setToken = useCallback(
    (next: string | null) => {
      queryClient.clear();
      setTokenState(next);
    },
    [queryClient],
  );

  // A sign-in link opened in a tab that already shows the UI only changes the fragment.
  useEffect(() => {
    const onHash = () => {
      const adopted = adoptTokenFromHash();
      if (adopted) {
        setToken(adopted);
        setNotice(null);
      }
    };
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, [setToken]);

  const signOut = useCallback(
    (message: string | null) => {
      clearToken();
      setToken(null);
      setNotice(message);
    },
    [setToken],
  );

  const api = useMemo(
    () =>
      token === null
        ? null
        : createApi({
            token,
            onUnauthorized: () => signOut('The server did not accept the token (401). Enter a valid one.'),
          }),
    [token, signOut],
  );

  if (api === null) {
    return (
      <TokenScreen
        notice={notice}
        onToken={(next) => {
          saveToken(next);
          setToken(next);
          setNotice(null);
        }}
      />
    );
  }

  return (
    <QueryClientProvider client={queryClient}>
      <ApiContext.Provider value={api}>
        <MeProvider>
          <header className="topbar">
            <Link to="/" className="brand">
              <span className="brand-mark" aria-hidden="true" />
              drydock
            </Link>
            <nav>
              <Link to="/" className={route.page === 'list' ? 'active' : ''}>
                Sessions
              </Link>
              <Link to="/evals" className={route.page === 'evals' || route.page === 'eval' ? 'active' : ''}>
                Evaluations
              </Link>
              <Link to="/analytics" className={route.page === 'analytics' ? 'active' : ''}>
                Analytics
              </Link>
              <Link to="/knowledge" className={route.page === 'knowledge' ? 'active' : ''}>
                Knowledge
              </Link>
              <Link to="/settings" className={route.page === 'settings' ? 'active' : ''}>
                Settings
              </Link>
              <AdminLink to="/audit" active={route.page === 'audit'}>
                Audit log
              </AdminLink>
            </nav>
            <span className="spacer" />
            <Link to="/new" className="button primary small">
              New task
            </Link>
            <button type="button" className="button ghost small" onClick={() => signOut(null)}>
              Sign out
            </button>
          </header>
          <main className="page">
            {route.page !== 'session' && <PageTitle what={routeTitle(route)} />}
            {route.page === 'list' && <SessionList />}
            {route.page === 'new' && <NewTaskForm />}
            {route.page === 'settings' && <SettingsPage />}
            {route.page === 'audit' && <AuditPage />}
            {route.page === 'evals' && <EvalList />}
            {route.page === 'analytics' && <AnalyticsPage />}
            {route.page === 'knowledge' && <KnowledgePage />}
            {route.page === 'eval' && <EvalRunPage key={route.id} id={route.id} />}
            {route.page === 'session' && <SessionPage key={route.id} id={route.id} tab={route.tab} />}
            {route.page === 'not-found' && (
              <div className="empty">
                No page at <code>{route.path}</code>. <Link to="/">Back to the sessions.</Link>
              </div>
            )}
          </main>
        </MeProvider>
      </ApiContext.Provider>
    </QueryClientProvider>
  );
}

/** What a page is called in the tab's title; a session's page names its task itself. */
function routeTitle(route: Route): string | null {
  switch (route.page) {
    case 'list':
      return 'Sessions';
    case 'new':
      return 'New task';
    case 'settings':
      return 'Settings';
    case 'audit':
      return 'Audit log';
    case 'evals':
      return 'Evaluations';
    case 'analytics':
      return 'Analytics';
    case 'knowledge':
      return 'Knowledge';
    case 'eval':
      return `Evaluation ${route.id}`;
    case 'not-found':
      return 'Page not found';
    default:
      return null;
  }
}

/** A nav link only admins see (the pages behind it answer others 403). */
function AdminLink({ to, active, children }: { to: string; active: boolean; children: ReactNode }) {
  if (useMe()?.role !== 'admin') return null;
  return (
    <Link to={to} className={active ? 'active' : ''}>
      {children}
    </Link>
  );
}

/** Who the token is (`GET /api/me`), for pages that show what only some roles may do. */
function MeProvider({ children }: { children: ReactNode }) {
  const api = useApi();
  const { data } = useQuery({ queryKey: queryKeys.me, queryFn: () => api.me(), refetchInterval: pollMs.me });
  return <MeContext.Provider value={data ?? null}>{children}</MeContext.Provider>;
}
