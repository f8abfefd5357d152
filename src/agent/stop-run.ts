import type { EventData } from '../core/events.ts';
import type { AgentRun } from './agent-run.ts';
import type { AgentState } from './agent-state.ts';

/** Ends the run with `outcome`: records `events` and an `agent.stopped` event with the stopped state. */
export async function stopRun(
  run: AgentRun,
  state: AgentState,
  outcome: NonNullable<AgentState['outcome']>,
  events: EventData[] = [],
): Promise<AgentState> {
  const detail = outcome.kind === 'finished' ? outcome.summary : outcome.reason;
  const stopped: AgentState = { ...state, outcome };
  await run.host.record(
    [...events, { type: 'agent.stopped', step: state.step, outcome: outcome.kind, detail }],
    stopped,
  );
  return stopped;
}
