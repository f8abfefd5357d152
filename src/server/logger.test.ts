import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { captureLogs } from '../../test/support/log-records.ts';
import { BadInputError, UnavailableError } from '../core/errors.ts';
import { createLogger, reportErrors } from './logger.ts';

function collect(): { destination: Writable; text: () => string } {
  let text = '';
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString('utf8');
      done();
    },
  });
  return { destination, text: () => text };
}

describe('logger', () => {
  it('writes one JSON record a line, with what a child binds', () => {
    const { log, records } = captureLogs();
    log.child({ sessionId: 's1', jobId: 'j1' }).info({ state: 'delivered' }, 'session run ended');
    expect(records).toEqual([
      expect.objectContaining({
        level: 30,
        name: 'drydock',
        msg: 'session run ended',
        sessionId: 's1',
        jobId: 'j1',
        state: 'delivered',
        time: expect.any(Number),
        pid: process.pid,
      }),
    ]);
  });

  it('serializes an error with its drydock code, message and stack', () => {
    const { log, records } = captureLogs();
    log.error(
      { err: new UnavailableError('store_unreachable', 'The store is unreachable.') },
      'session run failed',
    );
    expect(records[0]?.err).toMatchObject({
      type: 'UnavailableError',
      code: 'store_unreachable',
      transient: true,
      message: 'The store is unreachable.',
      stack: expect.stringContaining('UnavailableError'),
    });
  });

  it.each([
    [undefined, ['info', 'warn', 'error']],
    ['warn', ['warn', 'error']],
    [' DEBUG ', ['debug', 'info', 'warn', 'error']],
    ['silent', []],
  ])('DRYDOCK_LOG_LEVEL=%s keeps %j', (level, kept) => {
    const out = collect();
    const log = createLogger({
      env: level === undefined ? {} : { DRYDOCK_LOG_LEVEL: level },
      destination: out.destination,
      pretty: false,
    });
    for (const method of ['debug', 'info', 'warn', 'error'] as const) log[method](method);
    const lines = out.text().split('\n').filter(Boolean);
    expect(lines.map((line) => JSON.parse(line).msg)).toEqual(kept);
  });

  it('refuses a level it does not know, naming the ones it does', () => {
    expect(() => createLogger({ env: { DRYDOCK_LOG_LEVEL: 'verbose' } })).toThrow(BadInputError);
    expect(() => createLogger({ env: { DRYDOCK_LOG_LEVEL: 'verbose' } })).toThrow(
      /DRYDOCK_LOG_LEVEL is "verbose"; use one of fatal, error, warn, info, debug, trace, silent/,
    );
  });

  it('writes readable lines, not JSON, when pretty', () => {
    const out = collect();
    const log = createLogger({ env: {}, destination: out.destination, pretty: true });
    log.child({ sessionId: 's1' }).warn('lease lost');
    const text = out.text();
    expect(() => JSON.parse(text)).toThrow();
    expect(text).toMatch(/WARN.*lease lost/);
    expect(text).toContain('sessionId: "s1"');
  });

  it('reportErrors binds the session a failure concerns, when it has one', () => {
    const { log, records } = captureLogs();
    const report = reportErrors(log.child({ component: 'publisher' }), 'publishing to the forge failed');
    report(new Error('push refused'), 's1');
    report(new Error('store down'));
    expect(records.map((record) => [record.level, record.component, record.sessionId, record.msg])).toEqual([
      [50, 'publisher', 's1', 'publishing to the forge failed'],
      [50, 'publisher', undefined, 'publishing to the forge failed'],
    ]);
    expect(records.map((record) => (record.err as { message: string }).message)).toEqual([
      'push refused',
      'store down',
    ]);
  });
});
