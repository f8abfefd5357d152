import { DrydockError, type ErrorKind, UnavailableError } from '../core/errors.ts';

/** A small client of a drydock server's API (DRYDOCK_URL, DRYDOCK_TOKEN). */
export interface RemoteClient {
  url: string;
  json<T>(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<T>;
  text(method: string, path: string): Promise<string>;
  /** An event stream's body (GET, text/event-stream). */
  stream(path: string, signal?: AbortSignal): Promise<ReadableStream<Uint8Array>>;
}

const KIND_BY_STATUS: Record<number, ErrorKind> = {
  400: 'bad_input',
  401: 'unauthenticated',
  403: 'forbidden',
  404: 'not_found',
  409: 'conflict',
  413: 'too_large',
};

export function createRemoteClient(url: string, token: string | undefined): RemoteClient {
  const base = url.replace(/\/+$/, '');
  async function request(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
    signal?: AbortSignal,
  ): Promise<Response> {
    let response: Response;
    try {
      response = await fetch(`${base}${path}`, {
        method,
        headers: {
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...headers,
        },
        ...(signal ? { signal } : {}),
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch (error) {
      throw new UnavailableError(
        'server_unreachable',
        `Cannot reach the drydock server at ${base} (DRYDOCK_URL).`,
        {
          cause: error,
        },
      );
    }
    if (!response.ok) {
      const answer = (await response.json().catch(() => null)) as {
        error?: { code?: string; message?: string };
      } | null;
      throw new DrydockError(
        KIND_BY_STATUS[response.status] ?? 'internal',
        answer?.error?.code ?? `http_${response.status}`,
        answer?.error?.message ?? `The server answered ${response.status} to ${method} ${path}.`,
      );
    }
    return response;
  }
  return {
    url: base,
    json: async <T>(method: string, path: string, body?: unknown, headers?: Record<string, string>) =>
      (await (await request(method, path, body, headers)).json()) as T,
    text: async (method, path) => (await request(method, path)).text(),
    stream: async (path, signal) => {
      const response = await request('GET', path, undefined, { accept: 'text/event-stream' }, signal);
      if (!response.body)
        throw new UnavailableError('no_stream', `The server sent no event stream for ${path}.`);
      return response.body;
    },
  };
}
