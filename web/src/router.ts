import { useEffect, useState } from 'react';

/** The pages: History API paths; the server answers index.html for every non-/api path. */
export type Route =
  | { page: 'list' }
  | { page: 'new' }
  | { page: 'settings' }
  | { page: 'audit' }
  | { page: 'evals' }
  | { page: 'analytics' }
  | { page: 'knowledge' }
  | { page: 'eval'; id: string }
  | { page: 'session'; id: string; tab: SessionTab }
  | { page: 'not-found'; path: string };

export type SessionTab = 'timeline' | 'diff' | 'report';

const TABS: readonly string[] = ['timeline', 'diff', 'report'];

export function parseRoute(pathname: string, search = ''): Route {
  const path = pathname.replace(/\/+$/, '') || '/';
  if (path === '/' || path === '/sessions') return { page: 'list' };
  if (path === '/new') return { page: 'new' };
  if (path === '/settings') return { page: 'settings' };
  if (path === '/audit') return { page: 'audit' };
  if (path === '/evals') return { page: 'evals' };
  if (path === '/analytics') return { page: 'analytics' };
  if (path === '/knowledge') return { page: 'knowledge' };
  const evalMatch = /^\/evals\/([^/]+)$/.exec(path);
  if (evalMatch?.[1]) return { page: 'eval', id: decodeURIComponent(evalMatch[1]) };
  const match = /^\/sessions\/([^/]+)$/.exec(path);
  if (match?.[1]) {
    const tab = new URLSearchParams(search).get('tab') ?? 'timeline';
    return {
      page: 'session',
      id: decodeURIComponent(match[1]),
      tab: (TABS.includes(tab) ? tab : 'timeline') as SessionTab,
    };
  }
  return { page: 'not-found', path };
}

export function sessionPath(id: string, tab: SessionTab = 'timeline'): string {
  return `/sessions/${encodeURIComponent(id)}${tab === 'timeline' ? '' : `?tab=${tab}`}`;
}

export function evalPath(id: string): string {
  return `/evals/${encodeURIComponent(id)}`;
}

const listeners = new Set<() => void>();

export function navigate(path: string, replace = false): void {
  if (replace) history.replaceState(null, '', path);
  else history.pushState(null, '', path);
  for (const listener of listeners) listener();
}

const read = (): Route => parseRoute(location.pathname, location.search);

export function useRoute(): Route {
  const [route, setRoute] = useState(read);
  useEffect(() => {
    const update = () => setRoute(read());
    listeners.add(update);
    window.addEventListener('popstate', update);
    return () => {
      listeners.delete(update);
      window.removeEventListener('popstate', update);
    };
  }, []);
  return route;
}
