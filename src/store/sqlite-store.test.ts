import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newEvalInstance, newEvalRun } from './eval-store-contract.ts';
import { createSequentialIds } from './ids.ts';
import { openSqliteStore } from './sqlite-store.ts';
import { describeStoreContract, newSession } from './store-contract.ts';

let root: string;
let files = 0;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'drydock-sqlite-store-'));
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** A path in a directory that does not exist yet, so opening also has to create it. */
function nextPath(): string {
  files += 1;
  return join(root, `store-${files}`, 'nested', 'drydock.db');
}

describeStoreContract(
  'SQLite in memory',
  async (deps) => ({ store: await openSqliteStore({ path: ':memory:', ...deps }) }),
  { durable: false },
);

describeStoreContract(
  'SQLite file',
  async (deps) => {
    const path = nextPath();
    return {
      store: await openSqliteStore({ path, ...deps }),
      reopen: () => openSqliteStore({ path, ...deps }),
    };
  },
  { durable: true },
);

describe('SQLite store on a shared file', () => {
  it('two stores on one file interleave writes to one session without gaps or duplicates', async () => {
    const path = nextPath();
    const [a, b] = await Promise.all([
      openSqliteStore({ path, ids: createSequentialIds('a-') }),
      openSqliteStore({ path, ids: createSequentialIds('b-') }),
    ]);
    try {
      await a.createSession(newSession('s1'));
      const writes = Array.from({ length: 40 }, (_, i) =>
        (i % 2 === 0 ? a : b).record('s1', {
          events: [{ type: 'model.error', step: i, message: `from ${i % 2 === 0 ? 'a' : 'b'}` }],
          checkpoint: { last: i },
        }),
      );
      await Promise.all(writes);
      for (const reader of [a, b]) {
        const seqs = (await reader.listEvents('s1')).map((event) => event.seq);
        expect(seqs).toEqual(Array.from({ length: 41 }, (_, i) => i + 1));
      }
      expect(await b.getSession('s1')).not.toBeNull();
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('processes writing to one session at the same moment never skip or repeat a seq', async () => {
    const path = nextPath();
    const parent = await openSqliteStore({ path });
    await parent.createSession(newSession('s1'));
    const perProcess = 150;
    const writers = ['x', 'y'].map((label) => startWriter(path, label, perProcess));
    try {
      // Both writers start together, once both have opened the store, so they really contend.
      await Promise.all(writers.map((writer) => writer.ready));
      for (const writer of writers) writer.go();
      await Promise.all(writers.map((writer) => writer.done));

      const events = (await parent.listEvents('s1')).slice(1);
      expect(events.map((event) => event.seq)).toEqual(
        Array.from({ length: 2 * perProcess }, (_, i) => i + 2),
      );
      const labels = events.map((event) => (event.data.type === 'model.error' ? event.data.message : ''));
      expect(labels.filter((label) => label === 'x')).toHaveLength(perProcess);
      expect(labels.filter((label) => label === 'y')).toHaveLength(perProcess);
      // How often the writers took turns depends on the scheduler (on a loaded machine one can hold the
      // lock for its whole run), so it is not asserted: the numbering must hold either way.
    } finally {
      for (const writer of writers) writer.kill();
      await parent.close();
    }
  });

  it('opens an existing file without migrating it again', async () => {
    const path = nextPath();
    const first = await openSqliteStore({ path });
    await first.createSession(newSession('s1'));
    await first.close();
    const second = await openSqliteStore({ path });
    expect((await second.getSession('s1'))?.id).toBe('s1');
    await second.close();
  });

  it("deletes an evaluation run's instances with the run", async () => {
    const path = nextPath();
    const store = await openSqliteStore({ path });
    try {
      await store.createEvalRun(newEvalRun('r1'));
      await store.createEvalRun(newEvalRun('r2'));
      await store.saveEvalInstance(newEvalInstance('r1', 'x'));
      await store.saveEvalInstance(newEvalInstance('r2', 'x'));
      const database = new DatabaseSync(path);
      database.exec('PRAGMA foreign_keys = ON');
      database.prepare('delete from eval_runs where id = ?').run('r1');
      const left = database.prepare('select run_id from eval_instances').all();
      database.close();
      expect(left).toEqual([{ run_id: 'r2' }]);
      expect(await store.listEvalInstances('r1')).toEqual([]);
      expect(await store.listEvalInstances('r2')).toHaveLength(1);
    } finally {
      await store.close();
    }
  });
});

interface Writer {
  /** Resolves once the writer has opened the store. */
  ready: Promise<void>;
  go(): void;
  /** Resolves when the writer exits cleanly; rejects with its stderr otherwise. */
  done: Promise<void>;
  kill(): void;
}

/** A separate Node process that appends `count` events to session s1, one record at a time. */
function startWriter(path: string, label: string, count: number): Writer {
  const child = spawn(process.execPath, ['--no-warnings', '--input-type=module', '-e', WRITER_SCRIPT], {
    env: {
      ...process.env,
      STORE_MODULE: new URL('./sqlite-store.ts', import.meta.url).href,
      STORE_PATH: path,
      WRITER_LABEL: label,
      WRITER_COUNT: String(count),
    },
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const done = new Promise<void>((resolve, reject) => {
    child.on('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`writer ${label} exited with ${code}: ${stderr}`)),
    );
  });
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout.once('data', () => resolve());
    done.then(() => reject(new Error(`writer ${label} exited before it was ready`)), reject);
  });
  // Rejections surface through `ready` or `done` when the test awaits them.
  done.catch(() => {});
  ready.catch(() => {});
  return {
    ready,
    done,
    go: () => child.stdin.end('go\n'),
    kill: () => {
      if (child.exitCode === null) child.kill();
    },
  };
}

const WRITER_SCRIPT = `
const { once } = await import('node:events');
const { openSqliteStore } = await import(process.env.STORE_MODULE);
const store = await openSqliteStore({ path: process.env.STORE_PATH });
process.stdout.write('ready\\n');
await once(process.stdin, 'data');
for (let step = 0; step < Number(process.env.WRITER_COUNT); step++) {
  await store.record('s1', { events: [{ type: 'model.error', step, message: process.env.WRITER_LABEL }] });
  // A runner writes between model and tool calls, not in a tight loop; back to back, one writer
  // would win the lock every time while the other sleeps in SQLite's busy handler.
  await new Promise((resolve) => setTimeout(resolve, 1));
}
await store.close();
`;
