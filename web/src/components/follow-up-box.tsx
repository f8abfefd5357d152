import { type FormEvent, type KeyboardEvent, useState } from 'react';
import { useApi } from '../api-context.ts';
import { isTerminalState } from '../types.ts';
import { ErrorBanner } from './error-banner.tsx';
import type { PendingMessage } from './session-page.tsx';

interface FollowUpBoxProps {
  sessionId: string;
  state: string;
  onSent: (message: PendingMessage) => void;
}

/** A follow-up for the agent: read at its next step, or a new turn on the same branch once it has ended. */
export function FollowUpBox({ sessionId, state, onSent }: FollowUpBoxProps) {
  const api = useApi();
  const [text, setText] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const ended = isTerminalState(state);

  const send = async (event?: FormEvent) => {
    event?.preventDefault();
    const value = text.trim();
    if (value === '' || busy) return;
    setBusy(true);
    setError(null);
    try {
      const answer = await api.sendMessage(sessionId, value);
      onSent({ seq: answer.seq, text: value });
      setText('');
    } catch (cause) {
      setError(cause);
    } finally {
      setBusy(false);
    }
  };

  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (event.key === 'Enter' && (event.metaKey || event.ctrlKey)) void send();
  };

  return (
    <form className="follow-up" onSubmit={send}>
      <ErrorBanner error={error} />
      <textarea
        name="message"
        rows={2}
        placeholder={
          ended
            ? 'Follow up: opens a new turn on the same branch (⌘/Ctrl+Enter to send)'
            : 'Tell the agent something; it reads it at its next step (⌘/Ctrl+Enter to send)'
        }
        value={text}
        onChange={(e) => setText(e.target.value)}
        onKeyDown={onKeyDown}
      />
      <button type="submit" className="button primary" disabled={busy || text.trim() === ''}>
        {busy ? 'Sending…' : 'Send'}
      </button>
    </form>
  );
}
