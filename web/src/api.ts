import type { AuditEntry } from '../../src/core/audit.ts';
import type {
  AnalyticsReport,
  EvalRunDetail,
  EvalRunListItem,
  Hook,
  KnowledgeItem,
  Me,
  NewHookInput,
  NewScheduleInput,
  NewSessionInput,
  NewSlackChannelInput,
  NewTrackerMappingInput,
  PlaybookInfo,
  PlaybookListing,
  PullRequestInfo,
  RegisteredRepo,
  Schedule,
  SessionChildren,
  SessionCommit,
  SessionDetail,
  SessionListItem,
  SessionState,
  SlackChannel,
  SpendLimitStatus,
  TrackerConnection,
  TrackerConnectionInput,
  TrackerKind,
  TrackerMapping,
  TrackerSettings,
  UsableModels,
} from './types.ts';

/** An error answer from the API (docs/api.md): `{ error: { code, message, fields? } }`, or a network failure. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  /** Field errors keyed by path (`repo`, `task`, ...) on a 400. */
  readonly fields: Record<string, string>;

  constructor(status: number, code: string, message: string, fields: Record<string, string> = {}) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.fields = fields;
  }
}

export interface ApiOptions {
  /** Origin of the control plane; '' for the page's own. */
  baseUrl?: string;
  token: string;
  /** Called on any 401, before the error is thrown: the app goes back to the token screen. */
  onUnauthorized?: () => void;
}

/** `GET /api/audit`'s filters (docs/audit.md); dates as `YYYY-MM-DD` or ISO 8601. */
export interface AuditFilter {
  actor?: string;
  action?: string;
  target?: string;
  from?: string;
  to?: string;
  cursor?: string;
  limit?: number;
}

export interface SessionFilter {
  state?: SessionState | '';
  repo?: string;
  /** Words of the task, id or branch. */
  q?: string;
  /** One parent's children; absent: top-level sessions only. */
  parentId?: string;
  limit?: number;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

async function toApiError(res: Response): Promise<ApiError> {
  let body: unknown = null;
  try {
    body = await res.json();
  } catch {
    // Not JSON (a proxy's error page): the status line is all there is.
  }
  const error = isRecord(body) && isRecord(body.error) ? body.error : null;
  if (error) {
    const fields: Record<string, string> = {};
    if (isRecord(error.fields)) {
      for (const [key, value] of Object.entries(error.fields))
        if (typeof value === 'string') fields[key] = value;
    }
    return new ApiError(
      res.status,
      typeof error.code === 'string' ? error.code : `http_${res.status}`,
      typeof error.message === 'string' ? error.message : res.statusText,
      fields,
    );
  }
  return new ApiError(res.status, `http_${res.status}`, `${res.status} ${res.statusText}`.trim());
}

/** The typed client for the control plane's API. Every request carries the bearer token. */
export function createApi(options: ApiOptions) {
  const base = options.baseUrl ?? '';
  const headers = { authorization: `Bearer ${options.token}` };

  async function request(path: string, init: RequestInit = {}): Promise<Response> {
    let res: Response;
    try {
      res = await fetch(`${base}${path}`, { ...init, headers: { ...headers, ...init.headers } });
    } catch (cause) {
      throw new ApiError(0, 'network', `Cannot reach the drydock server (${String(cause)}).`);
    }
    if (res.status === 401) options.onUnauthorized?.();
    if (!res.ok) throw await toApiError(res);
    return res;
  }

  const json = async <T>(path: string, init?: RequestInit): Promise<T> =>
    (await request(path, init)).json() as T;
  const text = async (path: string): Promise<string> => (await request(path)).text();
  const post = <T>(path: string, body?: unknown): Promise<T> =>
    json<T>(path, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  const sid = (id: string) => `/api/sessions/${encodeURIComponent(id)}`;
  const patch = <T>(path: string, body: unknown): Promise<T> =>
    json<T>(path, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  const remove = async (path: string): Promise<void> => {
    await request(path, { method: 'DELETE' });
  };
  const item = (collection: string, id: string) => `/api/${collection}/${encodeURIComponent(id)}`;

  return {
    token: options.token,
    baseUrl: base,
    onUnauthorized: options.onUnauthorized,
    health: () => json<{ ok: boolean; version: string }>('/api/health'),
    me: () => json<Me>('/api/me'),
    /** Every role lists them; only admins register and remove. */
    listRepos: () => json<{ repos: RegisteredRepo[] }>('/api/repos'),
    registerRepo: (repo: string) => post<RegisteredRepo>('/api/repos', { repo }),
    removeRepo: (id: string) => remove(item('repos', id)),
    updateRepo: (id: string, change: { review: { pullRequests: boolean } }) =>
      patch<RegisteredRepo>(item('repos', id), change),
    listBranches: (id: string) =>
      json<{ branches: string[]; head: string | null }>(`${item('repos', id)}/branches`),
    /** Admins only (docs/cost.md). */
    listLimits: () => json<{ limits: SpendLimitStatus[] }>('/api/limits'),
    setLimit: (limit: { scope: string; period: string; amountUsd: number }) =>
      json<SpendLimitStatus>('/api/limits', {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(limit),
      }),
    removeLimit: (scope: string, period: string) =>
      remove(`/api/limits?${new URLSearchParams({ scope, period })}`),
    listModels: () => json<UsableModels>('/api/models'),
    /** Repository knowledge (docs/knowledge.md): members read it, admins curate it. */
    listKnowledge: () => json<{ items: KnowledgeItem[] }>('/api/knowledge'),
    /** The server's playbooks and the repository's (which win by name): docs/playbooks.md. */
    listPlaybooks: (repo: string) =>
      json<{ playbooks: PlaybookInfo[] }>(`/api/playbooks?${new URLSearchParams({ repo })}`),
    /** The server's own playbooks, with any whose stored file no longer parses; members and admins read them. */
    listServerPlaybooks: () => json<PlaybookListing>('/api/playbooks'),
    /** Admins only: create or replace the server's playbook `name` from its file (front matter and steps). */
    putPlaybook: (name: string, fileText: string) =>
      json<PlaybookInfo>(item('playbooks', name), {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ text: fileText }),
      }),
    removePlaybook: (name: string) => remove(item('playbooks', name)),
    decideKnowledge: (id: string, verb: 'approve' | 'reject') =>
      post<KnowledgeItem>(`${item('knowledge', id)}/${verb}`),
    editKnowledge: (id: string, change: { title?: string; body?: string; files?: string[] }) =>
      patch<KnowledgeItem>(item('knowledge', id), change),
    removeKnowledge: (id: string) => remove(item('knowledge', id)),
    listSessions(filter: SessionFilter = {}): Promise<{ sessions: SessionListItem[] }> {
      const query = new URLSearchParams();
      if (filter.state) query.set('state', filter.state);
      if (filter.repo) query.set('repo', filter.repo);
      if (filter.parentId) query.set('parentId', filter.parentId);
      if (filter.q?.trim()) query.set('q', filter.q.trim());
      if (filter.limit) query.set('limit', String(filter.limit));
      const qs = query.toString();
      return json(`/api/sessions${qs ? `?${qs}` : ''}`);
    },
    getSession: (id: string) => json<SessionDetail>(sid(id)),
    /** Its attempts or children with their digests, and an attempts session's choice. */
    listChildren: (id: string) => json<SessionChildren>(`${sid(id)}/children`),
    createSession: (input: NewSessionInput) =>
      post<{ id: string; state: SessionState }>('/api/sessions', input),
    cancelSession: (id: string) => post<{ id: string; state: SessionState }>(`${sid(id)}/cancel`),
    sendMessage: (id: string, messageText: string) =>
      post<{ id: string; seq: number }>(`${sid(id)}/messages`, { text: messageText }),
    getDiff: (id: string) => text(`${sid(id)}/diff`),
    /** One delivered commit per turn that delivered, oldest first. */
    listCommits: (id: string) => json<{ commits: SessionCommit[] }>(`${sid(id)}/commits`),
    /** One turn's change alone: its commit against the turn before it. */
    getCommitDiff: (id: string, commit: string) =>
      text(`${sid(id)}/commits/${encodeURIComponent(commit)}/diff`),
    /** A new session like this ended one, with an edited task and maybe hosts it was blocked on. */
    retrySession: (id: string, input: { task: string; allowHosts?: string[] }) =>
      post<{ id: string; state: SessionState }>(`${sid(id)}/retry`, input),
    getPullRequest: (id: string) => json<PullRequestInfo>(`${sid(id)}/pull-request`),
    createPullRequest: (id: string) => post<PullRequestInfo>(`${sid(id)}/pull-request`),
    getArtifact: (id: string, artifactId: string) =>
      text(`${sid(id)}/artifacts/${encodeURIComponent(artifactId)}`),
    /** A binary artifact (a screenshot) as a Blob: an <img> cannot carry the bearer token. */
    getArtifactBlob: async (id: string, artifactId: string): Promise<Blob> =>
      (await request(`${sid(id)}/artifacts/${encodeURIComponent(artifactId)}`)).blob(),
    /** Evaluation runs (`drydock eval`), newest first; every role reads them. */
    listEvals: () => json<{ runs: EvalRunListItem[] }>('/api/evals'),
    getAnalytics: (query: string) => json<AnalyticsReport>(`/api/analytics?${query}`),
    /** The CSV export as a file (a plain link cannot carry the bearer token). */
    analyticsCsv: async (query: string): Promise<Blob> =>
      (await request(`/api/analytics.csv?${query}`)).blob(),
    getEval: (id: string) => json<EvalRunDetail>(item('evals', id)),
    listSchedules: () => json<{ schedules: Schedule[] }>('/api/schedules'),
    createSchedule: (input: NewScheduleInput) => post<Schedule>('/api/schedules', input),
    updateSchedule: (id: string, change: Partial<NewScheduleInput>) =>
      patch<Schedule>(item('schedules', id), change),
    deleteSchedule: (id: string) => remove(item('schedules', id)),
    runSchedule: (id: string) => post<{ id: string; state: SessionState }>(`${item('schedules', id)}/run`),
    /** Admins only (hooks hold secrets): others get a 403. */
    listHooks: () => json<{ hooks: Hook[] }>('/api/hooks'),
    createHook: (input: NewHookInput) => post<Hook>('/api/hooks', input),
    updateHook: (id: string, change: Partial<NewHookInput>) => patch<Hook>(item('hooks', id), change),
    deleteHook: (id: string) => remove(item('hooks', id)),
    listSlackChannels: () => json<{ channels: SlackChannel[] }>('/api/slack/channels'),
    createSlackChannel: (input: NewSlackChannelInput) => post<SlackChannel>('/api/slack/channels', input),
    updateSlackChannel: (id: string, change: Partial<NewSlackChannelInput>) =>
      patch<SlackChannel>(item('slack/channels', id), change),
    deleteSlackChannel: (id: string) => remove(item('slack/channels', id)),
    /** Linear and Jira: which are configured, and team/project → repository mappings (admins change them). */
    listTrackers: () => json<TrackerSettings>('/api/trackers'),
    putTrackerMapping: (input: NewTrackerMappingInput) =>
      json<TrackerMapping>(`/api/trackers/${input.tracker}/mappings/${encodeURIComponent(input.project)}`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ repo: input.repo, states: input.states }),
      }),
    deleteTrackerMapping: (tracker: TrackerKind, project: string) =>
      remove(`/api/trackers/${tracker}/mappings/${encodeURIComponent(project)}`),
    /** Admins only (others get a 403): where each tracker's connection comes from, never a secret. */
    listTrackerConnections: () => json<{ connections: TrackerConnection[] }>('/api/trackers/connections'),
    connectTracker: (tracker: TrackerKind, input: TrackerConnectionInput) =>
      json<TrackerConnection>(`/api/trackers/connections/${tracker}`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(input),
      }),
    disconnectTracker: (tracker: TrackerKind) => remove(`/api/trackers/connections/${tracker}`),
    /** Admins only: others get a 403. Newest first; `next` is the cursor of the following page. */
    listAudit(filter: AuditFilter = {}): Promise<{ entries: AuditEntry[]; next: string | null }> {
      const query = new URLSearchParams();
      for (const [key, value] of Object.entries(filter)) {
        if (value !== undefined && value !== '') query.set(key, String(value));
      }
      const qs = query.toString();
      return json(`/api/audit${qs ? `?${qs}` : ''}`);
    },
    /** The events stream; read it with `streamEvents` (event-stream.ts), which parses and resumes. */
    openEvents: (id: string, lastEventId: string | undefined, signal: AbortSignal) =>
      request(`${sid(id)}/events`, {
        signal,
        headers: { accept: 'text/event-stream', ...(lastEventId ? { 'last-event-id': lastEventId } : {}) },
      }),
  };
}

export type Api = ReturnType<typeof createApi>;
