import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../../src/server/logger.ts';

/** A log record as pino writes it (one JSON object a line). */
export type LogRecord = Record<string, unknown> & { level: number; msg: string };

/** A logger at `level` whose records a test reads back, parsed, instead of looking at stderr. */
export function captureLogs(level = 'info'): { log: Logger; records: LogRecord[] } {
  const records: LogRecord[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line !== '') records.push(JSON.parse(line));
      done();
    },
  });
  return { log: createLogger({ env: { DRYDOCK_LOG_LEVEL: level }, destination, pretty: false }), records };
}
