import { createRequire } from 'node:module';
import type { DestinationStream, Level, Logger as PinoLogger } from 'pino';
import type PinoPretty from 'pino-pretty';
import { BadInputError } from '../core/errors.ts';

// Loaded on first use: every CLI command imports this module, most never log, and importing pino and
// pino-pretty costs more than the rest of a short command's start on a busy machine.
const require = createRequire(import.meta.url);
const loadPino = (): typeof import('pino') => require('pino');
const loadPretty = (): typeof PinoPretty => require('pino-pretty');

/**
 * drydock's diagnostics: the server's, the worker's and the triggers' (a run started or ended, a
 * publish failed, the store was unreachable). Not the CLI's output, which is the product's UI. Parts
 * below the server report failures through `onError` callbacks; the server and the CLI bind those to
 * a logger here (reportErrors), with the session id on every record that concerns a session.
 */
export type Logger = PinoLogger;

export const LOG_LEVELS: readonly (Level | 'silent')[] = [
  'fatal',
  'error',
  'warn',
  'info',
  'debug',
  'trace',
  'silent',
];

export interface LoggerOptions {
  /** Reads DRYDOCK_LOG_LEVEL: one of LOG_LEVELS, default `info`. */
  env?: NodeJS.ProcessEnv;
  /** Where records go, one JSON object a line; default stderr. Tests pass a stream and parse the lines. */
  destination?: DestinationStream;
  /** Human-readable lines (pino-pretty) instead of JSON; default: when logging to stderr and it is a terminal. */
  pretty?: boolean;
}

/** DRYDOCK_LOG_LEVEL, checked: a BadInputError naming the levels when it is none of them. */
export function logLevel(env: NodeJS.ProcessEnv): Level | 'silent' {
  const value = env.DRYDOCK_LOG_LEVEL?.trim().toLowerCase() || 'info';
  const level = LOG_LEVELS.find((known) => known === value);
  if (level === undefined) {
    throw new BadInputError(
      'invalid_log_level',
      `DRYDOCK_LOG_LEVEL is "${env.DRYDOCK_LOG_LEVEL}"; use one of ${LOG_LEVELS.join(', ')}.`,
    );
  }
  return level;
}

/**
 * A logger writing JSON lines (for log collectors), or readable lines when a person watches the
 * terminal. Writes are synchronous, as console.error's were: records are few (one or two per session
 * run), and none is lost when the process exits right after one.
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  const level = logLevel(options.env ?? process.env);
  const toTerminal = options.pretty ?? (options.destination === undefined && process.stderr.isTTY === true);
  const pino = loadPino();
  const destination = toTerminal
    ? loadPretty()({
        destination: options.destination ?? 2,
        sync: true,
        colorize: options.destination === undefined,
        translateTime: 'SYS:HH:MM:ss.l',
        ignore: 'pid,hostname,name',
      })
    : (options.destination ?? pino.destination({ fd: 2, sync: true }));
  return pino({ name: 'drydock', level }, destination);
}

let processLogger: Logger | undefined;

/** The process's logger from its environment, made on first use: for a server or worker given none. */
export function defaultLogger(): Logger {
  processLogger ??= createLogger();
  return processLogger;
}

let silent: Logger | undefined;

/** Records nothing: for a worker or server a test starts without caring about its diagnostics. */
export function silentLogger(): Logger {
  silent ??= loadPino()({ level: 'silent' });
  return silent;
}

/**
 * An `onError` callback for a part that reports failures (the worker's callers, the publisher, the CI
 * watcher, Slack, the scheduler): each failure becomes an error record saying `message`, bound to its
 * session when it has one.
 */
export function reportErrors(log: Logger, message: string): (error: unknown, sessionId?: string) => void {
  return (error, sessionId) =>
    (sessionId === undefined ? log : log.child({ sessionId })).error({ err: error }, message);
}
