import { createContext, useContext } from 'react';
import type { Api } from './api.ts';
import type { Me } from './types.ts';

export const ApiContext = createContext<Api | null>(null);

/** The signed-in API client; only used below `App`'s sign-in gate. */
export function useApi(): Api {
  const api = useContext(ApiContext);
  if (api === null) throw new Error('useApi outside the signed-in app');
  return api;
}

/** The signed-in token (`GET /api/me`); null until it is known. */
export const MeContext = createContext<Me | null>(null);

export function useMe(): Me | null {
  return useContext(MeContext);
}
