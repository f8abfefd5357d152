import { bool, type Fields, num, role, str, strings } from './event-fields.ts';
import { plural } from './format.ts';
import { todoItems } from './latest-plan.ts';
import type { TimelineItem } from './timeline-item.ts';
import type { CheckSummary, ReviewFinding, StreamEvent } from './types.ts';

/** A follow-up from a person; the server's event name for it is matched loosely so a rename does not hide it. */
function isUserMessage(type: string, d: Fields): boolean {
  return !type.startsWith('model.') && /message|follow/.test(type) && typeof d.text === 'string';
}

function otherFields(d: Fields): Record<string, unknown> {
  const { type: _type, ...rest } = d;
  return rest;
}

/** Maps one event to a timeline item; null for events shown only through another item (tool results). */
export function itemOfEvent(event: StreamEvent): TimelineItem | null {
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
