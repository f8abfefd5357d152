import type { EvalRun } from '../types.ts';

/** An evaluation run's state as a pill; a running one pulses. */
export function EvalStateBadge({ state }: { state: EvalRun['state'] }) {
  return (
    <span className={`badge eval-state-${state}${state === 'running' ? ' live' : ''}`} data-state={state}>
      {state}
    </span>
  );
}
