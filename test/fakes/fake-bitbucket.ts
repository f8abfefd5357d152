import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { PullClose } from '../../src/forge/forge-contract.ts';

/**
 * A fake Bitbucket Cloud REST API 2.0: the endpoints drydock's Bitbucket forge calls, answering as Bitbucket
 * documents them (`/2.0/repositories/{workspace}/{repo_slug}/...`, paginated `{ values }`, `content.raw`,
 * `links.html.href`, issues and pull requests numbered apart, `permissions-config/users/{id}` answering 404 for
 * a user without an explicit permission), and bad days on request (429 with Retry-After, 5xx).
 */
export interface FakeBitbucketRequest {
  method: string;
  path: string;
  query: string;
  authorization: string | undefined;
  body: Record<string, unknown>;
}

export interface FakeBitbucketPull {
  id: number;
  source: string;
  destination: string;
  title: string;
  description: string;
  draft: boolean;
  state: 'OPEN' | 'MERGED' | 'DECLINED';
  /** Who merged or declined it (a nickname), and when (its `updated_on`). */
  closed?: { by: string; at: string };
}

export interface FakeBitbucketComment {
  id: number;
  on: 'issue' | 'pull';
  number: number;
  body: string;
  author: string;
}

export interface FakeBitbucketStatus {
  key: string;
  sha: string;
  name: string;
  state: 'INPROGRESS' | 'SUCCESSFUL' | 'FAILED' | 'STOPPED';
  url?: string;
}

export interface FakeBitbucketRepo {
  fullName: string;
  mainBranch: string;
  /** account id → explicit permission (`read`, `write`, `admin`). */
  permissions: Record<string, string>;
  /** Answer permission lookups 403, as Bitbucket does to a token without admin on the repository. */
  permissionsForbidden?: boolean;
  issues: Array<{ id: number; title: string }>;
  pulls: FakeBitbucketPull[];
  comments: FakeBitbucketComment[];
  statuses: FakeBitbucketStatus[];
}

export interface FakeBitbucket {
  /** The API's base (`DRYDOCK_BITBUCKET_API_URL`): `<server>/2.0`. */
  apiUrl: string;
  requests: FakeBitbucketRequest[];
  repos: Map<string, FakeBitbucketRepo>;
  addRepo(
    fullName: string,
    init?: Partial<Pick<FakeBitbucketRepo, 'mainBranch' | 'permissions'>>,
  ): FakeBitbucketRepo;
  /** Merges (`merged`) or closes pull request `number` of `repo`, as someone on the forge would: the contract's hook. */
  closePull(repo: string, number: number, close: PullClose): void;
  failNext(count: number, status: number, retryAfterSeconds?: number): void;
  close(): Promise<void>;
}

function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

async function readBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text ? (JSON.parse(text) as Record<string, unknown>) : {};
}

const notFound = { type: 'error', error: { message: 'Resource not found' } };

export async function startFakeBitbucket(options: { token: string }): Promise<FakeBitbucket> {
  const repos = new Map<string, FakeBitbucketRepo>();
  const requests: FakeBitbucketRequest[] = [];
  const failures: Array<{ status: number; retryAfter?: number }> = [];
  let nextId = 700;
  let web = '';
  const bot = { type: 'user', nickname: 'drydock', display_name: 'drydock', account_id: '557058:drydock' };
  const pullJson = (repo: FakeBitbucketRepo, pull: FakeBitbucketPull) => ({
    type: 'pullrequest',
    id: pull.id,
    title: pull.title,
    description: pull.description,
    draft: pull.draft,
    state: pull.state,
    closed_by: pull.closed ? { ...bot, nickname: pull.closed.by, display_name: pull.closed.by } : null,
    ...(pull.closed ? { updated_on: pull.closed.at } : {}),
    links: { html: { href: `${web}/${repo.fullName}/pull-requests/${pull.id}` } },
    source: { branch: { name: pull.source } },
    destination: { branch: { name: pull.destination } },
    author: bot,
  });
  const commentJson = (repo: FakeBitbucketRepo, comment: FakeBitbucketComment) => ({
    type: comment.on === 'pull' ? 'pullrequest_comment' : 'issue_comment',
    id: comment.id,
    content: { raw: comment.body, markup: 'markdown', html: `<p>${comment.body}</p>` },
    user: { ...bot, nickname: comment.author, display_name: comment.author },
    deleted: false,
    links: {
      html: {
        href: `${web}/${repo.fullName}/${comment.on === 'pull' ? 'pull-requests' : 'issues'}/${comment.number}#comment-${comment.id}`,
      },
    },
  });

  const server = createServer((req, res) => {
    void (async () => {
      const parsed = new URL(req.url ?? '/', 'http://fake');
      const body = await readBody(req);
      const method = req.method ?? 'GET';
      const authorization = req.headers.authorization;
      requests.push({ method, path: parsed.pathname, query: parsed.search, authorization, body });
      const failure = failures.shift();
      if (failure) {
        return send(
          res,
          failure.status,
          {
            type: 'error',
            error: { message: failure.status === 429 ? 'Rate limit exceeded' : 'Something went wrong' },
          },
          failure.retryAfter === undefined ? {} : { 'retry-after': String(failure.retryAfter) },
        );
      }
      if (authorization !== `Bearer ${options.token}`) {
        return send(res, 401, { type: 'error', error: { message: 'Access token expired or invalid' } });
      }
      const match = /^\/2\.0\/repositories\/([^/]+)\/([^/]+)(\/.*)?$/.exec(parsed.pathname);
      const repo = match
        ? repos.get(`${decodeURIComponent(match[1]!)}/${decodeURIComponent(match[2]!)}`.toLowerCase())
        : undefined;
      if (!match || !repo) return send(res, 404, notFound);
      const rest = match[3] ?? '';
      const query = parsed.searchParams;
      if (method === 'GET' && rest === '') {
        return send(res, 200, {
          type: 'repository',
          full_name: repo.fullName,
          mainbranch: { type: 'branch', name: repo.mainBranch },
          links: { html: { href: `${web}/${repo.fullName}` } },
        });
      }
      let m = /^\/permissions-config\/users\/([^/]+)$/.exec(rest);
      if (m && method === 'GET') {
        if (repo.permissionsForbidden) {
          return send(res, 403, {
            type: 'error',
            error: { message: 'Your credentials lack one or more required privilege scopes.' },
          });
        }
        const permission = repo.permissions[decodeURIComponent(m[1]!)];
        if (!permission) return send(res, 404, notFound);
        return send(res, 200, { type: 'repository_user_permission', permission, user: { account_id: m[1] } });
      }
      if (rest === '/pullrequests' && method === 'GET') {
        const state = query.get('state') ?? 'OPEN';
        const branch = /source\.branch\.name\s*=\s*"([^"]*)"/.exec(query.get('q') ?? '')?.[1];
        const found = repo.pulls.filter(
          (pull) => pull.state === state && (branch === undefined || pull.source === branch),
        );
        return send(res, 200, {
          pagelen: 10,
          size: found.length,
          page: 1,
          values: found.map((p) => pullJson(repo, p)),
        });
      }
      if (rest === '/pullrequests' && method === 'POST') {
        const source = String(
          (body.source as { branch?: { name?: string } } | undefined)?.branch?.name ?? '',
        );
        if (repo.pulls.some((pull) => pull.source === source && pull.state === 'OPEN')) {
          return send(res, 400, {
            type: 'error',
            error: { message: 'There is already an open pull request from this branch' },
          });
        }
        const pull: FakeBitbucketPull = {
          id: repo.pulls.length + 1,
          source,
          destination: String(
            (body.destination as { branch?: { name?: string } } | undefined)?.branch?.name ?? repo.mainBranch,
          ),
          title: String(body.title ?? ''),
          description: String(body.description ?? ''),
          draft: body.draft === true,
          state: 'OPEN',
        };
        repo.pulls.push(pull);
        return send(res, 201, pullJson(repo, pull));
      }
      m = /^\/pullrequests\/(\d+)$/.exec(rest);
      if (m) {
        const pull = repo.pulls.find((each) => each.id === Number(m![1]));
        if (!pull) return send(res, 404, notFound);
        if (method === 'PUT') {
          if (typeof body.title === 'string') pull.title = body.title;
          if (typeof body.description === 'string') pull.description = body.description;
        }
        return send(res, 200, pullJson(repo, pull));
      }
      m = /^\/(pullrequests|issues)\/(\d+)\/comments$/.exec(rest);
      if (m) {
        const on = m[1] === 'issues' ? 'issue' : 'pull';
        const number = Number(m[2]);
        const exists =
          on === 'issue'
            ? repo.issues.some((each) => each.id === number)
            : repo.pulls.some((each) => each.id === number);
        if (!exists) return send(res, 404, notFound);
        if (method === 'POST') {
          const raw = (body.content as { raw?: string } | undefined)?.raw ?? '';
          const comment: FakeBitbucketComment = { id: nextId++, on, number, body: raw, author: 'drydock' };
          repo.comments.push(comment);
          return send(res, 201, commentJson(repo, comment));
        }
        const found = repo.comments.filter((each) => each.on === on && each.number === number);
        return send(res, 200, {
          pagelen: 100,
          page: 1,
          values: found.map((each) => commentJson(repo, each)),
        });
      }
      m = /^\/commit\/([^/]+)\/statuses$/.exec(rest);
      if (m && method === 'GET') {
        const found = repo.statuses.filter((status) => status.sha === m![1]);
        return send(res, 200, {
          pagelen: 10,
          page: 1,
          values: found.map((status) => ({
            type: 'build',
            key: status.key,
            name: status.name,
            state: status.state,
            url: status.url ?? '',
          })),
        });
      }
      return send(res, 404, notFound);
    })().catch((error: unknown) => send(res, 500, { type: 'error', error: { message: String(error) } }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  web = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    apiUrl: `${web}/2.0`,
    requests,
    repos,
    addRepo(fullName, init = {}) {
      const repo: FakeBitbucketRepo = {
        fullName,
        mainBranch: init.mainBranch ?? 'main',
        permissions: init.permissions ?? {},
        issues: [],
        pulls: [],
        comments: [],
        statuses: [],
      };
      repos.set(fullName.toLowerCase(), repo);
      return repo;
    },
    closePull(fullName, id, close) {
      const pull = repos.get(fullName.toLowerCase())?.pulls.find((each) => each.id === id);
      if (!pull) throw new Error(`fake Bitbucket has no pull request ${fullName}#${id}`);
      Object.assign(pull, {
        state: close.merged ? 'MERGED' : 'DECLINED',
        closed: { by: close.by, at: close.at },
      });
    },
    failNext(count, status, retryAfterSeconds) {
      for (let i = 0; i < count; i += 1) {
        failures.push({
          status,
          ...(retryAfterSeconds === undefined ? {} : { retryAfter: retryAfterSeconds }),
        });
      }
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
