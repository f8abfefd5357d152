import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { PullClose } from '../../src/forge/forge-contract.ts';

/**
 * A fake Gitea (or Forgejo) API v1: the endpoints drydock's Gitea forge calls, answering as Gitea documents
 * them (`/api/v1/repos/{owner}/{repo}/...`, `Authorization: token|Bearer`, issues and pull requests numbered
 * in one sequence, a work-in-progress title prefix as a draft, the collaborator permission endpoint), and
 * bad days on request (429 with Retry-After, 5xx). Git itself goes to a local bare repository the forge's
 * `gitUrl` points at, as with the fake GitHub and GitLab.
 */
export interface FakeGiteaRequest {
  method: string;
  path: string;
  authorization: string | undefined;
  body: Record<string, unknown>;
}

export interface FakeGiteaPull {
  number: number;
  head: string;
  base: string;
  title: string;
  body: string;
  state: 'open' | 'closed';
  merged?: boolean;
  /** Who merged it (Gitea's `merged_by`), when merged. */
  mergedBy?: string;
  /** When it was merged or closed (ISO 8601). */
  closedAt?: string;
}

export interface FakeGiteaComment {
  id: number;
  /** The issue's or pull request's number (one sequence). */
  number: number;
  body: string;
  author: string;
}

export interface FakeGiteaReview {
  id: number;
  pull: number;
  body: string;
  author: string;
  comments: Array<{ id: number; body: string; path: string; author: string }>;
}

export interface FakeGiteaStatus {
  id: number;
  sha: string;
  context: string;
  status: 'pending' | 'success' | 'error' | 'failure' | 'warning';
  target_url?: string;
}

export interface FakeGiteaRepo {
  id: number;
  fullName: string;
  defaultBranch: string;
  /** login → collaborator permission (`read`, `write`, `admin`, `owner`); anyone else is `none`. */
  permissions: Record<string, string>;
  issues: Array<{ number: number; title: string; body: string }>;
  pulls: FakeGiteaPull[];
  comments: FakeGiteaComment[];
  reviews: FakeGiteaReview[];
  statuses: FakeGiteaStatus[];
  /** The next issue or pull request number (shared, as on Gitea). */
  nextNumber: number;
}

export interface FakeGitea {
  /** The server's address (what DRYDOCK_GITEA_URL names). */
  url: string;
  requests: FakeGiteaRequest[];
  repos: Map<string, FakeGiteaRepo>;
  addRepo(
    fullName: string,
    init?: Partial<Pick<FakeGiteaRepo, 'defaultBranch' | 'permissions'>>,
  ): FakeGiteaRepo;
  /** An issue on `repo`, numbered in the shared sequence. */
  addIssue(repo: FakeGiteaRepo, title: string, body?: string): number;
  /** The next `count` API calls answer `status` (with `Retry-After: retryAfterSeconds` when given). */
  /** Merges (`merged`) or closes pull request `number` of `repo`, as someone on the forge would: the contract's hook. */
  closePull(repo: string, number: number, close: PullClose): void;
  failNext(count: number, status: number, retryAfterSeconds?: number): void;
  close(): Promise<void>;
}

/** Users the fake knows (anyone named in a permission table, the bot, and these). */
const KNOWN_USERS = new Set(['drydock', 'alice', 'bob', 'rita', 'olga', 'mallory']);

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

const WIP = /^\s*(WIP:|\[WIP\])/i;

export async function startFakeGitea(options: { token: string; bot?: string }): Promise<FakeGitea> {
  const repos = new Map<string, FakeGiteaRepo>();
  const requests: FakeGiteaRequest[] = [];
  const failures: Array<{ status: number; retryAfter?: number }> = [];
  const bot = options.bot ?? 'drydock';
  let nextId = 500;
  let url = '';
  const user = (login: string) => ({ id: login.length, login, username: login, full_name: login });
  const pullJson = (repo: FakeGiteaRepo, pull: FakeGiteaPull) => ({
    id: 9000 + pull.number,
    number: pull.number,
    title: pull.title,
    body: pull.body,
    state: pull.state,
    draft: WIP.test(pull.title),
    merged: pull.merged ?? false,
    merged_by: pull.merged && pull.mergedBy ? user(pull.mergedBy) : null,
    merged_at: pull.merged ? (pull.closedAt ?? null) : null,
    closed_at: pull.state === 'closed' ? (pull.closedAt ?? null) : null,
    html_url: `${url}/${repo.fullName}/pulls/${pull.number}`,
    user: user(bot),
    head: { ref: pull.head, label: pull.head, repo_id: repo.id, sha: '' },
    base: { ref: pull.base, label: pull.base, repo_id: repo.id, sha: '' },
  });
  const commentJson = (repo: FakeGiteaRepo, comment: FakeGiteaComment) => ({
    id: comment.id,
    body: comment.body,
    user: user(comment.author),
    html_url: `${url}/${repo.fullName}/issues/${comment.number}#issuecomment-${comment.id}`,
  });

  const server = createServer((req, res) => {
    void (async () => {
      const parsed = new URL(req.url ?? '/', 'http://fake');
      const body = await readBody(req);
      const authorization = req.headers.authorization;
      const method = req.method ?? 'GET';
      requests.push({ method, path: parsed.pathname, authorization, body });
      const failure = failures.shift();
      if (failure) {
        return send(
          res,
          failure.status,
          { message: failure.status === 429 ? 'rate limit exceeded' : 'internal server error' },
          failure.retryAfter === undefined ? {} : { 'retry-after': String(failure.retryAfter) },
        );
      }
      if (authorization !== `token ${options.token}` && authorization !== `Bearer ${options.token}`) {
        return send(res, 401, { message: 'token is required', url: `${url}/api/swagger` });
      }
      const match = /^\/api\/v1\/repos\/([^/]+)\/([^/]+)(\/.*)?$/.exec(parsed.pathname);
      if (!match) return send(res, 404, { message: "The target couldn't be found.", errors: [] });
      const repo = repos.get(
        `${decodeURIComponent(match[1]!)}/${decodeURIComponent(match[2]!)}`.toLowerCase(),
      );
      if (!repo) return send(res, 404, { message: "The target couldn't be found.", errors: [] });
      const rest = match[3] ?? '';
      const query = parsed.searchParams;
      if (method === 'GET' && rest === '') {
        return send(res, 200, {
          id: repo.id,
          full_name: repo.fullName,
          default_branch: repo.defaultBranch,
          html_url: `${url}/${repo.fullName}`,
        });
      }
      let m = /^\/collaborators\/([^/]+)\/permission$/.exec(rest);
      if (m && method === 'GET') {
        const login = decodeURIComponent(m[1]!).toLowerCase();
        const permission = repo.permissions[login];
        if (permission === undefined && !KNOWN_USERS.has(login)) {
          return send(res, 404, { message: `user does not exist [uid: 0, name: ${login}]` });
        }
        return send(res, 200, {
          permission: permission ?? 'none',
          role_name: permission ?? 'none',
          user: user(login),
        });
      }
      if (rest === '/pulls' && method === 'GET') {
        const state = query.get('state') ?? 'open';
        const page = Number(query.get('page') ?? 1);
        const limit = Number(query.get('limit') ?? 30);
        const found = repo.pulls.filter((pull) => state === 'all' || pull.state === state);
        return send(
          res,
          200,
          found.slice((page - 1) * limit, page * limit).map((pull) => pullJson(repo, pull)),
        );
      }
      if (rest === '/pulls' && method === 'POST') {
        const head = String(body.head ?? '');
        if (repo.pulls.some((pull) => pull.head === head && pull.state === 'open')) {
          return send(res, 409, { message: `pull request already exists for these targets` });
        }
        const pull: FakeGiteaPull = {
          number: repo.nextNumber++,
          head,
          base: String(body.base ?? repo.defaultBranch),
          title: String(body.title ?? ''),
          body: String(body.body ?? ''),
          state: 'open',
        };
        repo.pulls.push(pull);
        return send(res, 201, pullJson(repo, pull));
      }
      m = /^\/pulls\/(\d+)$/.exec(rest);
      if (m) {
        const pull = repo.pulls.find((each) => each.number === Number(m![1]));
        if (!pull) return send(res, 404, { message: "The target couldn't be found." });
        if (method === 'PATCH') {
          if (typeof body.title === 'string') pull.title = body.title;
          if (typeof body.body === 'string') pull.body = body.body;
          return send(res, 201, pullJson(repo, pull));
        }
        return send(res, 200, pullJson(repo, pull));
      }
      m = /^\/issues\/(\d+)\/comments$/.exec(rest);
      if (m && method === 'POST') {
        const number = Number(m[1]);
        const exists =
          repo.issues.some((issue) => issue.number === number) ||
          repo.pulls.some((pull) => pull.number === number);
        if (!exists) return send(res, 404, { message: "The target couldn't be found." });
        const comment = { id: nextId++, number, body: String(body.body ?? ''), author: bot };
        repo.comments.push(comment);
        return send(res, 201, commentJson(repo, comment));
      }
      m = /^\/pulls\/(\d+)\/reviews$/.exec(rest);
      if (m && method === 'GET') {
        const reviews = repo.reviews.filter((review) => review.pull === Number(m![1]));
        return send(
          res,
          200,
          reviews.map((review) => ({
            id: review.id,
            body: review.body,
            state: 'COMMENT',
            user: user(review.author),
            comments_count: review.comments.length,
            html_url: `${url}/${repo.fullName}/pulls/${review.pull}#issuecomment-${review.id}`,
          })),
        );
      }
      m = /^\/pulls\/(\d+)\/reviews\/(\d+)\/comments$/.exec(rest);
      if (m && method === 'GET') {
        const review = repo.reviews.find((each) => each.pull === Number(m![1]) && each.id === Number(m![2]));
        if (!review) return send(res, 404, { message: "The target couldn't be found." });
        return send(
          res,
          200,
          review.comments.map((comment) => ({
            id: comment.id,
            body: comment.body,
            path: comment.path,
            user: user(comment.author),
            pull_request_review_id: review.id,
            html_url: `${url}/${repo.fullName}/pulls/${review.pull}/files#issuecomment-${comment.id}`,
          })),
        );
      }
      m = /^\/commits\/([^/]+)\/statuses$/.exec(rest);
      if (m && method === 'GET') {
        const sha = decodeURIComponent(m[1]!);
        // `sort=recentupdate`: the newest first (here: the latest added).
        const found = repo.statuses.filter((status) => status.sha === sha).reverse();
        return send(
          res,
          200,
          found.map((status) => ({
            id: status.id,
            context: status.context,
            status: status.status,
            target_url: status.target_url ?? '',
            description: '',
            creator: user('gitea-actions'),
          })),
        );
      }
      return send(res, 404, { message: "The target couldn't be found." });
    })().catch((error: unknown) => send(res, 500, { message: String(error) }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    requests,
    repos,
    addRepo(fullName, init = {}) {
      const repo: FakeGiteaRepo = {
        id: repos.size + 1,
        fullName,
        defaultBranch: init.defaultBranch ?? 'main',
        permissions: Object.fromEntries(
          Object.entries(init.permissions ?? {}).map(([login, level]) => [login.toLowerCase(), level]),
        ),
        issues: [],
        pulls: [],
        comments: [],
        reviews: [],
        statuses: [],
        nextNumber: 1,
      };
      repos.set(fullName.toLowerCase(), repo);
      return repo;
    },
    addIssue(repo, title, body = '') {
      const number = repo.nextNumber++;
      repo.issues.push({ number, title, body });
      return number;
    },
    closePull(fullName, number, close) {
      const pull = repos.get(fullName.toLowerCase())?.pulls.find((each) => each.number === number);
      if (!pull) throw new Error(`fake Gitea has no pull request ${fullName}#${number}`);
      Object.assign(pull, { state: 'closed', merged: close.merged, closedAt: close.at });
      if (close.merged) pull.mergedBy = close.by;
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
