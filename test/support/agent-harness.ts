import type { AgentRun } from '../../src/agent/agent-run.ts';
import type { AgentState } from '../../src/agent/agent-state.ts';
import { initialAgentState } from '../../src/agent/agent-state.ts';
import { runAgent } from '../../src/agent/loop.ts';
import { createCodingTools } from '../../src/agent/tools/index.ts';
import type { EventData } from '../../src/core/events.ts';
import type { ResolvedModel } from '../../src/core/ports/models.ts';
import { type Budget, DEFAULT_BUDGET } from '../../src/core/session.ts';
import { createMemorySandbox } from '../fakes/memory-sandbox.ts';

/**
 * Runs the real agent loop with the coding tools on an in-memory sandbox and a given model (one the
 * router resolved against a fake provider server), collecting what the loop records.
 */
export async function runAgentOnFiles(options: {
  coder: ResolvedModel;
  files?: Record<string, string>;
  budget?: Partial<Budget>;
  signal?: AbortSignal;
  task?: string;
  extra?: Partial<AgentRun>;
  /** Told of every recorded event as it is recorded. */
  onEvent?: (event: EventData) => void;
}): Promise<{
  final: AgentState;
  events: EventData[];
  sandbox: ReturnType<typeof createMemorySandbox>;
  /** The waits between retries, which the harness does not really wait. */
  waits: number[];
}> {
  const sandbox = createMemorySandbox(options.files ?? {});
  const events: EventData[] = [];
  const waits: number[] = [];
  let clockMs = 0;
  const final = await runAgent({
    coder: options.coder,
    summarizer: options.coder,
    system: 'You are a test agent.',
    tools: createCodingTools(),
    sandbox,
    budget: { ...DEFAULT_BUDGET, ...options.budget },
    state: initialAgentState(options.task ?? 'Fix the bug in a.txt'),
    signal: options.signal ?? new AbortController().signal,
    host: {
      async record(newEvents) {
        events.push(...newEvents);
        for (const event of newEvents) options.onEvent?.(event);
      },
      async recordLive(newEvents) {
        events.push(...newEvents);
        for (const event of newEvents) options.onEvent?.(event);
      },
      async sleep(ms) {
        waits.push(ms);
      },
      async saveArtifact() {
        return 'artifact';
      },
      nowMs: () => (clockMs += 10),
    },
    ...options.extra,
  });
  return { final, events, sandbox, waits };
}
