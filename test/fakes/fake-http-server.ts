import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request a fake server received, with its body parsed as JSON (or the raw text if it was not). */
export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: unknown;
  /** A streamed answer the client hung up on before its end (a cancel). */
  closedByClient?: boolean;
}

export interface FakeToolCall {
  name: string;
  input: unknown;
  /** The arguments exactly as sent, instead of `input` as JSON: malformed arguments, as weak models write them. */
  rawInput?: string;
  /** Defaults to a numbered id unique within the server. */
  id?: string;
}

/**
 * Token counts as the fake reports them, in each API's own shape. `inputTokens` is the uncached input;
 * cache reads and writes come on top of it (Anthropic's `input_tokens` excludes them; OpenAI's input
 * total includes the cached part, which the routes add back).
 */
export interface FakeUsage {
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens?: number;
  /** Anthropic only: `cache_creation_input_tokens`. */
  cacheWriteTokens?: number;
  reasoningTokens?: number;
}

/**
 * What a fake model answers: a string (text only), text and/or tool calls, an HTTP error (with
 * headers such as `retry-after`), or a dropped connection. `usage` defaults to 10 input and 5 output
 * tokens. `stop` makes the reply one the API cut short: at the output limit (`length`: Anthropic's
 * `max_tokens`) or by a refusal or content filter (`refusal`).
 */
export type FakeReply =
  | string
  | {
      text?: string;
      toolCalls?: readonly FakeToolCall[];
      usage?: FakeUsage;
      stop?: 'length' | 'refusal';
      /** Thinking before the answer (Anthropic thinking block, Responses API reasoning summary). */
      reasoning?: string;
      stream?: FakeStreamShape;
    }
  | { status: number; message?: string; headers?: Readonly<Record<string, string>> }
  | { drop: true };

/** How a streamed answer is sent: text in pieces, slowly, or cut off. */
export interface FakeStreamShape {
  /** Text and reasoning go in pieces of this many characters (default: word by word). */
  chunkChars?: number;
  /** Wait between two SSE events. */
  delayMs?: number;
  /** Drop the connection after this many SSE events: a stream that breaks off midway. */
  dropAfter?: number;
}

/** Decides the answer from the parsed request body (and the whole request, for path or headers). */
export type FakeResponder = (
  body: Record<string, unknown>,
  request: RecordedRequest,
) => FakeReply | Promise<FakeReply>;

export interface FakeServer {
  /** Base URL including the API's version prefix (`http://127.0.0.1:<port>/v1`). */
  url: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

export interface NormalizedAnswer {
  text: string;
  reasoning: string;
  /** `arguments`: the JSON text sent for the call. */
  toolCalls: Array<{ id: string; name: string; input: unknown; arguments: string }>;
  usage: Required<FakeUsage>;
  stop?: 'length' | 'refusal';
  stream: FakeStreamShape;
}

/** A reply that is an answer, not an HTTP error or a dropped connection. */
export type FakeAnswer = Exclude<FakeReply, { status: number } | { drop: true }>;

export type FakeRoute = (
  request: RecordedRequest,
  reply: FakeAnswer,
  response: ServerResponse,
  nextId: (prefix: string) => string,
) => void | Promise<void>;

/** A reply that is not an error, in one shape, with tool call ids filled in. */
export function normalizeAnswer(
  reply: FakeAnswer,
  nextId: (prefix: string) => string,
  idPrefix: string,
): NormalizedAnswer {
  const answer = typeof reply === 'string' ? { text: reply } : reply;
  return {
    text: answer.text ?? '',
    reasoning: answer.reasoning ?? '',
    toolCalls: (answer.toolCalls ?? []).map((call) => ({
      id: call.id ?? nextId(idPrefix),
      name: call.name,
      input: call.input,
      arguments: call.rawInput ?? JSON.stringify(call.input),
    })),
    usage: {
      inputTokens: 10,
      outputTokens: 5,
      cacheReadTokens: 0,
      cacheWriteTokens: 0,
      reasoningTokens: 0,
      ...answer.usage,
    },
    ...(answer.stop === undefined ? {} : { stop: answer.stop }),
    stream: answer.stream ?? {},
  };
}

/** A text in the pieces a streamed answer sends it in (`chunkChars`, else word by word). */
export function textChunks(text: string, shape: FakeStreamShape): string[] {
  if (shape.chunkChars === undefined) return text.split(/(?<=\s)/).filter((part) => part !== '');
  const chunks: string[] = [];
  for (let at = 0; at < text.length; at += shape.chunkChars)
    chunks.push(text.slice(at, at + shape.chunkChars));
  return chunks;
}

export type FakeErrorReply = Extract<FakeReply, { status: number }>;

export function isErrorReply(reply: FakeReply): reply is FakeErrorReply {
  return typeof reply === 'object' && 'status' in reply;
}

export function sendJson(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Readonly<Record<string, string>> = {},
): void {
  response.writeHead(status, { 'content-type': 'application/json', ...headers });
  response.end(JSON.stringify(body));
}

/** Streams the fake cut off itself (`dropAfter`), so not a client's hang-up. */
const droppedByServer = new WeakSet<ServerResponse>();

/**
 * Server-sent events; `event:` lines only when given (Chat Completions sends none, the others do), shaped
 * by `shape`: a wait between events, or the connection dropped after some. Stops when the client hangs up.
 */
export async function sendEvents(
  response: ServerResponse,
  events: ReadonlyArray<{ event?: string; data: unknown }>,
  done?: string,
  shape: FakeStreamShape = {},
): Promise<void> {
  response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  for (const [index, { event, data }] of events.entries()) {
    if (response.destroyed) return;
    if (index === shape.dropAfter) {
      droppedByServer.add(response);
      response.socket?.destroy();
      return;
    }
    response.write(`${event === undefined ? '' : `event: ${event}\n`}data: ${JSON.stringify(data)}\n\n`);
    if (shape.delayMs !== undefined) await new Promise((resolve) => setTimeout(resolve, shape.delayMs));
  }
  if (response.destroyed) return;
  if (done !== undefined) response.write(`data: ${done}\n\n`);
  response.end();
}

/**
 * A local HTTP server on port 0 that records each request, asks the responder for the answer and
 * lets the route for the request's path render it in its API's wire format.
 */
export async function startFakeServer(
  routes: Readonly<Record<string, FakeRoute>>,
  responder: FakeResponder,
  renderError: (response: ServerResponse, error: FakeErrorReply) => void,
): Promise<FakeServer> {
  const requests: RecordedRequest[] = [];
  let idCount = 0;
  const nextId = (prefix: string): string => `${prefix}${++idCount}`;

  const server = createServer((incoming, response) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => {
      void (async () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let body: unknown = text;
        try {
          body = text === '' ? undefined : JSON.parse(text);
        } catch {
          // Keep the raw text: a test may want to see what was sent.
        }
        const path = (incoming.url ?? '/').split('?')[0] ?? '/';
        const request: RecordedRequest = {
          method: incoming.method ?? 'GET',
          path,
          headers: incoming.headers,
          body,
        };
        requests.push(request);
        response.on('close', () => {
          if (!response.writableEnded && !droppedByServer.has(response)) request.closedByClient = true;
        });
        const route = routes[path];
        if (incoming.method !== 'POST' || route === undefined) {
          renderError(response, { status: 404, message: `No fake route for ${incoming.method} ${path}` });
          return;
        }
        try {
          const isObject = typeof body === 'object' && body !== null && !Array.isArray(body);
          const reply = await responder(isObject ? (body as Record<string, unknown>) : {}, request);
          if (typeof reply === 'object' && 'drop' in reply) {
            // A connection lost mid-request: the client sees a network error, not an HTTP status.
            incoming.socket.destroy();
          } else if (isErrorReply(reply)) {
            renderError(response, reply);
          } else {
            await route(request, reply, response, nextId);
          }
        } catch (error) {
          renderError(response, { status: 500, message: `The fake's responder threw: ${String(error)}` });
        }
      })();
    });
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    close: () =>
      new Promise<void>((resolve, reject) => {
        // The SDKs' fetch keeps connections alive; without this, close() waits for them to time out.
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
