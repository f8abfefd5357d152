import { bool, type Fields, num, role, str } from './event-fields.ts';
import { itemOfEvent } from './item-of-event.ts';
import type { TimelineItem, ToolResult } from './timeline-item.ts';
import type { StreamEvent } from './types.ts';

/**
 * Builds the timeline from the event log (ordered by seq). Tool results attach to their call; a result
 * whose call is missing is shown on its own. Pure, so the page can rebuild it for each new event.
 */
export function buildTimeline(events: readonly StreamEvent[]): TimelineItem[] {
  const items: TimelineItem[] = [];
  const calls = new Map<string, Extract<TimelineItem, { kind: 'tool' }>>();
  // The reply each agent is streaming, by `role:step`; ended ones are dropped from the timeline below.
  const live = new Map<string, LiveItem>();
  const ended = new Set<LiveItem>();
  // Follow-ups the coder has not read yet, with the step it was at when each came: it reads them all
  // before its next model call, the first of a later step.
  let unread: Array<{ item: Extract<TimelineItem, { kind: 'message' }>; afterStep: number }> = [];
  let coderStep = 0;
  for (const event of events) {
    const d = event.data as Fields;
    const key = `${role(d)}:${num(d.step)}`;
    if (role(d) === 'coder' && typeof d.step === 'number') {
      if (d.type === 'model.delta' || d.type === 'model.response') {
        const step = num(d.step);
        unread = unread.filter((message) => {
          if (step <= message.afterStep) return true;
          message.item.readAtStep = step;
          return false;
        });
      }
      coderStep = Math.max(coderStep, num(d.step));
    }
    if (d.type === 'tool.output') {
      const call = calls.get(str(d.toolCallId));
      if (call && call.result === null) call.liveOutput = (call.liveOutput ?? '') + str(d.text);
      continue;
    }
    if (d.type === 'model.delta') {
      let item = live.get(key);
      if (item === undefined) {
        item = {
          seq: event.seq,
          at: event.at,
          kind: 'live',
          role: role(d),
          step: num(d.step),
          attempt: 1,
          text: '',
          reasoning: '',
        };
        live.set(key, item);
        items.push(item);
      }
      // A retry starts the reply again: the failed attempt's text is void.
      if (num(d.attempt, 1) > item.attempt)
        Object.assign(item, { attempt: num(d.attempt, 1), text: '', reasoning: '' });
      item.text += str(d.text);
      item.reasoning += str(d.reasoning);
      continue;
    }
    if (d.type === 'model.retry' && d.superseded === true) {
      const item = live.get(key);
      if (item) Object.assign(item, { attempt: item.attempt + 1, text: '', reasoning: '' });
    }
    if (d.type === 'model.response' || d.type === 'model.error' || d.type === 'agent.stopped') {
      const item = live.get(key);
      if (item) {
        ended.add(item);
        live.delete(key);
        const reply = itemOfEvent(event);
        if (reply?.kind === 'text' && item.reasoning !== '') reply.reasoning = item.reasoning;
        if (reply !== null) items.push(reply);
        continue;
      }
    }
    if (d.type === 'tool.result') {
      const result: ToolResult = {
        seq: event.seq,
        isError: bool(d.isError),
        summary: str(d.summary),
        output: str(d.output),
        artifactId: typeof d.artifactId === 'string' ? d.artifactId : undefined,
        images: toolImages(d.images),
        durationMs: num(d.durationMs),
      };
      const call = calls.get(str(d.toolCallId));
      if (call) {
        call.result = result;
      } else {
        items.push({
          seq: event.seq,
          at: event.at,
          kind: 'tool',
          role: role(d),
          step: num(d.step),
          toolCallId: str(d.toolCallId),
          tool: str(d.tool, '?'),
          input: undefined,
          result,
        });
      }
      continue;
    }
    const item = itemOfEvent(event);
    if (item === null) continue;
    if (item.kind === 'tool') calls.set(item.toolCallId, item);
    if (item.kind === 'message') unread.push({ item, afterStep: coderStep });
    items.push(item);
  }
  // A plan written without error shows as its checklist (the todo.updated entry), not as a tool call too;
  // a reply that ended shows as its response, not live.
  return items.filter(
    (item) =>
      !(item.kind === 'tool' && item.tool === 'todo' && item.result?.isError === false) &&
      !(item.kind === 'live' && ended.has(item)),
  );
}

type LiveItem = Extract<TimelineItem, { kind: 'live' }>;

/**
 * Adds an event to a seq-ordered log, ignoring duplicates: a reconnect replays from Last-Event-ID, and two
 * sources (replay and live) may overlap. Returns the same array when nothing changed.
 */
export function appendEvent(events: readonly StreamEvent[], event: StreamEvent): readonly StreamEvent[] {
  const last = events.at(-1);
  if (last === undefined || event.seq > last.seq) return [...events, event];
  if (events.some((e) => e.seq === event.seq)) return events;
  return [...events, event].sort((a, b) => a.seq - b.seq);
}

/** A `tool.result`'s screenshots, the malformed ones left out. */
function toolImages(value: unknown): Array<{ name: string; artifactId: string }> {
  if (!Array.isArray(value)) return [];
  return value.flatMap((entry: unknown) => {
    if (typeof entry !== 'object' || entry === null) return [];
    const { name, artifactId } = entry as Record<string, unknown>;
    return typeof name === 'string' && typeof artifactId === 'string' ? [{ name, artifactId }] : [];
  });
}
