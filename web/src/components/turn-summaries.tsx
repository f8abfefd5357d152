import type { Turn } from '../turns.ts';

const OUTCOME: Record<string, string> = {
  delivered: 'Delivered',
  bowed_out: 'Bowed out',
  failed: 'Failed',
  cancelled: 'Cancelled',
};

/**
 * The session's story when follow-ups opened more turns: each turn with the message that opened it and
 * how it ended (its own summary, or why it did not deliver), so a later turn does not hide the first.
 */
export function TurnSummaries({ turns }: { turns: readonly Turn[] }) {
  return (
    <ol className="turns" data-testid="turns">
      {turns.map((turn) => {
        const ok = turn.state === 'delivered';
        const text = ok ? turn.summary : (turn.reason ?? turn.summary);
        return (
          <li key={turn.number} className={`turn ${turn.state === null ? 'running' : ok ? 'ok' : 'bad'}`}>
            <strong>
              Turn {turn.number}
              {turn.state === null ? ' · running' : ` · ${OUTCOME[turn.state] ?? turn.state}`}
            </strong>
            {turn.messages.map((message) => (
              <span key={message} className="turn-ask muted">
                {' '}
                you asked: “{message.split('\n', 1)[0]}”
              </span>
            ))}
            {text && <p className="turn-summary">{text}</p>}
          </li>
        );
      })}
    </ol>
  );
}
