import { plural } from './format.ts';
import type { CheckSummary, ReviewFinding, StreamEvent, TodoItem } from './types.ts';

/** One item of the agent's plan (`todo.updated`). */
export type TodoEntry = TodoItem;

export interface ToolResult {
  seq: number;
  isError: boolean;
  summary: string;
  output: string;
  artifactId: string | undefined;
  /** Screenshots the call took (`browser`): PNG artifacts of the session. */
  images: Array<{ name: string; artifactId: string }>;
  durationMs: number;
}

interface Base {
  /** The seq of the event that opened the item: a stable React key. */
  seq: number;
  at: string;
}

/** What the session page shows, one entry per line of the timeline. */
export type TimelineItem =
  | (Base & { kind: 'created'; task: string; repo: string; ref: string; model: string })
  | (Base & { kind: 'state'; from: string; to: string; reason: string | undefined })
  | (Base & { kind: 'note'; text: string })
  | (Base & {
      kind: 'text';
      role: string;
      step: number;
      text: string;
      /** What the model thought first, as it streamed (`model.delta`), when it showed any. */
      reasoning?: string;
    })
  /** A reply still streaming (`model.delta`): replaced by its `text` entry once the step's response is in. */
  | (Base & { kind: 'live'; role: string; step: number; attempt: number; text: string; reasoning: string })
  | (Base & {
      kind: 'tool';
      role: string;
      step: number;
      toolCallId: string;
      tool: string;
      input: unknown;
      result: ToolResult | null;
      /** What drydock put right in the call as the model wrote it (`tool.call` `repaired`). */
      repaired?: string;
      /** What the command printed so far (`tool.output`), until its result replaces it. */
      liveOutput?: string;
    })
  | (Base & { kind: 'model-error'; role: string; step: number; message: string })
  | (Base & { kind: 'stopped'; role: string; outcome: string; detail: string })
  | (Base & { kind: 'todo'; role: string; step: number; items: TodoEntry[] })
  | (Base & {
      kind: 'checks-detected';
      checks: Array<{ name: string; command: string; source: string }>;
      notes: string[];
    })
  | (Base & { kind: 'checks'; phase: string; round: number; checks: CheckSummary[] })
  | (Base & {
      kind: 'gate';
      round: number;
      passed: boolean;
      problems: string[];
      warnings: string[];
      detectionErrors: string[];
      failToPass: string[];
      passToPass: number;
    })
  | (Base & { kind: 'review'; round: number; approved: boolean; summary: string; findings: ReviewFinding[] })
  | (Base & { kind: 'network'; host: string; port: number })
  | (Base & { kind: 'delivery'; text: string })
  | (Base & {
      kind: 'message';
      text: string;
      /** Who sent it (a token's name, a GitHub or Slack user); null on events from before drydock said. */
      byName: string | null;
      /** The step whose model call read it (the coder's next after it); null until one has. */
      readAtStep: number | null;
    })
  | (Base & {
      kind: 'friend';
      /** `tool`: the coder asked; `gate`: drydock asked after repeated gate failures. */
      trigger: string;
      model: string;
      question: string;
      files: string[];
      answer: string;
      inputTokens: number;
      outputTokens: number;
      costUsd: number;
    })
  | (Base & { kind: 'error'; code: string; message: string })
  | (Base & { kind: 'unknown'; type: string; fields: Record<string, unknown> });

type Fields = Record<string, unknown>;

const str = (v: unknown, fallback = ''): string => (typeof v === 'string' ? v : fallback);
const num = (v: unknown, fallback = 0): number => (typeof v === 'number' ? v : fallback);
const bool = (v: unknown): boolean => v === true;
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x) => typeof x === 'string') : []);
const role = (d: Fields): string => str(d.role, 'coder');

/** A follow-up from a person; the server's event name for it is matched loosely so a rename does not hide it. */
function isUserMessage(type: string, d: Fields): boolean {
  return !type.startsWith('model.') && /message|follow/.test(type) && typeof d.text === 'string';
}

function otherFields(d: Fields): Record<string, unknown> {
  const { type: _type, ...rest } = d;
  return rest;
}

const TODO_STATUSES = new Set(['pending', 'in_progress', 'done']);

/** A plan's items as the event carries them; anything malformed is left out rather than shown wrong. */
function todoItems(value: unknown): TodoEntry[] {
  if (!Array.isArray(value)) return [];
  return value.flatMap((entry): TodoEntry[] => {
    const item = (entry ?? {}) as Fields;
    const status = str(item.status);
    if (typeof item.text !== 'string' || !TODO_STATUSES.has(status)) return [];
    return [{ id: str(item.id), text: item.text, status: status as TodoEntry['status'] }];
  });
}

/** The agent's latest plan (the last `todo.updated` of the coder), or null before it wrote one. */
export function latestPlan(events: readonly StreamEvent[]): TodoEntry[] | null {
  for (let index = events.length - 1; index >= 0; index--) {
    const d = events[index]?.data as Fields | undefined;
    if (d?.type === 'todo.updated' && role(d) === 'coder') return todoItems(d.items);
  }
  return null;
}

/** Maps one event to a timeline item; null for events shown only through another item (tool results). */
function toItem(event: StreamEvent): TimelineItem | null {
  const d = event.data as Fields;
  const type = str(d.type, 'unknown');
  const base = { seq: event.seq, at: event.at };
  switch (type) {
    case 'session.created':
      return {
        ...base,
        kind: 'created',
        task: str(d.task),
        repo: str(d.repo),
        ref: str(d.ref),
        model: str(d.model),
      };
    case 'state.changed':
      return {
        ...base,
        kind: 'state',
        from: str(d.from),
        to: str(d.to),
        reason: typeof d.reason === 'string' ? d.reason : undefined,
      };
    case 'workspace.ready':
      return {
        ...base,
        kind: 'note',
        text: `workspace ready at ${str(d.baseCommit).slice(0, 10)} (${str(d.sandbox)}${d.warm === true ? ', from the warm pool' : ''})`,
      };
    case 'environment.planned': {
      const image = d.image as { reference?: unknown; digest?: unknown } | undefined;
      const on = image ? `; image ${str(image.reference)} (${str(image.digest).slice(0, 19)})` : '';
      return { ...base, kind: 'note', text: `environment: ${str(d.description)}${on}` };
    }
    case 'environment.obtaining':
      return { ...base, kind: 'note', text: `image ${str(d.source)}: ${str(d.step)}…` };
    case 'environment.image':
      return {
        ...base,
        kind: 'note',
        text: d.reused
          ? `environment image ${str(d.imageId)} reused: ${str(d.reason)}`
          : `environment image ${str(d.imageId)} built in ${Math.round(num(d.setupMs) / 100) / 10} s: ${str(d.reason)}`,
      };
    case 'environment.building':
      return { ...base, kind: 'note', text: `building the environment image: ${str(d.reason)}` };
    case 'environment.command':
      return { ...base, kind: 'note', text: `setup ${num(d.index) + 1}/${num(d.total)}: ${str(d.command)}` };
    case 'environment.setup':
      return { ...base, kind: 'note', text: `setup ran in the workspace: ${str(d.reason)}` };
    case 'environment.started':
      return {
        ...base,
        kind: 'note',
        text:
          d.separated === false
            ? 'start commands ran (beside the agent: it can read their environment)'
            : 'start commands ran',
      };
    case 'model.response':
      return str(d.text).trim() === ''
        ? null
        : { ...base, kind: 'text', role: role(d), step: num(d.step), text: str(d.text) };
    case 'model.delta':
      // Gathered into one live entry per step by buildTimeline.
      return null;
    case 'model.error':
      return { ...base, kind: 'model-error', role: role(d), step: num(d.step), message: str(d.message) };
    case 'model.retry':
      return {
        ...base,
        kind: 'note',
        text: `model call failed (${str(d.message)}); retrying in ${Math.round(num(d.waitMs) / 1000)} s${d.superseded === true ? ', starting the reply over' : ''}`,
      };
    case 'tool.call':
      return {
        ...base,
        kind: 'tool',
        role: role(d),
        step: num(d.step),
        toolCallId: str(d.toolCallId),
        tool: str(d.tool, '?'),
        input: d.input,
        result: null,
        ...(typeof d.repaired === 'string' ? { repaired: d.repaired } : {}),
      };
    case 'context.compacted':
      return {
        ...base,
        kind: 'note',
        text: `context compacted: ${plural(num(d.removedMessages), 'message')} summarised, ${num(d.tokensBefore)} → ${num(d.tokensAfter)} tokens`,
      };
    case 'friend.consulted': {
      const usage = (typeof d.usage === 'object' && d.usage !== null ? d.usage : {}) as Fields;
      return {
        ...base,
        kind: 'friend',
        trigger: str(d.trigger, 'tool'),
        model: str(d.model),
        question: str(d.question),
        files: strings(d.files),
        answer: str(d.answer),
        inputTokens: num(usage.inputTokens),
        outputTokens: num(usage.outputTokens),
        costUsd: num(usage.costUsd),
      };
    }
    case 'agent.stopped':
      return { ...base, kind: 'stopped', role: role(d), outcome: str(d.outcome), detail: str(d.detail) };
    case 'todo.updated':
      return { ...base, kind: 'todo', role: role(d), step: num(d.step), items: todoItems(d.items) };
    case 'checks.detected':
      return {
        ...base,
        kind: 'checks-detected',
        checks: Array.isArray(d.checks)
          ? (d.checks as Array<{ name: string; command: string; source: string }>)
          : [],
        notes: strings(d.notes),
      };
    case 'checks.completed':
      return {
        ...base,
        kind: 'checks',
        phase: str(d.phase),
        round: num(d.round),
        checks: Array.isArray(d.checks) ? (d.checks as CheckSummary[]) : [],
      };
    case 'gate.verdict':
      return {
        ...base,
        kind: 'gate',
        round: num(d.round),
        passed: bool(d.passed),
        problems: strings(d.problems),
        warnings: strings(d.warnings),
        detectionErrors: strings(d.detectionErrors),
        failToPass: strings(d.failToPass),
        passToPass: num(d.passToPass),
      };
    case 'review.completed':
      return {
        ...base,
        kind: 'review',
        round: num(d.round),
        approved: bool(d.approved),
        summary: str(d.summary),
        findings: Array.isArray(d.findings) ? (d.findings as ReviewFinding[]) : [],
      };
    case 'sandbox.restored':
      return {
        ...base,
        kind: 'note',
        text: `sandbox restored from the last step (${Array.isArray(d.fromLayers) ? d.fromLayers.length : 0} layers): ${str(d.reason)}`,
      };
    case 'cancel.requested':
      return {
        ...base,
        kind: 'note',
        text: typeof d.byName === 'string' ? `cancel requested by ${d.byName}` : 'cancel requested',
      };
    case 'session.handed_off':
      return { ...base, kind: 'note', text: `handed off while ${str(d.state)}: another worker resumes it` };
    case 'network.blocked':
      return { ...base, kind: 'network', host: str(d.host), port: num(d.port) };
    case 'mcp.started': {
      const tools = strings(d.tools);
      const denied = strings(d.denied);
      return {
        ...base,
        kind: 'note',
        text: `MCP server ${str(d.server)} (${str(d.transport)}): ${plural(tools.length, 'tool')}${denied.length > 0 ? `, ${denied.length} denied` : ''}`,
      };
    }
    case 'mcp.failed':
      return {
        ...base,
        kind: 'note',
        text: `MCP server ${str(d.server)} ${str(d.reason) === 'refused' ? 'refused' : 'failed to start'}: ${str(d.message)} (going on without it)`,
      };
    case 'mcp.call':
      return {
        ...base,
        kind: 'note',
        text: `${d.ok === true ? '✓' : '✗'} MCP ${str(d.server)}.${str(d.tool)} ${str(d.args)} (${num(d.durationMs)} ms)`,
      };
    case 'delivery.committed':
      return {
        ...base,
        kind: 'delivery',
        text: `committed ${str(d.commit).slice(0, 10)}: ${plural(num(d.filesChanged), 'file')}, +${num(d.insertions)} −${num(d.deletions)}`,
      };
    case 'delivery.branch':
      return { ...base, kind: 'delivery', text: `branch ${str(d.branch)} at ${str(d.commit).slice(0, 10)}` };
    case 'pull.closed':
      return {
        ...base,
        kind: 'delivery',
        text: `pull request #${num(d.number)} ${d.merged === true ? 'merged' : 'closed unmerged'}${typeof d.by === 'string' ? ` by ${d.by}` : ''}`,
      };
    case 'review.findings_resolved':
      return {
        ...base,
        kind: 'note',
        text: `${plural(strings(d.keys).length, 'finding')} of this review acted on: ${d.how === 'fixed' ? `fixed by session ${str(d.by)}` : `gone in the review of session ${str(d.by)}`} at ${str(d.commit).slice(0, 10)}`,
      };
    case 'session.error':
      return { ...base, kind: 'error', code: str(d.code), message: str(d.message) };
    case 'knowledge.proposed':
      return { ...base, kind: 'note', text: `knowledge proposed for approval: ${strings(d.ids).join(', ')}` };
    case 'playbook.applied':
      return {
        ...base,
        kind: 'note',
        text: `playbook ${str(d.name)} (${str(d.source)}): ${strings(d.steps).length} steps in the plan`,
      };
    case 'knowledge.retrieved':
      return {
        ...base,
        kind: 'note',
        text: `knowledge for the ${str(d.role)}: ${strings(d.ids).join(', ') || 'none relevant'}${strings(d.stale).length > 0 ? `; stale, left out: ${strings(d.stale).join(', ')}` : ''}`,
      };
    // A parent's children, said as the CLI says them; the panel above the tabs shows them in full.
    case 'child.spawned':
      return {
        ...base,
        kind: 'note',
        text: `started ${str(d.kind, 'child')} ${str(d.childId)} (${str(d.model)}): ${str(d.task).split('\n', 1)[0]}`,
      };
    case 'child.ended':
      return {
        ...base,
        kind: 'note',
        text: `${str(d.childId)} ${str(d.state).replace('_', ' ')}${d.reason ? `: ${str(d.reason)}` : ''}`,
      };
    case 'child.integrated': {
      const conflicts = strings(d.conflicts);
      return {
        ...base,
        kind: 'note',
        text: `took in ${str(d.childId)}'s change (${plural(strings(d.files).length, 'file')}${conflicts.length > 0 ? `; conflicts in ${conflicts.join(', ')}` : ''})`,
      };
    }
    case 'attempts.chosen':
      return {
        ...base,
        kind: 'note',
        text:
          typeof d.winnerId === 'string'
            ? `chose ${d.winnerId}: ${str(d.reason)}`
            : `no attempt qualified: ${str(d.reason)}`,
      };
    default:
      if (isUserMessage(type, d)) {
        const byName = typeof d.byName === 'string' ? d.byName : null;
        return { ...base, kind: 'message', text: str(d.text), byName, readAtStep: null };
      }
      return { ...base, kind: 'unknown', type, fields: otherFields(d) };
  }
}

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
        const reply = toItem(event);
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
    const item = toItem(event);
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
