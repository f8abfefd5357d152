import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { type AuditActor, type AuditSink, cutText, recordAudit } from '../core/audit.ts';

/** The MCP tools that act, and the audit action each records; the rest only read and are not recorded. */
export const ACTING_TOOLS: Readonly<Record<string, string>> = {
  create_session: 'session.created',
  send_message: 'session.messaged',
  cancel_session: 'session.cancelled',
};

/**
 * Records a call of an acting MCP tool (ACTING_TOOLS) in the audit log, as the REST API records its
 * routes: who, which session, and whether it was done (`ok`) or refused (`refused`: the tool answered an
 * error). Other tools record nothing. Never throws.
 */
export async function auditToolCall(
  sink: AuditSink,
  actor: AuditActor,
  tool: string,
  args: unknown,
  answer: CallToolResult,
  onError: (error: unknown) => void,
): Promise<void> {
  const action = ACTING_TOOLS[tool];
  if (action === undefined) return;
  const input = typeof args === 'object' && args !== null ? (args as Record<string, unknown>) : {};
  const created = answer.structuredContent?.id;
  const target = typeof input.id === 'string' ? input.id : typeof created === 'string' ? created : null;
  const text = typeof input.text === 'string' ? input.text : null;
  const task = typeof input.task === 'string' ? input.task : null;
  const error = answer.isError ? answer.content.find((part) => part.type === 'text') : undefined;
  await recordAudit(
    sink,
    {
      actor,
      action,
      target,
      details: {
        via: 'mcp',
        tool,
        ...(text !== null ? { chars: text.length, text } : {}),
        ...(task !== null ? { task } : {}),
        ...(typeof input.repo === 'string' ? { repo: input.repo } : {}),
        ...(error?.type === 'text' ? { error: cutText(error.text) } : {}),
      },
      outcome: answer.isError ? 'refused' : 'ok',
    },
    onError,
  );
}
