import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { PullClose } from '../../src/forge/forge-contract.ts';
import { type FakeMergeRequest, mergeStateJson } from './fake-gitlab-merge-requests.ts';

export type { FakeMergeRequest };

/**
 * A fake GitLab REST API v4: the endpoints drydock's GitLab forge calls, answering as GitLab documents
 * them (snake_case fields, iids, `PRIVATE-TOKEN` auth, URL-encoded project paths, plain-text job logs), and
 * bad days on request (429 with Retry-After, 5xx). Git itself goes to a local bare repository the forge's
 * `gitUrl` points at, as with the fake GitHub.
 */
export interface FakeGitlabRequest {
  method: string;
  path: string;
  privateToken: string | undefined;
  body: Record<string, unknown>;
}

export interface FakeNote {
  id: number;
  on: 'issue' | 'merge_request';
  iid: number;
  body: string;
  author: string;
  system?: boolean;
  /** An inline note's place (`position[...]` as posted). */
  position?: Record<string, string>;
}

export interface FakeJob {
  id: number;
  name: string;
  stage: string;
  status: string;
  allow_failure?: boolean;
  log: string;
}

export interface FakePipeline {
  id: number;
  sha: string;
  ref: string;
  status: string;
  jobs: FakeJob[];
}

export interface FakeProject {
  id: number;
  path: string;
  defaultBranch: string;
  /** username → access level (10 Guest, 20 Reporter, 30 Developer, 40 Maintainer, 50 Owner). */
  members: Record<string, number>;
  /** Members of a group above the project: only `members/all` sees them. */
  inheritedMembers: Record<string, number>;
  issues: Array<{ iid: number; title: string; description: string }>;
  mergeRequests: FakeMergeRequest[];
  notes: FakeNote[];
  /** Threads on merge requests: `notes` whose ids are listed here, by discussion id. */
  discussions: Array<{ id: string; iid: number; noteIds: number[]; resolved?: boolean }>;
  pipelines: FakePipeline[];
}

export interface FakeGitlab {
  /** The instance URL (gitbeaker's `host`). */
  url: string;
  requests: FakeGitlabRequest[];
  projects: Map<string, FakeProject>;
  addProject(
    path: string,
    init?: Partial<Pick<FakeProject, 'defaultBranch' | 'members' | 'inheritedMembers'>>,
  ): FakeProject;
  /** The next `count` API calls answer `status` (with `Retry-After: retryAfterSeconds` when given). */
  /** Merges (`merged`) or closes pull request `number` of `repo`, as someone on the forge would: the contract's hook. */
  closePull(repo: string, number: number, close: PullClose): void;
  failNext(count: number, status: number, retryAfterSeconds?: number): void;
  /** A user's id (users are created as they are named). */
  userId(username: string): number;
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
  const raw = Buffer.concat(chunks);
  const type = req.headers['content-type'] ?? '';
  if (type.startsWith('multipart/form-data')) {
    // gitbeaker posts a discussion's position as a form: `position[base_sha]` and friends.
    const form = await new Response(raw, { headers: { 'content-type': type } }).formData();
    return Object.fromEntries([...form.entries()].map(([key, value]) => [key, String(value)]));
  }
  const text = raw.toString('utf8');
  if (!text) return {};
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    return Object.fromEntries(new URLSearchParams(text));
  }
}

export async function startFakeGitlab(options: { token: string }): Promise<FakeGitlab> {
  const projects = new Map<string, FakeProject>();
  const requests: FakeGitlabRequest[] = [];
  const users = new Map<string, number>();
  const failures: Array<{ status: number; retryAfter?: number }> = [];
  let nextId = 100;
  let url = '';
  const userId = (username: string) => {
    const key = username.toLowerCase();
    if (!users.has(key)) users.set(key, 1000 + users.size);
    return users.get(key)!;
  };
  const userJson = (username: string) => ({
    id: userId(username),
    username,
    name: username,
    state: 'active',
  });
  const projectById = (id: string): FakeProject | undefined => {
    const decoded = decodeURIComponent(id).toLowerCase();
    for (const project of projects.values()) {
      if (String(project.id) === decoded || project.path.toLowerCase() === decoded) return project;
    }
    return undefined;
  };
  const mrJson = (project: FakeProject, mr: FakeMergeRequest) => ({
    id: mr.id,
    iid: mr.iid,
    project_id: project.id,
    title: mr.title,
    description: mr.description,
    state: mr.state,
    source_branch: mr.source_branch,
    target_branch: mr.target_branch,
    draft: /^\s*(\[draft\]|\(draft\)|draft:|draft\s-\s)/i.test(mr.title),
    work_in_progress: /^\s*(\[draft\]|\(draft\)|draft:|draft\s-\s)/i.test(mr.title),
    web_url: `${url}/${project.path}/-/merge_requests/${mr.iid}`,
    author: userJson(mr.author ?? 'drydock-bot'),
    sha: mr.sha ?? null,
    source_project_id: mr.sourceProjectId ?? project.id,
    target_project_id: project.id,
    allow_collaboration: mr.allowCollaboration ?? false,
    ...mergeStateJson(mr, userJson),
  });
  const noteJson = (note: FakeNote) => ({
    id: note.id,
    type: null,
    body: note.body,
    author: userJson(note.author),
    system: note.system ?? false,
    noteable_type: note.on === 'issue' ? 'Issue' : 'MergeRequest',
    noteable_iid: note.iid,
    created_at: new Date(0).toISOString(),
    ...(note.position
      ? {
          type: 'DiffNote',
          position: {
            ...note.position,
            new_line: note.position.new_line === undefined ? null : Number(note.position.new_line),
          },
        }
      : {}),
  });

  const server = createServer((req, res) => {
    void (async () => {
      const parsed = new URL(req.url ?? '/', 'http://fake');
      const body = await readBody(req);
      const token = req.headers['private-token'];
      requests.push({
        method: req.method ?? 'GET',
        path: parsed.pathname,
        privateToken: typeof token === 'string' ? token : undefined,
        body,
      });
      const failure = failures.shift();
      if (failure) {
        return send(
          res,
          failure.status,
          { message: failure.status === 429 ? 'Retry later' : '500 Internal Server Error' },
          failure.retryAfter === undefined ? {} : { 'retry-after': String(failure.retryAfter) },
        );
      }
      if (token !== options.token) return send(res, 401, { message: '401 Unauthorized' });
      // Project ids arrive URL-encoded (`group%2Fsub%2Fapp`): match on the raw path before decoding.
      const raw = (req.url ?? '/').split('?')[0]!;
      const method = req.method ?? 'GET';
      const query = parsed.searchParams;
      if (method === 'GET' && raw === '/api/v4/users') {
        const username = query.get('username');
        // Members added after addProject are users too.
        for (const each of projects.values()) {
          for (const name of [...Object.keys(each.members), ...Object.keys(each.inheritedMembers)])
            userId(name);
        }
        return send(res, 200, username && users.has(username.toLowerCase()) ? [userJson(username)] : []);
      }
      const match = /^\/api\/v4\/projects\/([^/]+)(\/.*)?$/.exec(raw);
      if (!match) return send(res, 404, { message: '404 Not Found' });
      const project = projectById(match[1]!);
      if (!project) return send(res, 404, { message: '404 Project Not Found' });
      const rest = match[2] ?? '';
      if (method === 'GET' && rest === '') {
        return send(res, 200, {
          id: project.id,
          path_with_namespace: project.path,
          default_branch: project.defaultBranch,
          web_url: `${url}/${project.path}`,
        });
      }
      let m = /^\/members\/all\/(\d+)$/.exec(rest);
      if (method === 'GET' && m) {
        const id = Number(m[1]);
        const levels = [project.members, project.inheritedMembers].flatMap((members) =>
          Object.entries(members).filter(([name]) => userId(name) === id),
        );
        if (levels.length === 0) return send(res, 404, { message: '404 Not found' });
        const [name] = levels[0]!;
        return send(res, 200, {
          ...userJson(name),
          access_level: Math.max(...levels.map(([, level]) => level)),
        });
      }
      if (rest === '/merge_requests' && method === 'GET') {
        const source = query.get('source_branch');
        const state = query.get('state');
        const found = project.mergeRequests.filter(
          (mr) =>
            (!source || mr.source_branch === source) && (!state || state === 'all' || mr.state === state),
        );
        return send(
          res,
          200,
          found.map((mr) => mrJson(project, mr)),
        );
      }
      if (rest === '/merge_requests' && method === 'POST') {
        const source = String(body.source_branch ?? '');
        if (project.mergeRequests.some((mr) => mr.source_branch === source && mr.state === 'opened')) {
          return send(res, 409, {
            message: [`Another open merge request already exists for this source branch: !1`],
          });
        }
        const mr: FakeMergeRequest = {
          id: nextId++,
          iid: project.mergeRequests.length + 1,
          source_branch: source,
          target_branch: String(body.target_branch ?? project.defaultBranch),
          title: String(body.title ?? ''),
          description: String(body.description ?? ''),
          state: 'opened',
        };
        project.mergeRequests.push(mr);
        return send(res, 201, mrJson(project, mr));
      }
      m = /^\/merge_requests\/(\d+)$/.exec(rest);
      if (m) {
        const mr = project.mergeRequests.find((each) => each.iid === Number(m![1]));
        if (!mr) return send(res, 404, { message: '404 Not found' });
        if (method === 'PUT') {
          if (typeof body.title === 'string') mr.title = body.title;
          if (typeof body.description === 'string') mr.description = body.description;
        }
        return send(res, 200, mrJson(project, mr));
      }
      m = /^\/(issues|merge_requests)\/(\d+)\/notes$/.exec(rest);
      if (m && method === 'POST') {
        const on = m[1] === 'issues' ? 'issue' : 'merge_request';
        const iid = Number(m[2]);
        const exists =
          on === 'issue'
            ? project.issues.some((issue) => issue.iid === iid)
            : project.mergeRequests.some((mr) => mr.iid === iid);
        if (!exists) return send(res, 404, { message: '404 Not found' });
        const note: FakeNote = {
          id: nextId++,
          on,
          iid,
          body: String(body.body ?? ''),
          author: 'drydock-bot',
        };
        project.notes.push(note);
        return send(res, 201, noteJson(note));
      }
      m = /^\/merge_requests\/(\d+)\/versions$/.exec(rest);
      if (m && method === 'GET') {
        const mr = project.mergeRequests.find((each) => each.iid === Number(m![1]));
        if (!mr) return send(res, 404, { message: '404 Not found' });
        return send(
          res,
          200,
          (mr.versions ?? []).map((version) => ({ ...version, state: 'collected' })),
        );
      }
      m = /^\/merge_requests\/(\d+)\/notes\/(\d+)$/.exec(rest);
      if (m && method === 'PUT') {
        const note = project.notes.find((each) => each.id === Number(m![2]) && each.iid === Number(m![1]));
        if (!note) return send(res, 404, { message: '404 Not found' });
        note.body = String(body.body ?? note.body);
        return send(res, 200, noteJson(note));
      }
      m = /^\/merge_requests\/(\d+)\/discussions$/.exec(rest);
      if (m && method === 'POST') {
        const iid = Number(m[1]);
        const mr = project.mergeRequests.find((each) => each.iid === iid);
        if (!mr) return send(res, 404, { message: '404 Not found' });
        const position = Object.fromEntries(
          Object.entries(body)
            .filter(([key]) => key.startsWith('position['))
            .map(([key, value]) => [key.slice('position['.length, -1), String(value)]),
        );
        // GitLab refuses a position that names no diff version of the merge request.
        const head = position.head_sha;
        if (head !== undefined && !(mr.versions ?? []).some((version) => version.head_commit_sha === head)) {
          return send(res, 400, { message: '400 Bad request - Note {:line_code=>["can\'t be blank"]}' });
        }
        const lines = position.new_path === undefined ? undefined : mr.diffLines?.[position.new_path];
        if (head !== undefined && mr.diffLines && !lines?.includes(Number(position.new_line))) {
          return send(res, 400, { message: '400 Bad request - Note {:line_code=>["can\'t be blank"]}' });
        }
        const note: FakeNote = {
          id: nextId++,
          on: 'merge_request',
          iid,
          body: String(body.body ?? ''),
          author: 'drydock-bot',
          ...(head === undefined ? {} : { position }),
        };
        project.notes.push(note);
        const thread = { id: `d${note.id}`, iid, noteIds: [note.id] };
        project.discussions.push(thread);
        return send(res, 201, { id: thread.id, individual_note: false, notes: [noteJson(note)] });
      }
      m = /^\/merge_requests\/(\d+)\/discussions\/([^/]+)(\/notes)?$/.exec(rest);
      if (m && (method === 'POST' || method === 'PUT')) {
        const thread = project.discussions.find((each) => each.id === m![2] && each.iid === Number(m![1]));
        if (!thread) return send(res, 404, { message: '404 Not found' });
        if (m[3] && method === 'POST') {
          const note: FakeNote = {
            id: nextId++,
            on: 'merge_request',
            iid: thread.iid,
            body: String(body.body ?? ''),
            author: 'drydock-bot',
          };
          project.notes.push(note);
          thread.noteIds.push(note.id);
          return send(res, 201, noteJson(note));
        }
        if (!m[3] && method === 'PUT') {
          thread.resolved = query.get('resolved') === 'true' || body.resolved === true;
          return send(res, 200, { id: thread.id, individual_note: false, notes: [] });
        }
      }
      m = /^\/merge_requests\/(\d+)\/discussions\/([^/]+)\/notes\/(\d+)$/.exec(rest);
      if (m && method === 'DELETE') {
        const thread = project.discussions.find((each) => each.id === m![2] && each.iid === Number(m![1]));
        const noteId = Number(m[3]);
        if (!thread?.noteIds.includes(noteId)) return send(res, 404, { message: '404 Not found' });
        // GitLab drops a discussion with its last note.
        thread.noteIds = thread.noteIds.filter((id) => id !== noteId);
        project.notes = project.notes.filter((note) => note.id !== noteId);
        if (thread.noteIds.length === 0)
          project.discussions = project.discussions.filter((each) => each !== thread);
        res.writeHead(204);
        return res.end();
      }
      m = /^\/merge_requests\/(\d+)\/discussions$/.exec(rest);
      if (m && method === 'GET') {
        const iid = Number(m[1]);
        const threads = project.discussions.filter((thread) => thread.iid === iid);
        return send(
          res,
          200,
          threads.map((thread) => ({
            id: thread.id,
            individual_note: thread.noteIds.length === 1,
            notes: thread.noteIds
              .map((id) => project.notes.find((note) => note.id === id))
              .filter((note): note is FakeNote => note !== undefined)
              .map(noteJson),
          })),
        );
      }
      if (rest === '/pipelines' && method === 'GET') {
        const sha = query.get('sha');
        const found = project.pipelines.filter((pipeline) => !sha || pipeline.sha === sha);
        return send(
          res,
          200,
          [...found]
            .sort((a, b) => b.id - a.id)
            .map((pipeline) => ({
              id: pipeline.id,
              sha: pipeline.sha,
              ref: pipeline.ref,
              status: pipeline.status,
            })),
        );
      }
      m = /^\/pipelines\/(\d+)\/jobs$/.exec(rest);
      if (m && method === 'GET') {
        const pipeline = project.pipelines.find((each) => each.id === Number(m![1]));
        if (!pipeline) return send(res, 404, { message: '404 Not found' });
        return send(
          res,
          200,
          pipeline.jobs.map((job) => ({
            id: job.id,
            name: job.name,
            stage: job.stage,
            status: job.status,
            allow_failure: job.allow_failure ?? false,
            pipeline: { id: pipeline.id, sha: pipeline.sha, ref: pipeline.ref, status: pipeline.status },
            web_url: `${url}/${project.path}/-/jobs/${job.id}`,
          })),
        );
      }
      m = /^\/jobs\/(\d+)\/trace$/.exec(rest);
      if (m && method === 'GET') {
        const job = project.pipelines
          .flatMap((pipeline) => pipeline.jobs)
          .find((each) => each.id === Number(m![1]));
        if (!job) return send(res, 404, { message: '404 Not found' });
        res.writeHead(200, { 'content-type': 'text/plain' });
        return res.end(job.log);
      }
      return send(res, 404, { message: '404 Not Found' });
    })().catch((error: unknown) => send(res, 500, { message: String(error) }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    requests,
    projects,
    userId,
    addProject(path, init = {}) {
      const project: FakeProject = {
        id: projects.size + 1,
        path,
        defaultBranch: init.defaultBranch ?? 'main',
        members: init.members ?? {},
        inheritedMembers: init.inheritedMembers ?? {},
        issues: [],
        mergeRequests: [],
        notes: [],
        discussions: [],
        pipelines: [],
      };
      for (const name of [...Object.keys(project.members), ...Object.keys(project.inheritedMembers)])
        userId(name);
      projects.set(path.toLowerCase(), project);
      return project;
    },
    closePull(path, iid, close) {
      const mr = projects.get(path.toLowerCase())?.mergeRequests.find((each) => each.iid === iid);
      if (!mr) throw new Error(`fake GitLab has no merge request ${path}!${iid}`);
      Object.assign(mr, {
        state: close.merged ? 'merged' : 'closed',
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
