import { useSessionLive } from '../session-live.ts';

/**
 * Where a follow-up is: in the log and waiting for the agent's next step (it reads messages before each
 * model call, so one sent during a long command waits for it), or read at a step.
 */
export function MessageStatus({ readAtStep }: { readAtStep: number | null }) {
  const live = useSessionLive();
  if (readAtStep !== null) {
    return (
      <span className="message-status muted small" data-state="read">
        ✓ read by the agent at step {readAtStep}
      </span>
    );
  }
  return (
    <span className="message-status muted small" data-state={live ? 'waiting' : 'unread'}>
      {live ? 'delivered; the agent reads it at its next step' : 'not read: the session ended first'}
    </span>
  );
}
