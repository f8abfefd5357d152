import type { CheckSummary, SessionEvent } from '../core/events.ts';
import { formatMs } from '../core/format-ms.ts';
import { truncateText } from '../core/truncate.ts';

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
          : tool === 'apply_patch'
            ? patchedPaths(text(fields.patch))
            : tool === 'finish' || tool === 'give_up' || tool === 'todo' || tool === 'run_checks'
              ? ''
              : text(fields.path);
  return oneLine(`${tool} ${main}`.trim(), 100);
}

/** The files a patch names on its +++ lines (--- for a deletion), without git's prefixes. */
function patchedPaths(patch: string): string {
  const paths = new Set<string>();
  let old = '';
  for (const line of patch.split('\n')) {
    if (line.startsWith('--- ')) old = line.slice(4).trim();
    if (!line.startsWith('+++ ')) continue;
    const path = line.slice(4).trim();
    paths.add((path === '/dev/null' ? old : path).replace(/^[ab]\//, ''));
  }
  return [...paths].join(' ');
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
        return `  workspace at ${data.baseCommit.slice(0, 10)} (${data.sandbox} sandbox${data.hostUid === undefined ? '' : ` as host uid ${data.hostUid}`}${data.warm ? ', from the warm pool' : ''})`;
      case 'environment.planned':
        return `  environment: ${data.description}${data.setup.length > 0 ? ` (setup: ${data.setup.join(' && ')})` : ''}${data.node ? `; Node ${data.node.map((each) => `${each.requirement} (${each.source})`).join(', ')}` : ''}${data.image ? `; image ${data.image.reference} (${data.image.digest.slice(0, 19)}${data.image.unpacked ? ', unpacked now' : ''})` : ''}`;
      case 'environment.obtaining':
        return `  image ${data.source}: ${data.step}…`;
      case 'environment.image':
        return data.reused
          ? `  environment image ${data.imageId}: reused, no setup (${data.reason})`
          : `  environment image ${data.imageId}: built in ${formatMs(data.setupMs)} (${data.reason})`;
      case 'environment.building':
        return `  building the environment image (${data.reason})…`;
      case 'environment.command':
        return `  setup ${data.index + 1}/${data.total}: ${data.command}`;
      case 'environment.setup':
        return `  setup ran in the workspace in ${formatMs(data.durationMs)} (${data.reason})`;
      case 'environment.started':
        return `  start: ${data.commands.join(' && ')} (${formatMs(data.durationMs)}${data.separated === false ? '; services run beside the agent, which can read their environment' : ''})`;
      case 'model.response':
        return data.text.trim() === '' ? null : `  ${who(data.role)}${oneLine(data.text, 120)}`;
      case 'model.delta':
        // The reply as it streams is for the web UI; the CLI prints the finished reply.
        return null;
      case 'model.error':
        return `  ${who(data.role)}model error: ${oneLine(data.message, 200)}`;
      case 'model.retry':
        return `  ${who(data.role)}model call failed (${oneLine(data.message, 120)}); retrying in ${formatMs(data.waitMs)}`;
      case 'tool.output':
        // A running command's output is for the web UI: the CLI prints one line per step, and the
        // call's result line (its summary and duration) follows when the command ends.
        return null;
      case 'tool.call':
        this.#calls.set(data.toolCallId, describeToolCall(data.tool, data.input));
        return null;
      case 'tool.result': {
        const call = this.#calls.get(data.toolCallId) ?? data.tool;
        const mark = data.isError ? '✗' : '✓';
        return `  ${who(data.role)}${mark} ${call} → ${oneLine(data.summary, 80)} (${formatMs(data.durationMs)})`;
      }
      case 'context.compacted':
        return `  compacted the conversation: ${data.removedMessages} messages summarised (~${data.tokensBefore} → ~${data.tokensAfter} tokens)`;
      case 'friend.consulted':
        return `  ${data.trigger === 'gate' ? 'drydock asked the friend about the failures' : 'asked the friend'} (${data.model}, $${data.usage.costUsd.toFixed(4)}): ${oneLine(data.answer, 160)}`;
      case 'agent.stopped':
        return data.role === 'reviewer'
          ? null
          : `  agent stopped (${data.outcome}): ${oneLine(data.detail, 200)}`;
      case 'todo.updated': {
        const done = data.items.filter((item) => item.status === 'done').length;
        const now = data.items.find((item) => item.status === 'in_progress');
        return `  plan: ${done}/${data.items.length} done${now ? `; now: ${oneLine(now.text, 100)}` : ''}`;
      }
      case 'checks.detected':
        return data.checks.length === 0
          ? '  no checks found (no test, typecheck or lint command detected)'
          : [
              `  checks: ${data.checks.map((check) => `${check.command} (${check.source})`).join(', ')}`,
              ...(data.notes ?? []).map((note) => `  note: ${note}`),
            ].join('\n');
      case 'checks.completed':
        return `  ${data.phase === 'baseline' ? 'baseline' : `checks, round ${data.round}`}: ${data.checks.map(describeCheck).join('; ')}`;
      case 'gate.verdict':
        return [
          data.passed
            ? `  gate passed${data.warnings.length > 0 ? ` with ${plural(data.warnings.length, 'warning')}` : ''}`
            : `  gate failed: ${oneLine(data.problems.join('; '), 200)}`,
          ...(data.detectionErrors ?? []).map(
            (error) => `  could not read test results: ${oneLine(error, 200)}`,
          ),
        ].join('\n');
      case 'review.completed':
        return data.approved
          ? `  reviewer approved (round ${data.round}): ${oneLine(data.summary, 120)}`
          : `  reviewer, round ${data.round}: ${plural(data.findings.length, 'finding')}${data.verified === undefined ? '' : ` (${data.verified} verified)`}: ${oneLine(data.findings.map((f) => `${f.severity} ${f.file}`).join(', '), 120)}`;
      case 'change.taken_in':
        return `  took in ${data.baseCommit.slice(0, 10)}..${data.headCommit.slice(0, 10)}: ${plural(data.files.length, 'file')} changed`;
      case 'delivery.committed':
        return `  committed ${data.commit.slice(0, 10)}: ${plural(data.filesChanged, 'file')}, +${data.insertions} -${data.deletions}`;
      case 'delivery.branch':
        return `  branch ${data.branch} in ${data.repo}`;
      case 'pull.closed':
        return `  pull request #${data.number} ${data.merged ? 'merged' : 'closed unmerged'}${data.by ? ` by ${data.by}` : ''}`;
      case 'review.findings_resolved':
        return `  ${plural(data.keys.length, 'finding')} acted on: ${data.how === 'gone' ? `gone in review ${data.by}` : `fixed by ${data.by}`} at ${data.commit.slice(0, 10)}`;
      case 'child.spawned':
        return `  ${data.kind} ${data.childId} (${data.model}): ${oneLine(data.task, 80)}`;
      case 'child.ended':
        return `  ${data.childId} ${data.state}${data.reason ? `: ${oneLine(data.reason, 160)}` : ''}`;
      case 'child.integrated':
        return `  took in ${data.childId}'s change (${data.files.length} file${data.files.length === 1 ? '' : 's'}${data.conflicts.length > 0 ? `; conflicts in ${data.conflicts.join(', ')}` : ''})`;
      case 'attempts.chosen':
        return data.winnerId === null
          ? `  no attempt qualified: ${oneLine(data.reason, 200)}`
          : `  chose ${data.winnerId}: ${oneLine(data.reason, 200)}`;
      case 'network.blocked':
        return `  blocked: ${data.host}:${data.port}`;
      case 'mcp.started':
        return `  MCP server ${data.server} (${data.transport}): ${data.tools.length} tool${data.tools.length === 1 ? '' : 's'}${data.denied.length > 0 ? `, ${data.denied.length} denied` : ''}`;
      case 'mcp.failed':
        return `  MCP server ${data.server} ${data.reason === 'refused' ? 'refused' : 'failed to start'}: ${oneLine(data.message, 200)} (going on without it)`;
      case 'mcp.call':
        return `  ${who(data.role)}${data.ok ? '✓' : '✗'} mcp ${data.server}.${data.tool} ${oneLine(data.args, 80)} (${formatMs(data.durationMs)})`;
      case 'sandbox.restored':
        return `  sandbox died (${oneLine(data.reason, 160)}); restored from the last step's snapshot`;
      case 'message.received':
        return `follow-up${data.byName ? ` from ${data.byName}` : ''}: ${oneLine(data.text, 160)}`;
      case 'cancel.requested':
        return data.byName ? `cancel requested by ${data.byName}` : 'cancel requested';
      case 'session.handed_off':
        return `handed off while ${data.state}: another worker resumes it`;
      case 'session.error':
        return `  error (${data.code}): ${oneLine(data.message, 300)}`;
      case 'knowledge.proposed':
        return `  knowledge proposed for approval: ${data.ids.join(', ')} (drydock knowledge list --status pending)`;
      case 'playbook.applied':
        return `playbook ${data.name} (${data.source})${inputList(data.inputs)}: ${plural(data.steps.length, 'step')} in the plan`;
      case 'knowledge.retrieved':
        return `  knowledge for the ${data.role}: ${data.ids.length > 0 ? data.ids.join(', ') : 'none relevant'}${data.stale.length > 0 ? `; stale, left out: ${data.stale.join(', ')}` : ''}`;
    }
  }
}

function inputList(inputs: Record<string, string>): string {
  const given = Object.entries(inputs).filter(([, value]) => value !== '');
  return given.length > 0
    ? ` with ${given.map(([key, value]) => `${key}=${oneLine(value, 60)}`).join(' ')}`
    : '';
}

export function oneLine(text: string, maxChars: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return truncateText(flat, maxChars);
}

export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

function who(role: string | undefined): string {
  return role === undefined || role === 'coder' ? '' : `${role}: `;
}

function describeCheck(check: CheckSummary): string {
  const status = check.timedOut ? 'timed out' : check.exitCode === 0 ? 'ok' : `exit ${check.exitCode}`;
  const tests = check.tests
    ? `, ${check.tests.passed} passed, ${check.tests.failed} failed`
    : check.testsUnreadable
      ? `, tests unknown: ${check.testsUnreadable}`
      : '';
  const diagnostics = check.diagnostics ? `, ${plural(check.diagnostics, 'diagnostic')}` : '';
  return `${check.name} ${status}${tests}${diagnostics}`;
}

export { formatMs };
