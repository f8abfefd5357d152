import { createContext, useContext } from 'react';

/**
 * Whether the session on the page is still live (not in a final state): running clocks tick and unread
 * follow-ups wait only then. The session page provides it; elsewhere it is true.
 */
export const SessionLiveContext = createContext(true);

export function useSessionLive(): boolean {
  return useContext(SessionLiveContext);
}

/** The id of the session on the page, for entries that fetch its artifacts (screenshots). Null elsewhere. */
export const SessionIdContext = createContext<string | null>(null);

export function useSessionId(): string | null {
  return useContext(SessionIdContext);
}
