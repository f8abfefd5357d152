import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { LanguageModelV3, LanguageModelV3StreamPart } from '@ai-sdk/provider';
import type { AgentHost } from '../src/agent/agent-run.ts';
import { initialAgentState } from '../src/agent/agent-state.ts';
import { runAgent } from '../src/agent/loop.ts';
import { createCodingTools } from '../src/agent/tools/index.ts';
import type { EventData } from '../src/core/events.ts';
import { DEFAULT_BUDGET } from '../src/core/session.ts';
import { createScriptedModel } from '../src/models/scripted-model.ts';
import { openSqliteStore } from '../src/store/sqlite-store.ts';
import { createMemorySandbox } from '../test/fakes/memory-sandbox.ts';
import type { Benchmark, Row } from './benchmark.ts';
import { sampleSession } from './samples.ts';
import { summarize } from './stats.ts';

/** A long reply of `sentences` sentences (about 72 characters and 13 words each), then a call to finish. */
const reply = (sentences: number): string =>
  Array.from(
    { length: sentences },
    (_, i) => `Step ${i}: the mean skips the first number, so the loop starts at zero.`,
  ).join(' ');

/** About 29 kB: a long answer, cut into batches by size when it arrives at once. */
const INSTANT_SENTENCES = 400;
/** About 7 kB at 100 words a second (as a fast hosted model streams): 13 s, cut into batches by time. */
const PACED_SENTENCES = 100;
const PACED_WORD_MS = 10;

/** The scripted model, its text deltas held back `wordMs` each: a reply that takes time to stream. */
function pacedModel(wordMs: number, sentences: number): LanguageModelV3 {
  const scripted = createScriptedModel(() => ({
    text: reply(sentences),
    toolCalls: [{ name: 'finish', input: { summary: 'done' } }],
  }));
  if (wordMs === 0) return scripted;
  return {
    ...scripted,
    specificationVersion: 'v3',
    provider: scripted.provider,
    modelId: scripted.modelId,
    supportedUrls: scripted.supportedUrls,
    doGenerate: (options) => scripted.doGenerate(options),
    async doStream(options) {
      const { stream } = await scripted.doStream(options);
      const paced = stream.pipeThrough(
        new TransformStream<LanguageModelV3StreamPart, LanguageModelV3StreamPart>({
          async transform(part, controller) {
            if (part.type === 'text-delta') await new Promise((resolve) => setTimeout(resolve, wordMs));
            controller.enqueue(part);
          },
        }),
      );
      return { stream: paced };
    },
  };
}

const bytesOf = (events: readonly EventData[]): number =>
  events.reduce((total, event) => total + Buffer.byteLength(JSON.stringify(event)), 0);

export const modelStreamBench: Benchmark = {
  id: 'model-stream',
  title: 'A long reply streamed into the event log (model.delta) vs recorded only when complete',
  baseline:
    'the same turn through the same loop and SQLite store with no live recording: one model.response event carrying the whole reply, as before streaming',

  async run(context) {
    const dir = await context.scratch('model-stream');
    const store = await openSqliteStore({ path: join(dir, 'drydock.db') });
    context.defer(() => store.close());
    const iterations = context.iterations({ full: 5, quick: 2 });

    const modes = [
      { label: 'instant reply, recorded when complete (before)', wordMs: 0, live: false, baseline: true },
      { label: 'instant reply, streamed as model.delta', wordMs: 0, live: true, compare: 0 },
      {
        label: `paced reply (${PACED_WORD_MS} ms a word), recorded when complete`,
        wordMs: PACED_WORD_MS,
        live: false,
        baseline: true,
      },
      {
        label: `paced reply (${PACED_WORD_MS} ms a word), streamed as model.delta`,
        wordMs: PACED_WORD_MS,
        live: true,
        compare: 2,
      },
    ] as const;
    const times = modes.map((): number[] => []);
    const written = modes.map(() => ({ events: 0, deltas: 0, bytes: 0, deltaBytes: 0 }));

    for (let round = 0; round < iterations; round++) {
      for (const [index, mode] of modes.entries()) {
        // A paced turn takes 13 s and its time is the pacing: two rounds tell what it writes.
        if (mode.wordMs > 0 && round >= 2) continue;
        context.signal.throwIfAborted();
        const sessionId = `stream-${round}-${index}`;
        await store.createSession(sampleSession(sessionId, 'benchmark streaming'));
        const events: EventData[] = [];
        const write = async (batch: EventData[]) => {
          events.push(...batch);
          await store.record(sessionId, { events: batch });
        };
        const host: AgentHost = {
          record: (batch) => write(batch),
          ...(mode.live ? { recordLive: write } : {}),
          saveArtifact: async () => 'artifact',
          nowMs: () => performance.now(),
        };
        const start = performance.now();
        await runAgent({
          coder: {
            spec: 'script:bench',
            model: pacedModel(mode.wordMs, mode.wordMs === 0 ? INSTANT_SENTENCES : PACED_SENTENCES),
            contextWindow: 200_000,
            pricing: null,
          },
          summarizer: {
            spec: 'script:bench',
            model: pacedModel(0, 1),
            contextWindow: 200_000,
            pricing: null,
          },
          system: 'You are a benchmark.',
          tools: createCodingTools(),
          sandbox: createMemorySandbox({}),
          budget: DEFAULT_BUDGET,
          state: initialAgentState('benchmark streaming'),
          signal: new AbortController().signal,
          host,
        });
        times[index]?.push(performance.now() - start);
        const deltas = events.filter((event) => event.type === 'model.delta');
        if (round === 0) {
          written[index] = {
            events: events.length,
            deltas: deltas.length,
            bytes: bytesOf(events),
            deltaBytes: bytesOf(deltas),
          };
        }
      }
    }

    const rows: Row[] = modes.map((mode, index) => {
      const { events, deltas, bytes, deltaBytes } = written[index] ?? {
        events: 0,
        deltas: 0,
        bytes: 0,
        deltaBytes: 0,
      };
      const kB = (value: number) => `${(value / 1000).toFixed(1)} kB`;
      return {
        label: mode.label,
        summary: summarize(times[index] ?? []),
        ...('baseline' in mode ? { baseline: true, short: mode.wordMs === 0 ? 'instant' : 'paced' } : {}),
        ...('compare' in mode ? { compareWith: [modes[mode.compare].label] } : {}),
        note:
          `${events} events, ${kB(bytes)} written per turn` +
          (deltas === 0 ? '' : ` (${deltas} model.delta, ${kB(deltaBytes)})`),
      };
    });
    return {
      rows,
      notes: [
        `One turn: a reply streamed word by word (instant: ${(reply(INSTANT_SENTENCES).length / 1000).toFixed(1)} kB; ` +
          `paced: ${(reply(PACED_SENTENCES).length / 1000).toFixed(1)} kB at ${PACED_WORD_MS} ms a word), then finish, through the real ` +
          `loop; every event is one store.record() on SQLite (no checkpoint, to isolate the events). Deltas are ` +
          `batched every 250 ms or 2,048 characters: an instant reply is cut by size, a paced one by time. ` +
          `Times are per turn over ${iterations} rounds (paced: at most 2); counts and bytes are from the first round.`,
      ],
    };
  },
};
