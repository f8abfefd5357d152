import { join } from 'node:path';
import { recordAudit } from '../../core/audit.ts';
import { BadInputError } from '../../core/errors.ts';
import type { Store } from '../../core/ports/store.ts';
import { TRACKER_KINDS, type TrackerKind } from '../../core/ports/tracker.ts';
import { createSecretBox, loadSecretKey } from '../../environments/secret-box.ts';
import { invalidInput } from '../../server/schemas.ts';
import { trackersFromEnv } from '../../server/tracker-config.ts';
import {
  TRACKER_NAMES,
  TRACKER_SECRET_FIELDS,
  type TrackerConnectionInput,
  trackerConnectionInput,
} from '../../server/tracker-connection-fields.ts';
import { createTrackerConnections, type TrackerConnectionView } from '../../server/tracker-connections.ts';
import { localOperator } from '../../sessions/local-operator.ts';
import type { RemoteClient } from '../remote-client.ts';

type Write = (text: string) => void;

/** Where `drydock trackers` connects: this machine's store (what a server on it reads), or a server's API. */
export interface TrackerDesk {
  connect(kind: TrackerKind, input: TrackerConnectionInput): Promise<TrackerConnectionView>;
  list(): Promise<TrackerConnectionView[]>;
  disconnect(kind: TrackerKind): Promise<void>;
}

/**
 * The store in DRYDOCK_HOME with its secret key (DRYDOCK_SECRET_KEY or `<home>/secret.key`, the server's),
 * under this environment's DRYDOCK_LINEAR_* and DRYDOCK_JIRA_*, which win as they do on a server.
 */
export async function localTrackerDesk(
  opened: { store: Store; home: string },
  env: Record<string, string | undefined>,
): Promise<TrackerDesk> {
  const box = createSecretBox(await loadSecretKey(env, join(opened.home, 'secret.key')));
  const connections = createTrackerConnections({
    store: opened.store,
    box,
    fromEnv: trackersFromEnv(env).trackers ?? {},
  });
  const actor = localOperator();
  return {
    async connect(kind, input) {
      const connection = await connections.connect(kind, input, actor.name);
      await recordAudit(opened.store, {
        actor,
        action: 'tracker.connected',
        target: kind,
        details: {
          fields: Object.keys(input).filter((name) => name !== 'check'),
          checked: input.check ?? true,
          via: 'cli',
        },
      });
      return connection;
    },
    list: () => connections.list(),
    async disconnect(kind) {
      await connections.disconnect(kind);
      await recordAudit(opened.store, {
        actor,
        action: 'tracker.disconnected',
        target: kind,
        details: { via: 'cli' },
      });
    },
  };
}

/** A drydock server's `/api/trackers/connections` (an admin token). */
export function remoteTrackerDesk(client: RemoteClient): TrackerDesk {
  return {
    connect: (kind, input) =>
      client.json<TrackerConnectionView>('PUT', `/api/trackers/connections/${kind}`, input),
    list: async () =>
      (await client.json<{ connections: TrackerConnectionView[] }>('GET', '/api/trackers/connections'))
        .connections,
    async disconnect(kind) {
      await client.text('DELETE', `/api/trackers/connections/${kind}`);
    },
  };
}

/** What the secrets are called where they are asked for, in the order stdin gives them. */
const SECRET_PROMPTS: Record<string, string> = {
  apiKey: 'Linear API key',
  apiToken: 'Jira API token',
  webhookSecret: 'webhook signing secret',
};

/** Reads stdin to its end as lines (a trailing newline is not a line of its own). */
async function readLines(input: AsyncIterable<Buffer | string>): Promise<string[]> {
  const chunks: Buffer[] = [];
  for await (const chunk of input) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
  const text = Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
  return text === '' ? [] : text.split(/\r?\n/);
}

/** Asks for one value on a terminal without echoing it. */
export type HiddenPrompt = (question: string) => Promise<string>;

/**
 * The secrets of a `connect`: on a terminal, asked one by one without echo; else one per line of stdin, in
 * TRACKER_SECRET_FIELDS order (Linear: API key, webhook secret; Jira: API token, webhook secret). An empty
 * answer or line keeps the stored one. Never from argv, where `ps` and shell history would show them.
 */
export async function readTrackerSecrets(
  kind: TrackerKind,
  source: { lines: AsyncIterable<Buffer | string>; prompt: HiddenPrompt | null },
): Promise<Record<string, string>> {
  const names: readonly string[] = TRACKER_SECRET_FIELDS[kind];
  const values: string[] = [];
  if (source.prompt) {
    for (const name of names) {
      values.push(await source.prompt(`${SECRET_PROMPTS[name]} (empty: keep the stored one): `));
    }
  } else {
    values.push(...(await readLines(source.lines)));
    if (values.length > names.length) {
      throw new BadInputError(
        'invalid_tracker_connection',
        `stdin has ${values.length} lines; ${TRACKER_NAMES[kind]} takes ${names.length}: ${names.map((name) => SECRET_PROMPTS[name]).join(', then ')}.`,
      );
    }
  }
  const secrets: Record<string, string> = {};
  names.forEach((name, i) => {
    const value = values[i]?.trim() ?? '';
    if (value !== '') secrets[name] = value;
  });
  return secrets;
}

/** `drydock trackers connect <kind>`: flags for the plain settings, the secrets from readTrackerSecrets. */
export async function trackersConnect(
  desk: TrackerDesk,
  kind: string,
  flags: Record<string, string | boolean | undefined>,
  secrets: (kind: TrackerKind) => Promise<Record<string, string>>,
  write: Write,
): Promise<void> {
  const tracker = trackerKind(kind);
  const raw: Record<string, unknown> = { ...(await secrets(tracker)) };
  for (const name of ['handle', 'apiUrl', 'url', 'email', 'label'] as const) {
    const value = flags[name];
    if (typeof value === 'string') raw[name] = value;
  }
  if (flags.check === false) raw.check = false;
  const parsed = trackerConnectionInput.safeParse(raw);
  if (!parsed.success) throw invalidInput(`${TRACKER_NAMES[tracker]} connection`, parsed.error.issues);
  const connection = await desk.connect(tracker, parsed.data);
  write(`${TRACKER_NAMES[tracker]} connected: ${describeConnection(connection)}\n`);
  write(`Point its webhook at <server>${connection.webhookPath}, signed with the webhook secret.\n`);
}

/** `drydock trackers connections`. */
export async function trackersList(
  desk: TrackerDesk,
  options: { json: boolean },
  write: Write,
): Promise<void> {
  const connections = await desk.list();
  if (options.json) return write(`${JSON.stringify(connections, null, 2)}\n`);
  for (const connection of connections) {
    write(`${TRACKER_NAMES[connection.tracker].padEnd(7)} ${describeConnection(connection)}\n`);
  }
}

/** `drydock trackers disconnect <kind>`. */
export async function trackersDisconnect(desk: TrackerDesk, kind: string, write: Write): Promise<void> {
  const tracker = trackerKind(kind);
  await desk.disconnect(tracker);
  write(`${TRACKER_NAMES[tracker]} disconnected: its webhooks answer 503 until it is connected again\n`);
}

/** `stored  handle=drydock  secrets: apiKey, webhookSecret (set)`; never a secret's value. Pure. */
export function describeConnection(connection: TrackerConnectionView): string {
  if (connection.source === null) return 'not connected';
  const settings = Object.entries(connection.settings).map(([name, value]) => `${name}=${value}`);
  const source = connection.source === 'env' ? 'from the environment (it wins)' : 'stored';
  const by = connection.updatedBy ? `  by ${connection.updatedBy} at ${connection.updatedAt}` : '';
  return [source, ...settings, `secrets set: ${connection.secretsSet.join(', ') || 'none'}`].join('  ') + by;
}

function trackerKind(kind: string): TrackerKind {
  const found = TRACKER_KINDS.find((candidate) => candidate === kind);
  if (!found) {
    throw new BadInputError(
      'unknown_tracker_kind',
      `"${kind}" is not a tracker: use ${TRACKER_KINDS.join(' or ')}.`,
    );
  }
  return found;
}

/** A terminal prompt that does not echo what is typed (raw mode); Ctrl-C aborts. */
export function hiddenPrompt(input: NodeJS.ReadStream, output: NodeJS.WriteStream): HiddenPrompt {
  return (question) =>
    new Promise((resolve, reject) => {
      output.write(question);
      let value = '';
      input.setRawMode(true);
      input.resume();
      const done = (error?: Error) => {
        input.setRawMode(false);
        input.pause();
        input.off('data', onData);
        output.write('\n');
        if (error) reject(error);
        else resolve(value);
      };
      const onData = (chunk: Buffer) => {
        for (const char of chunk.toString('utf8')) {
          if (char === '\r' || char === '\n') return done();
          if (char === '\u0003') return done(new BadInputError('invalid_input', 'Cancelled.'));
          if (char === '\u007f' || char === '\b') value = value.slice(0, -1);
          else value += char;
        }
      };
      input.on('data', onData);
    });
}
