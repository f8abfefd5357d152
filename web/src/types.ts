/**
 * The API's shapes (docs/api.md). Sessions and events are the core's own types, so the UI and the server
 * cannot drift apart; of the core only session-state.ts (no imports of its own) ends up in the bundle.
 */
import type {
  AnalyticsOutcome,
  AnalyticsReport,
  AnalyticsTotals,
  KeyedTotals,
} from '../../src/core/analytics.ts';
import type { AttemptEvidence, AttemptsChoice } from '../../src/core/attempts.ts';
import type { ChildDigest, FindingCounts } from '../../src/core/child-digest.ts';
import type { EvalInstance, EvalRun, TestTally } from '../../src/core/eval.ts';
import type { EvalRepoSummary, EvalSummary } from '../../src/core/eval-summary.ts';
import type { CheckSummary, EventData, ReviewFinding, SessionEvent } from '../../src/core/events.ts';
import type { KnowledgeItem } from '../../src/core/knowledge.ts';
import type { RegisteredRepo, TokenRole } from '../../src/core/ports/store.ts';
import type { Session } from '../../src/core/session.ts';
import { type SessionState, TERMINAL_STATES } from '../../src/core/session-state.ts';
import type { SpendLimitStatus } from '../../src/core/spend-limits.ts';
import type { TodoItem } from '../../src/core/todo.ts';

/** The lifecycle's states and which of them are final: the core's own, bundled into the UI. */
export { SESSION_STATES } from '../../src/core/session-state.ts';
export type {
  AnalyticsOutcome,
  AnalyticsReport,
  AnalyticsTotals,
  AttemptEvidence,
  AttemptsChoice,
  CheckSummary,
  ChildDigest,
  EvalInstance,
  EvalRepoSummary,
  EvalRun,
  EvalSummary,
  EventData,
  FindingCounts,
  KeyedTotals,
  KnowledgeItem,
  RegisteredRepo,
  ReviewFinding,
  Session,
  SessionEvent,
  SessionState,
  SpendLimitStatus,
  TestTally,
  TodoItem,
  TokenRole,
};

/** `GET /api/me`: the signed-in token. `creator` is the `createdBy.id` of the sessions it starts. */
export interface Me {
  id: string;
  name: string;
  role: TokenRole;
  creator: string;
}

export function isTerminalState(state: string): boolean {
  return (TERMINAL_STATES as ReadonlySet<string>).has(state);
}

export interface ArtifactInfo {
  id: string;
  name: string;
  contentType: string;
  createdAt: string;
}

export type SessionDetail = Session & { artifacts: ArtifactInfo[] };

/** `GET /api/sessions`: a session with the number of its attempts or children. */
export type SessionListItem = Session & { children: number };

/** `GET /api/sessions/:id/children`: one attempt or child, with a digest of its log. */
export type SessionChild = SessionListItem & {
  digest: ChildDigest;
  /** What the manager took in of its change; null: not (yet). */
  integrated: { files: string[]; conflicts: string[] } | null;
};

/** `GET /api/sessions/:id/children`: the children, and an attempts session's choice once made. */
export interface SessionChildren {
  children: SessionChild[];
  choice: AttemptsChoice | null;
}

/** `GET /api/sessions/:id/commits`: a turn's delivered commit and the one before it. */
export interface SessionCommit {
  turn: number;
  commit: string;
  parent: string;
  filesChanged: number;
  insertions: number;
  deletions: number;
  at: string;
}

/** `GET /api/sessions/:id/pull-request`: whether the session goes to a forge, and its pull request. */
export interface PullRequestInfo {
  forge: boolean;
  url: string | null;
  number: number | null;
}

/** `GET /api/models`: the models this server can run, and its default. */
export interface UsableModels {
  models: Array<{ spec: string; default: boolean }>;
  default: string;
  /** False when the default's provider is not set up: a request must name a model. */
  defaultUsable: boolean;
  defaultFriend?: string;
}

export interface NewSessionInput {
  repo: string;
  task: string;
  model?: string;
  ref?: string;
  /** Best of N with the same model: 2 to 8 attempts (docs/attempts.md). Not with `models`. */
  attempts?: number;
  /** Best of N, one attempt per model spec: 2 to 8 of them. Not with `attempts`. */
  models?: string[];
  /** A manager that splits the task into child sessions and integrates them. */
  mode?: 'manager';
  /** Run this playbook (docs/playbooks.md); `task` is then an optional note. */
  playbook?: string;
  inputs?: Record<string, string>;
}

/** `GET /api/playbooks?repo=`: a playbook a session can run, and where it came from. */
export interface PlaybookInfo {
  name: string;
  source: 'repo' | 'server';
  description: string;
  inputs: Record<string, { description: string; required: boolean; default?: string }>;
  model?: string;
  attempts?: number;
  body: string;
}

/** `GET /api/playbooks`: those that parse, and those whose file does not with its error. */
export interface PlaybookListing {
  playbooks: PlaybookInfo[];
  broken: { name: string; source: 'repo' | 'server'; error: string }[];
}

/** `GET /api/evals`: an evaluation run with its summary. */
export interface EvalRunListItem {
  run: EvalRun;
  summary: EvalSummary;
}

/** `GET /api/evals/:id`: the run, its summary, per repository, and its instances in the order they started. */
export interface EvalRunDetail {
  run: EvalRun;
  summary: EvalSummary;
  repos: EvalRepoSummary[];
  instances: EvalInstance[];
}

/** A cron schedule (`/api/schedules`). */
export interface Schedule {
  id: string;
  name: string;
  cron: string;
  timezone: string;
  repo: string;
  task: string;
  model?: string;
  paused: boolean;
  pausedReason: string | null;
  lastDueAt: string | null;
  createdAt: string;
  /** When its cron runs it next; null while paused. */
  nextRunAt: string | null;
  /** Its latest run, due or started by hand. */
  lastRun: { dueAt: string; sessionId: string; state: SessionState | null } | null;
}

export interface NewScheduleInput {
  name: string;
  cron: string;
  timezone?: string;
  repo: string;
  task: string;
  model?: string;
  paused?: boolean;
}

/** A signed webhook (`/api/hooks`, admins only). Its secret is never sent back. */
export interface Hook {
  id: string;
  name: string;
  scheme: 'hmac' | 'sentry';
  repo: string;
  template: string;
  model?: string;
  paused: boolean;
  createdAt: string;
}

export interface NewHookInput {
  name: string;
  scheme: 'hmac' | 'sentry';
  secret: string;
  repo: string;
  template: string;
  model?: string;
  paused?: boolean;
}

/** A Slack channel's defaults (`/api/slack/channels`). */
export interface SlackChannel {
  id: string;
  channel: string;
  repo: string;
  model?: string;
  paused: boolean;
  createdAt: string;
}

export type TrackerKind = 'linear' | 'jira';

export interface TrackerMapping {
  tracker: TrackerKind;
  project: string;
  repo: string;
  states: { started: string; delivered: string };
  createdBy: string;
  createdAt: string;
  updatedAt: string;
}

export interface TrackerSettings {
  trackers: Array<{ tracker: TrackerKind; configured: boolean; webhookPath: string }>;
  mappings: TrackerMapping[];
}

/** A tracker's connection as `/api/trackers/connections` shows it (admins): never a secret, only which are set. */
export interface TrackerConnection {
  tracker: TrackerKind;
  /** env: the server's environment (it wins; read-only here); stored: set here; null: not connected. */
  source: 'env' | 'stored' | null;
  settings: Record<string, string>;
  secretsSet: string[];
  updatedBy: string | null;
  updatedAt: string | null;
  webhookPath: string;
}

/** What a connect sends: the plain settings, the secrets being set or replaced, whether to check them. */
export type TrackerConnectionInput = Record<string, string | boolean>;

export interface NewTrackerMappingInput {
  tracker: TrackerKind;
  project: string;
  repo: string;
  states: { started: string; delivered: string };
}

export interface NewSlackChannelInput {
  channel: string;
  repo: string;
  model?: string;
  paused?: boolean;
}

/**
 * An event as the stream delivers it. Newer servers may send types this UI does not know yet, so `data`
 * is widened: known types narrow through `type`, unknown ones render generically.
 */
export interface StreamEvent {
  sessionId: string;
  seq: number;
  at: string;
  data: EventData | { type: string; [key: string]: unknown };
}
