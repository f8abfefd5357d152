import { BadInputError, ConflictError, describeError, NotFoundError } from '../core/errors.ts';
import type { Store } from '../core/ports/store.ts';
import {
  type StoredTrackerConnection,
  TRACKER_KINDS,
  type Tracker,
  type TrackerKind,
} from '../core/ports/tracker.ts';
import type { SecretBox } from '../environments/secret-box.ts';
import { createJiraTracker } from '../trackers/jira-tracker.ts';
import { createLinearTracker } from '../trackers/linear-tracker.ts';
import type { RateLimitPolicy } from '../trackers/rate-limit.ts';
import {
  mergeTrackerConnection,
  TRACKER_NAMES,
  TRACKER_PLAIN_FIELDS,
  TRACKER_SECRET_FIELDS,
  type TrackerConnectionInput,
  withoutSecrets,
} from './tracker-connection-fields.ts';

/** Linear as the webhook routes and the notifier use it; `settings` are the plain ones the API shows (apiUrl). */
export interface LinearConnection {
  tracker: Tracker;
  webhookSecret: string;
  /** The `@name` comments mention. */
  handle: string;
  settings?: Record<string, string>;
}

/** Jira as the webhook routes and the notifier use it; `settings` are the plain ones the API shows (url, email). */
export interface JiraConnection {
  tracker: Tracker;
  webhookSecret: string;
  /** The label that asks drydock for work. */
  label: string;
  settings?: Record<string, string>;
}

/** The tracker in force for each kind. */
export interface ActiveTrackers {
  linear: LinearConnection;
  jira: JiraConnection;
}

/** A connection as the API, the CLI and the UI show it: where it comes from and its plain settings, never a secret. */
export interface TrackerConnectionView {
  tracker: TrackerKind;
  /** env: the server's DRYDOCK_LINEAR_* or DRYDOCK_JIRA_* (they win); stored: set here; null: not connected. */
  source: 'env' | 'stored' | null;
  settings: Record<string, string>;
  /** The names of the secret settings that are set. */
  secretsSet: string[];
  updatedBy: string | null;
  updatedAt: string | null;
  webhookPath: string;
}

/** Linear's and Jira's connections: the environment's, else the ones stored (sealed) through the API, CLI or UI. */
export interface TrackerConnections {
  /**
   * The tracker in force for `kind`, or null. Read at each call, so a connection set or removed (here, or
   * by another process on the same store) applies without a restart; its client is kept until it changes.
   */
  active<K extends TrackerKind>(kind: K): Promise<ActiveTrackers[K] | null>;
  list(): Promise<TrackerConnectionView[]>;
  /**
   * Stores a connection (secrets left out keep the stored ones), after checking its credentials with one
   * call to the tracker unless `check` is false. ConflictError `tracker_configured_by_env` when the
   * environment configures the tracker; BadInputError for missing or foreign fields and rejected credentials.
   */
  connect(kind: TrackerKind, input: TrackerConnectionInput, by: string): Promise<TrackerConnectionView>;
  /** NotFoundError when none is stored; ConflictError when the environment configures it. */
  disconnect(kind: TrackerKind): Promise<void>;
}

export interface TrackerConnectionsDeps {
  store: Store;
  box: SecretBox;
  /** The trackers the environment configures (trackersFromEnv): these win over stored ones. */
  fromEnv?: Partial<ActiveTrackers>;
}

/** A tracker client for stored settings; `rateLimit` for the one-call credentials check. */
export function trackerFromSettings(
  kind: TrackerKind,
  settings: Record<string, string>,
  secrets: Record<string, string>,
  rateLimit?: Omit<RateLimitPolicy, 'waitMs'>,
): Tracker {
  const limit = rateLimit ? { rateLimit } : {};
  if (kind === 'linear') {
    return createLinearTracker({
      apiKey: secrets.apiKey ?? '',
      ...(settings.apiUrl ? { apiUrl: settings.apiUrl } : {}),
      ...limit,
    });
  }
  return createJiraTracker({
    host: settings.url ?? '',
    email: settings.email ?? '',
    apiToken: secrets.apiToken ?? '',
    ...limit,
  });
}

export function createTrackerConnections(deps: TrackerConnectionsDeps): TrackerConnections {
  const cache = new Map<TrackerKind, { version: string; active: ActiveTrackers[TrackerKind] }>();
  const envOf = (kind: TrackerKind) => deps.fromEnv?.[kind];
  const refuseEnv = (kind: TrackerKind, doing: string) => {
    if (!envOf(kind)) return;
    const prefix = kind === 'linear' ? 'DRYDOCK_LINEAR_*' : 'DRYDOCK_JIRA_*';
    throw new ConflictError(
      'tracker_configured_by_env',
      `${TRACKER_NAMES[kind]} is configured by the server's environment (${prefix}), which wins over stored settings: cannot ${doing} it here. Change those variables, or unset them and restart the server to manage ${TRACKER_NAMES[kind]} here.`,
    );
  };
  const openAll = (stored: StoredTrackerConnection) =>
    Object.fromEntries(Object.entries(stored.sealed).map(([name, sealed]) => [name, deps.box.open(sealed)]));

  const view = (kind: TrackerKind, stored: StoredTrackerConnection | null): TrackerConnectionView => {
    const webhookPath = `/webhooks/${kind}`;
    const env = envOf(kind);
    if (env) {
      const named: Record<string, string> = 'handle' in env ? { handle: env.handle } : { label: env.label };
      return {
        tracker: kind,
        source: 'env',
        settings: { ...env.settings, ...named },
        secretsSet: [...TRACKER_SECRET_FIELDS[kind]],
        updatedBy: null,
        updatedAt: null,
        webhookPath,
      };
    }
    if (!stored) {
      return {
        tracker: kind,
        source: null,
        settings: {},
        secretsSet: [],
        updatedBy: null,
        updatedAt: null,
        webhookPath,
      };
    }
    // Only the names the tracker shows: a stored field outside them never reaches an answer.
    const plain: readonly string[] = TRACKER_PLAIN_FIELDS[kind];
    const secret: readonly string[] = TRACKER_SECRET_FIELDS[kind];
    return {
      tracker: kind,
      source: 'stored',
      settings: Object.fromEntries(
        plain.flatMap((name) => (stored.settings[name] === undefined ? [] : [[name, stored.settings[name]]])),
      ),
      secretsSet: Object.keys(stored.sealed).filter((name) => secret.includes(name)),
      updatedBy: stored.updatedBy,
      updatedAt: stored.updatedAt,
      webhookPath,
    };
  };

  async function check(kind: TrackerKind, settings: Record<string, string>, secrets: Record<string, string>) {
    // One call, not waited out: an admin is waiting for the answer.
    const tracker = trackerFromSettings(kind, settings, secrets, { attempts: 1 });
    try {
      await tracker.self();
    } catch (error) {
      const why = withoutSecrets(describeError(error), Object.values(secrets)).slice(0, 300);
      const what = kind === 'linear' ? 'the API key' : 'the site address, the email and the API token';
      throw new BadInputError(
        'tracker_credentials_rejected',
        `${TRACKER_NAMES[kind]} did not accept these credentials (${why}): check ${what}, or save without the check.`,
        { cause: error },
      );
    }
  }

  return {
    async active<K extends TrackerKind>(kind: K): Promise<ActiveTrackers[K] | null> {
      const env = deps.fromEnv?.[kind];
      if (env) return env as ActiveTrackers[K];
      const stored = await deps.store.getTrackerConnection(kind);
      if (!stored) {
        cache.delete(kind);
        return null;
      }
      // Sealing draws a fresh IV, so a changed secret always changes the version.
      const version = JSON.stringify([stored.updatedAt, stored.settings, stored.sealed]);
      const cached = cache.get(kind);
      if (cached?.version === version) return cached.active as ActiveTrackers[K];
      const secrets = openAll(stored);
      const tracker = trackerFromSettings(kind, stored.settings, secrets);
      const webhookSecret = secrets.webhookSecret ?? '';
      const active: ActiveTrackers[TrackerKind] =
        kind === 'linear'
          ? { tracker, webhookSecret, handle: stored.settings.handle ?? 'drydock' }
          : { tracker, webhookSecret, label: stored.settings.label ?? 'drydock' };
      cache.set(kind, { version, active });
      return active as ActiveTrackers[K];
    },

    async list() {
      const stored = await deps.store.listTrackerConnections();
      return TRACKER_KINDS.map((kind) => view(kind, stored.find((c) => c.tracker === kind) ?? null));
    },

    async connect(kind, input, by) {
      refuseEnv(kind, 'connect');
      const existing = await deps.store.getTrackerConnection(kind);
      const merged = mergeTrackerConnection(
        kind,
        input,
        existing ? { settings: existing.settings, secretNames: Object.keys(existing.sealed) } : null,
      );
      if (input.check ?? true) {
        await check(kind, merged.settings, { ...(existing ? openAll(existing) : {}), ...merged.secrets });
      }
      const sealed = { ...existing?.sealed };
      for (const [name, value] of Object.entries(merged.secrets)) sealed[name] = deps.box.seal(value);
      const stored = await deps.store.putTrackerConnection({
        tracker: kind,
        settings: merged.settings,
        sealed,
        updatedBy: by,
      });
      cache.delete(kind);
      return view(kind, stored);
    },

    async disconnect(kind) {
      refuseEnv(kind, 'disconnect');
      cache.delete(kind);
      if (!(await deps.store.deleteTrackerConnection(kind))) {
        throw new NotFoundError(
          'tracker_connection_not_found',
          `${TRACKER_NAMES[kind]} has no stored connection to remove.`,
        );
      }
    },
  };
}
