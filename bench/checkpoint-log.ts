import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { ModelMessage } from 'ai';
import type { JsonValue, Store, StoreWrite } from '../src/core/ports/store.ts';
import { initialCheckpoint, type SessionCheckpoint } from '../src/sessions/session-checkpoint.ts';
import { SessionRecorder } from '../src/sessions/session-recorder.ts';
import { openSqliteStore } from '../src/store/sqlite-store.ts';
import type { Benchmark, Row } from './benchmark.ts';
import { sampleEvent, sampleSession } from './samples.ts';
import { summarize } from './stats.ts';

const STEPS = [10, 50, 100] as const;
const LAST_STEP = STEPS.at(-1)!;
/** Saved steps sampled around each of STEPS (the step and the ones just before it), per round. */
const WINDOW = 5;

const oldLabel = (step: number) => `step ${step}: whole document (before)`;
const newLabel = (step: number) => `step ${step}: document + appended messages`;

/** One agent step as the loop adds it: a tool call, and its result with about 1.5 kB of output. */
function stepMessages(step: number): ModelMessage[] {
  const toolCallId = `call-${step}`;
  return [
    {
      role: 'assistant',
      content: [
        { type: 'text', text: `Step ${step}: run the tests again after the change to src/stats.js.` },
        { type: 'tool-call', toolCallId, toolName: 'bash', input: { command: 'npm test' } },
      ],
    },
    {
      role: 'tool',
      content: [
        {
          type: 'tool-result',
          toolCallId,
          toolName: 'bash',
          output: { type: 'text', value: `exit 0\n${'✔ mean of several numbers (0.4ms)\n'.repeat(45)}` },
        },
      ],
    },
  ];
}

function nextCheckpoint(checkpoint: SessionCheckpoint, step: number): SessionCheckpoint {
  const agent = checkpoint.agent;
  return { ...checkpoint, agent: { ...agent, step, messages: [...agent.messages, ...stepMessages(step)] } };
}

const bytesOf = (value: unknown): number => Buffer.byteLength(JSON.stringify(value));

/** The JSON a write stores: the checkpoint document and the log entries (the events are alike both ways). */
function checkpointBytes(write: StoreWrite): number {
  const document = write.checkpoint === undefined ? 0 : bytesOf(write.checkpoint);
  const entries = write.checkpointLog?.entries ?? [];
  return document + entries.reduce((total: number, entry: JsonValue) => total + bytesOf(entry), 0);
}

export const checkpointLogBench: Benchmark = {
  id: 'checkpoint-log',
  title: 'Saving an agent step on SQLite: whole checkpoint vs appended conversation',
  baseline:
    'the same step saved the way drydock did before checkpoint version 3: one store.record() replacing the whole checkpoint document, conversation included',

  async run(context) {
    const dir = await context.scratch('checkpoint-log');
    const store = await openSqliteStore({ path: join(dir, 'drydock.db') });
    context.defer(() => store.close());

    const rounds = context.iterations({ full: 6, quick: 2 });
    const sampled = new Map<number, number>();
    for (const step of STEPS) for (let i = 0; i < WINDOW; i++) sampled.set(step - i, step);
    const timesMs = new Map<string, number[]>();
    const bytes = new Map<string, number[]>();
    const keep = (into: Map<string, number[]>, label: string, value: number) => {
      into.set(label, [...(into.get(label) ?? []), value]);
    };

    for (let round = 0; round < rounds; round++) {
      context.signal.throwIfAborted();
      const oldId = `whole-${round}`;
      const newId = `log-${round}`;
      await store.createSession(sampleSession(oldId, 'benchmark the checkpoint'));
      await store.createSession(sampleSession(newId, 'benchmark the checkpoint'));
      // The new way is the real recorder, which works out what to append; the old way is what its
      // record() sent before version 3: the whole checkpoint as one document.
      const writes: StoreWrite[] = [];
      const recording: Store = {
        ...store,
        record: (sessionId, write) => {
          writes.push(write);
          return store.record(sessionId, write);
        },
      };
      const recorder = new SessionRecorder(recording, sampleSession(newId, 'benchmark the checkpoint'), {});
      let checkpoint = initialCheckpoint('benchmark the checkpoint');
      await recorder.record([], {}, checkpoint);
      await store.record(oldId, { checkpoint: { version: 2, ...checkpoint } as unknown as JsonValue });

      for (let step = 1; step <= LAST_STEP; step++) {
        checkpoint = nextCheckpoint(checkpoint, step);
        // Alternate which goes first, so a neighbour's burst of load hits both alike.
        const whole: StoreWrite = {
          events: [sampleEvent(step)],
          checkpoint: { version: 2, ...checkpoint } as unknown as JsonValue,
        };
        const saveOld = async () => {
          const start = performance.now();
          await store.record(oldId, whole);
          return performance.now() - start;
        };
        const saveNew = async () => {
          const start = performance.now();
          await recorder.record([sampleEvent(step)], {}, checkpoint);
          return performance.now() - start;
        };
        let oldMs: number;
        let newMs: number;
        if (step % 2 === 0) {
          oldMs = await saveOld();
          newMs = await saveNew();
        } else {
          newMs = await saveNew();
          oldMs = await saveOld();
        }
        const at = sampled.get(step);
        if (at === undefined) continue;
        keep(timesMs, oldLabel(at), oldMs);
        keep(timesMs, newLabel(at), newMs);
        keep(bytes, oldLabel(at), checkpointBytes(whole));
        keep(bytes, newLabel(at), checkpointBytes(writes.at(-1)!));
      }
    }

    const kB = (label: string): number => {
      const values = bytes.get(label) ?? [];
      return values.reduce((total, value) => total + value, 0) / values.length / 1000;
    };
    const rows: Row[] = STEPS.flatMap((step): Row[] => {
      const before = oldLabel(step);
      const after = newLabel(step);
      return [
        {
          label: before,
          short: `whole@${step}`,
          baseline: true,
          summary: summarize(timesMs.get(before) ?? []),
          note: `${kB(before).toFixed(1)} kB written per step`,
        },
        {
          label: after,
          summary: summarize(timesMs.get(after) ?? []),
          compareWith: [before],
          note: `${kB(after).toFixed(1)} kB written per step (${(kB(after) / kB(before)).toFixed(3)}× whole)`,
        },
      ];
    });
    return {
      rows,
      notes: [
        `A synthetic conversation: every step adds a tool call and its result (about 1.7 kB of messages); ` +
          `the checkpoint is saved with the step's tool.result event, as the runner does. Times are per ` +
          `saved step over steps ${STEPS.map((step) => `${step - WINDOW + 1}–${step}`).join(', ')} of ` +
          `${rounds} sessions each way, on one SQLite file; bytes are the checkpoint JSON a step stores ` +
          `(document plus log entries), the same at every round.`,
      ],
    };
  },
};
