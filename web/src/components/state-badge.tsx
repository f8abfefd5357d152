import { isTerminalState } from '../types.ts';

/** A session state as a coloured pill; live states pulse. */
export function StateBadge({ state }: { state: string }) {
  const live = !isTerminalState(state);
  return (
    <span className={`badge state-${state}${live ? ' live' : ''}`} data-state={state}>
      {state.replace('_', ' ')}
    </span>
  );
}
