import type { OpenAPIHono } from '@hono/zod-openapi';

/** A route as the app's OpenAPI registry declares it: what /api/openapi.json is generated from. */
interface DeclaredRoute {
  method: string;
  path: string;
  pattern: RegExp;
  /** Literal path segments: `/webhooks/github` wins over `/webhooks/{name}`. */
  literals: number;
  responses: Record<string, unknown>;
}

/** What is checked of an app: its routes' declarations and its answers. */
interface DeclaringApp {
  openAPIRegistry: OpenAPIHono['openAPIRegistry'];
  request(path: string, init?: RequestInit): Response | Promise<Response>;
}

interface SafeParser {
  safeParse(value: unknown): { success: boolean; error?: { issues: unknown[] } };
}

function declaredRoutes(app: DeclaringApp): DeclaredRoute[] {
  const routes: DeclaredRoute[] = [];
  for (const definition of app.openAPIRegistry.definitions) {
    if (definition.type !== 'route') continue;
    const { method, path, responses } = definition.route;
    const segments = path.split('/').filter(Boolean);
    routes.push({
      method: method.toUpperCase(),
      path,
      pattern: new RegExp(
        `^/${segments.map((s) => (s.startsWith('{') ? '[^/]+' : escapeRegExp(s))).join('/')}$`,
      ),
      literals: segments.filter((s) => !s.startsWith('{')).length,
      responses,
    });
  }
  return routes;
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Throws unless `response` is one the route's declaration documents: its status is listed, and a JSON
 * body parses with the zod schema declared for that status. Requests no route declares (unknown routes,
 * the web UI) are not checked.
 */
export async function checkConformance(
  app: DeclaringApp,
  method: string,
  url: string,
  response: Response,
): Promise<void> {
  const pathname = new URL(url, 'http://drydock.test').pathname;
  const route = declaredRoutes(app)
    .filter((candidate) => candidate.method === method.toUpperCase() && candidate.pattern.test(pathname))
    .sort((a, b) => b.literals - a.literals)[0];
  if (!route) return;
  const where = `${method} ${pathname} (${route.path}) answered ${response.status}`;
  const documented = route.responses[String(response.status)] as
    | { content?: Record<string, { schema?: unknown }> }
    | undefined;
  if (!documented) throw new Error(`${where}, a status its route does not document`);
  if (!response.headers.get('content-type')?.includes('application/json')) return;
  const schema = documented.content?.['application/json']?.schema as SafeParser | undefined;
  if (typeof schema?.safeParse !== 'function')
    throw new Error(`${where} with JSON its route does not document`);
  const result = schema.safeParse(await response.clone().json());
  if (!result.success) {
    throw new Error(
      `${where} with JSON its documented schema refuses: ${JSON.stringify(result.error?.issues)}`,
    );
  }
}

/** `app.request`, checking every answer against the app's OpenAPI declarations (checkConformance). */
export function conformingRequest(app: DeclaringApp) {
  return async (path: string, init: RequestInit = {}): Promise<Response> => {
    const response = await app.request(path, init);
    await checkConformance(app, init.method ?? 'GET', path, response);
    return response;
  };
}
