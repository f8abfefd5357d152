import type { SessionEvent } from '../core/events.ts';

/** Turns a tool call's input into the few words a person needs ("bash npm test"). Pure. */
export function describeToolCall(tool: string, input: unknown): string {
  const fields = (input ?? {}) as Record<string, unknown>;
  const text = (value: unknown) => (typeof value === 'string' ? value : '');
  const main =
    tool === 'bash'
      ? text(fields.command)
      : tool === 'search'
        ? `/${text(fields.pattern)}/${fields.path ? ` in ${text(fields.path)}` : ''}`
        : tool === 'list_files'
          ? text(fields.pattern)
          : tool === 'finish' || tool === 'give_up'
            ? ''
            : text(fields.path);
  return oneLine(`${tool} ${main}`.trim(), 100);
}

/**
 * Renders the event log for people, one line per step. Stateful only to pair a tool result with
 * its call; otherwise a pure mapping from event to line (null: nothing to show).
 */
export class EventRenderer {
  readonly #calls = new Map<string, string>();

  render(event: SessionEvent): string | null {
    const data = event.data;
    switch (data.type) {
      case 'session.created':
        return `session created: ${oneLine(data.task, 80)}`;
      case 'state.changed':
        return `→ ${data.to}${data.reason ? `: ${oneLine(data.reason, 200)}` : ''}`;
      case 'workspace.ready':
        return `  workspace at ${data.baseCommit.slice(0, 10)} (${data.sandbox} sandbox)`;
      case 'model.response':
        return data.text.trim() === '' ? null : `  ${oneLine(data.text, 120)}`;
      case 'model.error':
        return `  model error: ${oneLine(data.message, 200)}`;
      case 'tool.call':
        this.#calls.set(data.toolCallId, describeToolCall(data.tool, data.input));
        return null;
      case 'tool.result': {
        const call = this.#calls.get(data.toolCallId) ?? data.tool;
        const mark = data.isError ? '✗' : '✓';
        return `  ${mark} ${call} → ${oneLine(data.summary, 80)} (${formatMs(data.durationMs)})`;
      }
      case 'context.compacted':
        return `  compacted the conversation: ${data.removedMessages} messages summarised (~${data.tokensBefore} → ~${data.tokensAfter} tokens)`;
      case 'agent.stopped':
        return `  agent stopped (${data.outcome}): ${oneLine(data.detail, 200)}`;
      case 'delivery.committed':
        return `  committed ${data.commit.slice(0, 10)}: ${plural(data.filesChanged, 'file')}, +${data.insertions} -${data.deletions}`;
      case 'delivery.branch':
        return `  branch ${data.branch} in ${data.repo}`;
      case 'session.error':
        return `  error (${data.code}): ${oneLine(data.message, 300)}`;
    }
  }
}

export function formatMs(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

export function oneLine(text: string, maxChars: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > maxChars ? `${flat.slice(0, maxChars - 1)}…` : flat;
}

export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
