import { type KeyObject, verify } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { PullClose } from '../../src/forge/forge-contract.ts';
import {
  answerGraphql,
  BOT,
  type FakeReview,
  type FakeReviewComment,
  reviewRoute,
} from './fake-github-reviews.ts';

export type { FakeReview, FakeReviewComment };

/** A request the fake GitHub received, with its JSON body. */
export interface GithubRequest {
  method: string;
  path: string;
  authorization: string | undefined;
  body: Record<string, unknown>;
}

export interface FakeRepo {
  defaultBranch: string;
  /** login → permission; missing logins are not collaborators (404). */
  permissions: Record<string, 'admin' | 'write' | 'read'>;
  /** The token may clone but not read permissions: the permission lookup answers 403 (a bad day's token). */
  permissionsForbidden?: boolean;
  pulls: Array<{
    number: number;
    head: string;
    base: string;
    title: string;
    body: string;
    draft: boolean;
    /** `closed` with `mergedBy` set is merged (GitHub's `merged: true`). */
    state: 'open' | 'closed';
    mergedBy?: string;
    /** When it was closed or merged (ISO 8601). */
    closedAt?: string;
    /** A pull request someone else opened (drydock reviews it): its head commit, author and head repository. */
    headSha?: string;
    user?: string;
    /** Default: the repository itself. */
    headRepo?: string;
    maintainerCanModify?: boolean;
  }>;
  comments: Array<{ id: number; issue: number; body: string; user: string }>;
  reviewComments: FakeReviewComment[];
  /** Reviews posted (POST .../reviews), their bodies as last edited (PUT .../reviews/{id}). */
  reviews: FakeReview[];
  /** Every edit of a review's body, in order. */
  reviewEdits: Array<{ reviewId: number; body: string }>;
  checkRuns: Array<{
    id: number;
    sha: string;
    name: string;
    status: string;
    conclusion: string | null;
    log: string;
  }>;
}

/** A GitHub App the fake knows: its id, the public half of its key, and where it is installed. */
export interface FakeGithubApp {
  appId: string;
  publicKey: KeyObject | string;
  /** `owner/name` → installation id; repositories missing here have no installation (404). */
  installations: Record<string, number>;
  /** How long a minted installation token lives; default an hour, as on GitHub. */
  tokenTtlMs?: number;
  /** The clock installation tokens expire by, in milliseconds; default Date.now. */
  now?: () => number;
}

/** An installation token the fake minted. */
export interface MintedToken {
  token: string;
  installationId: number;
  expiresAtMs: number;
}

export interface FakeGithub {
  /** REST base URL (Octokit's `baseUrl`). */
  url: string;
  requests: GithubRequest[];
  repos: Map<string, FakeRepo>;
  addRepo(slug: string, repo?: Partial<FakeRepo>): FakeRepo;
  /** Installation tokens minted for the App, in order. */
  minted: MintedToken[];
  /** False: GraphQL answers every query with an error, as for a token without access to it. Default true. */
  graphqlEnabled: boolean;
  /**
   * Answers the next `count` requests with `status` (429 says GitHub's secondary rate limit, with Retry-After
   * when given), as GitHub does on a bad day.
   */
  /** Merges (`merged`) or closes pull request `number` of `repo`, as someone on the forge would: the contract's hook. */
  closePull(repo: string, number: number, close: PullClose): void;
  failNext(count: number, status: number, retryAfterSeconds?: number): void;
  /** Requests that wrote something (POST, PATCH), as `METHOD path`. */
  writes(): string[];
  close(): Promise<void>;
}

/**
 * A fake of the GitHub REST endpoints drydock calls, on port 0. It keeps repositories in memory, answers
 * 401 without a token and 404 for unknown repositories, and records every request.
 */
export async function startFakeGithub(
  options: {
    token?: string;
    app?: FakeGithubApp;
    /**
     * The lines of `path` a review comment may sit on in pull request `number` (the new side of its diff), as
     * GitHub checks them: a comment elsewhere is refused with 422. Absent: any line.
     */
    diffLines?: (slug: string, number: number, path: string) => ReadonlySet<number> | null;
  } = {},
): Promise<FakeGithub> {
  const repos = new Map<string, FakeRepo>();
  const requests: GithubRequest[] = [];
  const minted: MintedToken[] = [];
  const failures: Array<{ status: number; retryAfter?: number }> = [];
  let ids = 1000;
  let base = '';
  const now = () => options.app?.now?.() ?? Date.now();

  /** Whether `authorization` is a JWT of the App: RS256 over its public key, issued by it, unexpired. */
  function verifyJwt(authorization: string | undefined): boolean {
    const app = options.app;
    const jwt = /^bearer (.+)$/i.exec(authorization ?? '')?.[1];
    if (!app || !jwt) return false;
    const [header, payload, signature] = jwt.split('.');
    if (!header || !payload || !signature) return false;
    const signed = verify(
      'sha256',
      Buffer.from(`${header}.${payload}`),
      app.publicKey,
      Buffer.from(signature, 'base64url'),
    );
    if (!signed) return false;
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
    // The JWT is signed with the real time (auth-app reads Date.now); `now` only ages installation tokens.
    const nowS = Date.now() / 1000;
    return String(claims.iss) === app.appId && Number(claims.exp) > nowS && Number(claims.iat) <= nowS + 60;
  }

  /** The App's own endpoints (JWT-authenticated), or null for every other request. */
  function appRoute(request: GithubRequest): { status: number; body: unknown } | null {
    const path = request.path.split('?')[0]!;
    const installation = /^\/repos\/([^/]+)\/([^/]+)\/installation$/.exec(path);
    const tokens = /^\/app\/installations\/(\d+)\/access_tokens$/.exec(path);
    if (!(installation && request.method === 'GET') && !(tokens && request.method === 'POST')) return null;
    if (!verifyJwt(request.authorization)) {
      return { status: 401, body: { message: 'A JSON web token could not be decoded' } };
    }
    const app = options.app!;
    if (installation) {
      const id = app.installations[`${installation[1]}/${installation[2]}`];
      return id === undefined
        ? { status: 404, body: { message: 'Not Found' } }
        : { status: 200, body: { id, app_id: Number(app.appId), account: { login: installation[1] } } };
    }
    const installationId = Number(tokens![1]);
    if (!Object.values(app.installations).includes(installationId)) {
      return { status: 404, body: { message: 'Not Found' } };
    }
    const token = {
      token: `ghs_installation_${minted.length + 1}`,
      installationId,
      expiresAtMs: now() + (app.tokenTtlMs ?? 3_600_000),
    };
    minted.push(token);
    return {
      status: 201,
      body: { token: token.token, expires_at: new Date(token.expiresAtMs).toISOString() },
    };
  }

  function authorized(authorization: string | undefined): boolean {
    if (!options.token && !options.app) return true;
    if (options.token && authorization === `token ${options.token}`) return true;
    const token = /^token (.+)$/.exec(authorization ?? '')?.[1];
    return minted.some((each) => each.token === token && each.expiresAtMs > now());
  }

  const html = (slug: string, path: string) => `https://github.example/${slug}${path}`;
  const pullJson = (slug: string, pull: FakeRepo['pulls'][number]) => ({
    number: pull.number,
    html_url: html(slug, `/pull/${pull.number}`),
    title: pull.title,
    body: pull.body,
    draft: pull.draft,
    state: pull.state,
    merged: pull.state === 'closed' && pull.mergedBy !== undefined,
    merged_by: pull.mergedBy ? { login: pull.mergedBy } : null,
    merged_at: pull.mergedBy ? (pull.closedAt ?? null) : null,
    closed_at: pull.state === 'closed' ? (pull.closedAt ?? null) : null,
    head: {
      ref: pull.head,
      sha: pull.headSha ?? '0'.repeat(40),
      repo: { full_name: pull.headRepo ?? slug },
    },
    base: { ref: pull.base },
    user: { login: pull.user ?? BOT },
    maintainer_can_modify: pull.maintainerCanModify ?? false,
  });

  function route(request: GithubRequest): {
    status: number;
    body: unknown;
    headers?: Record<string, string>;
  } {
    const failure = failures.shift();
    if (failure) {
      const limited = failure.status === 429;
      return {
        status: failure.status,
        body: { message: limited ? 'You have exceeded a secondary rate limit.' : 'Server Error' },
        ...(failure.retryAfter === undefined
          ? {}
          : { headers: { 'retry-after': String(failure.retryAfter) } }),
      };
    }
    const forApp = appRoute(request);
    if (forApp) return forApp;
    if (!authorized(request.authorization)) return { status: 401, body: { message: 'Bad credentials' } };
    if (request.method === 'POST' && request.path === '/graphql') {
      if (!fake.graphqlEnabled) {
        return {
          status: 200,
          body: { errors: [{ type: 'FORBIDDEN', message: 'Resource not accessible by integration' }] },
        };
      }
      return answerGraphql(repos, request);
    }
    const match = /^\/repos\/([^/]+)\/([^/]+)(\/.*)?$/.exec(request.path.split('?')[0]!);
    if (!match) return { status: 404, body: { message: 'Not Found' } };
    const slug = `${match[1]}/${match[2]}`;
    const repo = repos.get(slug);
    if (!repo) return { status: 404, body: { message: 'Not Found' } };
    const rest = match[3] ?? '';
    const query = new URLSearchParams(request.path.split('?')[1] ?? '');
    const { method, body } = request;
    let m: RegExpExecArray | null;
    if (method === 'GET' && rest === '')
      return { status: 200, body: { full_name: slug, default_branch: repo.defaultBranch } };
    m = /^\/collaborators\/([^/]+)\/permission$/.exec(rest);
    if (m && method === 'GET') {
      if (repo.permissionsForbidden) {
        return { status: 403, body: { message: 'Resource not accessible by personal access token' } };
      }
      const permission = repo.permissions[m[1]!];
      // GitHub answers `none` for a user who is not a collaborator; 404 means the repository is out of reach.
      return { status: 200, body: { permission: permission ?? 'none' } };
    }
    if (rest === '/pulls' && method === 'GET') {
      const head = query.get('head')?.split(':')[1];
      const state = query.get('state') ?? 'open';
      const listed = repo.pulls.filter(
        (pull) => (!head || pull.head === head) && (state === 'all' || pull.state === state),
      );
      return { status: 200, body: listed.map((pull) => pullJson(slug, pull)) };
    }
    if (rest === '/pulls' && method === 'POST') {
      const pull = {
        number: repo.pulls.length + repo.comments.length + 1,
        head: String(body.head),
        base: String(body.base),
        title: String(body.title),
        body: String(body.body ?? ''),
        draft: body.draft === true,
        state: 'open' as 'open' | 'closed',
      };
      repo.pulls.push(pull);
      return { status: 201, body: pullJson(slug, pull) };
    }
    m = /^\/pulls\/(\d+)$/.exec(rest);
    if (m && method === 'GET') {
      const pull = repo.pulls.find((each) => each.number === Number(m![1]));
      return pull
        ? { status: 200, body: pullJson(slug, pull) }
        : { status: 404, body: { message: 'Not Found' } };
    }
    if (m && method === 'PATCH') {
      const pull = repo.pulls.find((each) => each.number === Number(m![1]));
      if (!pull) return { status: 404, body: { message: 'Not Found' } };
      if (typeof body.title === 'string') pull.title = body.title;
      if (typeof body.body === 'string') pull.body = body.body;
      return { status: 200, body: pullJson(slug, pull) };
    }
    m = /^\/issues\/(\d+)\/comments$/.exec(rest);
    if (m && method === 'POST') {
      const comment = { id: ids++, issue: Number(m[1]), body: String(body.body), user: BOT };
      repo.comments.push(comment);
      return {
        status: 201,
        body: {
          id: comment.id,
          html_url: html(slug, `/issues/${m[1]}#issuecomment-${comment.id}`),
          body: comment.body,
          user: { login: BOT },
        },
      };
    }
    const reviewed = reviewRoute({
      repo,
      slug,
      method,
      rest,
      body,
      nextId: () => ids++,
      diffLines: options.diffLines,
    });
    if (reviewed) return reviewed;
    m = /^\/commits\/([^/]+)\/check-runs$/.exec(rest);
    if (m && method === 'GET') {
      const runs = repo.checkRuns.filter((run) => run.sha === m![1]);
      return {
        status: 200,
        body: { total_count: runs.length, check_runs: runs.map(({ log: _, ...run }) => run) },
      };
    }
    m = /^\/actions\/jobs\/(\d+)\/logs$/.exec(rest);
    if (m && method === 'GET') {
      const run = repo.checkRuns.find((each) => each.id === Number(m![1]));
      return run ? { status: 200, body: run.log } : { status: 404, body: { message: 'Not Found' } };
    }
    return { status: 404, body: { message: `fake GitHub has no route ${method} ${rest}` } };
  }

  const server = createServer((incoming: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const request: GithubRequest = {
        method: incoming.method ?? 'GET',
        path: incoming.url ?? '/',
        authorization: incoming.headers.authorization,
        body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
      };
      requests.push(request);
      const { status, body, headers } = route(request);
      const isText = typeof body === 'string';
      response.writeHead(status, {
        'content-type': isText ? 'text/plain' : 'application/json',
        ...headers,
      });
      response.end(isText ? body : JSON.stringify(body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const fake: FakeGithub = {
    url: base,
    requests,
    repos,
    minted,
    graphqlEnabled: true,
    addRepo(slug, repo = {}) {
      const created: FakeRepo = {
        defaultBranch: 'main',
        permissions: {},
        pulls: [],
        comments: [],
        reviewComments: [],
        reviews: [],
        reviewEdits: [],
        checkRuns: [],
        ...repo,
      };
      repos.set(slug, created);
      return created;
    },
    closePull(slug, number, close) {
      const pull = repos.get(slug)?.pulls.find((each) => each.number === number);
      if (!pull) throw new Error(`fake GitHub has no pull request ${slug}#${number}`);
      Object.assign(
        pull,
        { state: 'closed', closedAt: close.at },
        close.merged ? { mergedBy: close.by } : {},
      );
    },
    failNext(count, status, retryAfterSeconds) {
      for (let i = 0; i < count; i += 1) {
        failures.push({
          status,
          ...(retryAfterSeconds === undefined ? {} : { retryAfter: retryAfterSeconds }),
        });
      }
    },
    writes: () =>
      requests.filter((r) => r.method !== 'GET').map((r) => `${r.method} ${r.path.split('?')[0]}`),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return fake;
}
