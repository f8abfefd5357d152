import { spawnSync } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmbeddedPostgresServer, startEmbeddedPostgres } from '../src/store/embedded-postgres.ts';
import { removeTestDir } from './support/remove-dir.ts';

const BIN = join(import.meta.dirname, '..', 'bin', 'drydock.js');

/** The CLI on Postgres: DRYDOCK_DATABASE_URL switches every command to it. */
describe('drydock CLI with DRYDOCK_DATABASE_URL', () => {
  let postgres: EmbeddedPostgresServer;
  let home: string;
  beforeAll(async () => {
    postgres = await startEmbeddedPostgres();
    home = await mkdtemp(join(tmpdir(), 'drydock-cli-pg-'));
  });
  afterAll(async () => {
    await postgres?.stop();
    await removeTestDir(home);
  });

  it('runs the demo and lists it from the Postgres store', () => {
    const env = {
      PATH: process.env.PATH ?? '',
      HOME: home,
      DRYDOCK_HOME: join(home, 'data'),
      DRYDOCK_DATABASE_URL: postgres.connectionString,
    };
    const cli = (args: string[]) =>
      spawnSync(process.execPath, ['--disable-warning=ExperimentalWarning', BIN, ...args], {
        encoding: 'utf8',
        env,
        timeout: 120_000,
      });
    const demo = cli(['demo']);
    expect(demo.stderr).toBe('');
    expect(demo.status).toBe(0);
    const id = /session (\w+): delivered/.exec(demo.stdout)?.[1];
    const listed = JSON.parse(cli(['sessions', '--json']).stdout);
    expect(listed).toEqual([expect.objectContaining({ id, state: 'delivered' })]);
    // Nothing went to the SQLite file: the data directory holds workspaces only.
    expect(spawnSync('ls', [join(home, 'data')], { encoding: 'utf8' }).stdout.split('\n')).not.toContain(
      'drydock.db',
    );
  });
});
