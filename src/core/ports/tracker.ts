/** The issue trackers drydock works with that are not forges (docs/triggers.md). */
export const TRACKER_KINDS = ['linear', 'jira'] as const;
export type TrackerKind = (typeof TRACKER_KINDS)[number];

/** A person in a tracker: Linear's user id, or Jira's `accountId`. */
export interface TrackerUser {
  id: string;
  name: string;
}

/** An issue as drydock reads it: what a session's task is made of. */
export interface TrackerIssue {
  /** The tracker's id (Linear's uuid, Jira's numeric id). */
  id: string;
  /** The key people know it by (`ENG-123`, `PROJ-7`). */
  key: string;
  title: string;
  /** Plain text (Jira's rich text flattened); empty when there is none. */
  description: string;
  url: string;
  labels: string[];
  assignee: TrackerUser | null;
  /** The team (Linear's key) or project (Jira's key) it belongs to: what repositories are mapped by. */
  project: string;
  /** The name of its current state or status. */
  state: string;
}

/**
 * An issue tracker (Linear, Jira Cloud). Every method reads or writes the tracker with drydock's own
 * credentials, on the control plane (never in a sandbox). Rate limits are waited out (the tracker's
 * `Retry-After`, a few times) before a call gives up. Contract: src/trackers/tracker-contract.ts.
 */
export interface Tracker {
  readonly kind: TrackerKind;
  /** drydock's own user in the tracker (the API key's or token's owner), read once and kept. */
  self(): Promise<TrackerUser>;
  /** Reads an issue by its id or key; throws a `NotFoundError` (`tracker_issue_not_found`) when there is none. */
  readIssue(idOrKey: string): Promise<TrackerIssue>;
  /** Adds a comment (plain text; the adapter writes the tracker's format) to the issue. */
  comment(idOrKey: string, body: string): Promise<void>;
  /**
   * Moves the issue to the state or status named `state` (case-insensitive). Idempotent: an issue
   * already there is left alone. Returns false when the issue's workflow has no such state (or Jira
   * offers no transition to it): drydock reports it and goes on.
   */
  moveTo(idOrKey: string, state: string): Promise<boolean>;
  /**
   * Posts an activity in an agent session (Linear's agent API: a session opened when drydock's app is
   * delegated an issue or mentioned), where the person who asked follows the work. Trackers without agent
   * sessions leave it out, and drydock comments on the issue instead.
   */
  agentActivity?(agentSessionId: string, type: AgentActivityType, body: string): Promise<void>;
  /**
   * Links an agent session to the page that follows its work (drydock's session page), so the person who asked
   * can open it from the tracker; replaces any link set before. Trackers without agent sessions leave it out.
   */
  agentSessionUrl?(agentSessionId: string, url: string): Promise<void>;
}

/** Linear's agent activity types drydock posts: progress (`thought`), the result, a failure. */
export type AgentActivityType = 'thought' | 'response' | 'error';

/** Where an issue moves as its session advances; an empty name means "do not move it". */
export interface TrackerStates {
  /** The session started: default `In Progress`. */
  started: string;
  /** The session delivered (a pull request, or a branch): default `In Review`. */
  delivered: string;
}

export const DEFAULT_TRACKER_STATES: TrackerStates = { started: 'In Progress', delivered: 'In Review' };

/** A Linear team or Jira project whose issues drydock works on in one registered repository. */
export interface TrackerMapping {
  tracker: TrackerKind;
  /** Linear's team key (`ENG`) or Jira's project key (`PROJ`), as the tracker spells it. */
  project: string;
  /** A registered repository (`owner/name` or a local path). */
  repo: string;
  states: TrackerStates;
  /** Who set it (an API token's name). */
  createdBy: string;
  createdAt: string;
  updatedAt: string;
}

export type NewTrackerMapping = Pick<TrackerMapping, 'tracker' | 'project' | 'repo' | 'states' | 'createdBy'>;

/** The Store's tracker mappings (migration 0021). */
export interface TrackerMappingStore {
  /** Creates or replaces the mapping of (tracker, project); keeps `createdAt` of one replaced. */
  putTrackerMapping(mapping: NewTrackerMapping): Promise<TrackerMapping>;
  getTrackerMapping(tracker: TrackerKind, project: string): Promise<TrackerMapping | null>;
  listTrackerMappings(): Promise<TrackerMapping[]>;
  /** True when there was one to delete. */
  deleteTrackerMapping(tracker: TrackerKind, project: string): Promise<boolean>;
}

/**
 * A tracker's connection as stored (migration 0025): set through the API, the CLI or the web UI, used when
 * the server's environment does not configure that tracker. The store never sees a secret in the clear.
 */
export interface StoredTrackerConnection {
  tracker: TrackerKind;
  /** The settings that are not secret (Linear: handle, apiUrl; Jira: url, email, label). */
  settings: Record<string, string>;
  /** The secret settings (Linear: apiKey, webhookSecret; Jira: apiToken, webhookSecret), each sealed by the SecretBox. */
  sealed: Record<string, string>;
  /** Who last set it (an API token's name, or the local operator). */
  updatedBy: string;
  createdAt: string;
  updatedAt: string;
}

export type NewTrackerConnection = Pick<
  StoredTrackerConnection,
  'tracker' | 'settings' | 'sealed' | 'updatedBy'
>;

/**
 * The Store's tracker connections, one per tracker kind. Kept apart from the repository secrets on purpose:
 * those are injected into sandboxes, these never are.
 */
export interface TrackerConnectionStore {
  /** Creates or replaces the connection of `tracker`; keeps `createdAt` of one replaced. */
  putTrackerConnection(connection: NewTrackerConnection): Promise<StoredTrackerConnection>;
  getTrackerConnection(tracker: TrackerKind): Promise<StoredTrackerConnection | null>;
  /** By tracker kind. */
  listTrackerConnections(): Promise<StoredTrackerConnection[]>;
  /** True when there was one to delete. */
  deleteTrackerConnection(tracker: TrackerKind): Promise<boolean>;
}
