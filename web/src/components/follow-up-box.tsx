import { useMutation } from '@tanstack/react-query';
import { type FormEvent, type KeyboardEvent, useState } from 'react';
import { useApi } from '../api-context.ts';
import { isTerminalState } from '../types.ts';
import { ErrorBanner } from './error-banner.tsx';
import type { PendingMessage } from './session-page.tsx';

interface FollowUpBoxProps {
  sessionId: string;
  state: string;
  /** The session's branch, if it delivered one: a new turn commits on top of it. */
  branch: string | null;
  onSent: (message: PendingMessage) => void;
}

/** A follow-up for the agent: read at its next step, or a new turn once it has ended (on its branch, if it has one). */
export function FollowUpBox({ sessionId, state, branch, onSent }: FollowUpBoxProps) {
  const api = useApi();
  const [text, setText] = useState('');
  const sending = useMutation({
    mutationFn: (value: string) => api.sendMessage(sessionId, value),
    onSuccess: (answer, value) => {
      onSent({ seq: answer.seq, text: value });
      setText('');
    },
  });
  const busy = sending.isPending;
  const ended = isTerminalState(state);

  const send = (event?: FormEvent) => {
    event?.preventDefault();
    const value = text.trim();
    if (value === '' || busy) return;
    sending.mutate(value);
  };

  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (event.key === 'Enter' && (event.metaKey || event.ctrlKey)) send();
  };

  return (
    <form className="follow-up" onSubmit={send}>
      <ErrorBanner error={sending.error} />
      <textarea
        name="message"
        rows={2}
        placeholder={
          ended
            ? branch
              ? 'Follow up: opens a new turn on the same branch (⌘/Ctrl+Enter to send)'
              : 'Follow up: opens a new turn of this session (⌘/Ctrl+Enter to send)'
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
