import type { Outcome } from '../core/session.ts';

export type AfterAgent =
  | { next: 'delivering'; summary: string }
  | { next: 'bowed_out' | 'failed' | 'cancelled'; reason: string };

/** Where a session goes when its agent stops. Pure. */
export function decideAfterAgent(outcome: Outcome): AfterAgent {
  switch (outcome.kind) {
    case 'finished':
      return { next: 'delivering', summary: outcome.summary };
    case 'gave_up':
      return { next: 'bowed_out', reason: `the agent gave up: ${outcome.reason}` };
    case 'budget_exhausted':
      return { next: 'bowed_out', reason: `budget exhausted: ${outcome.reason}` };
    case 'loop_detected':
      return { next: 'bowed_out', reason: `stuck in a loop: ${outcome.reason}` };
    case 'model_error':
      return { next: 'failed', reason: `the model failed: ${outcome.reason}` };
    case 'cancelled':
      return { next: 'cancelled', reason: outcome.reason };
  }
}
