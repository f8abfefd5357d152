import { z } from 'zod';
import type { EventData } from '../../core/events.ts';
import type { Usage } from '../../core/session.ts';
import type { SessionState } from '../../core/session-state.ts';
import { truncateText } from '../../core/truncate.ts';
import { defineTool, type ToolDefinition, type ToolOutput } from '../tool.ts';

/** A child session as the manager sees it in a tool's answer. */
export interface ChildReport {
  id: string;
  state: SessionState;
  task: string;
  model: string;
  /** Its agent's summary when it finished, or null. */
  summary: string | null;
  /** Why it bowed out, failed or was cancelled, or null. */
  reason: string | null;
  costUsd: number;
}

/** A child's result in full: its change, its gate's verdict and its reviewer's findings. */
export interface ChildDetail extends ChildReport {
  /** Its change against the manager's base commit, truncated; empty: none. */
  diff: string;
  /** The gate's last verdict in words, or null: the checks never ran. */
  checks: string | null;
  /** The reviewer's findings, one line each. */
  findings: string[];
}

/**
 * What the manager's tools need from the session (sessions/manager/child-desk.ts): spawning and running
 * children, reading their results, and taking their changes in. Methods throw `ToolError` for what the
 * model should read (an unknown id, a limit reached). Each tool ends with `rollUp`, which hands back the
 * cost children spent since the last call (the loop adds it to the manager's usage and budget) and a
 * `child.ended` event for each child that ended since.
 */
export interface ChildDesk {
  spawn(input: { task: string; context?: string; model?: string }): Promise<ChildReport>;
  /** Resolves once every child named (default: every live child) has ended, or early on a cancel or hand-off. */
  wait(
    ids: string[] | undefined,
    signal: AbortSignal,
  ): Promise<{ reports: ChildReport[]; interrupted: boolean }>;
  result(id: string): Promise<ChildDetail>;
  message(id: string, text: string): Promise<ChildReport>;
  cancel(id: string): Promise<ChildReport>;
  integrate(id: string): Promise<{ files: string[]; conflicts: string[] }>;
  rollUp(): Promise<{ usage: Usage | null; events: EventData[] }>;
}

/** The most characters of a child's diff `child_result` shows. */
export const CHILD_DIFF_CHARS = 20_000;

/** The manager's six child tools, over `desk`. Only a manager gets them: a child never does (depth 2). */
export function createChildTools(desk: ChildDesk): ToolDefinition[] {
  /** A tool's answer with what children spent and how they ended since the last one. */
  const answer = async (output: Omit<ToolOutput, 'usage'>): Promise<ToolOutput> => {
    const rolled = await desk.rollUp();
    return {
      ...output,
      ...(rolled.usage ? { usage: rolled.usage } : {}),
      events: [...(output.events ?? []), ...rolled.events],
    };
  };
  return [
    defineTool({
      name: 'spawn_child',
      description:
        'Start a child session on one independent part of the task: a full coding agent with its own ' +
        'sandbox and copy of the repository at your base commit, its own verification gate and reviewer. ' +
        'It starts at once and runs in the background; its change stays apart until you integrate_child it. ' +
        'Give it a self-contained task (what to change, where, how to check it) and any context it needs: ' +
        'it cannot see your conversation. Returns the child id. Refused when the fan-out or the cost limit ' +
        'is reached.',
      inputSchema: z.object({
        task: z
          .string()
          .trim()
          .min(1)
          .max(20_000)
          .describe('The part of the work this child does, self-contained'),
        context: z
          .string()
          .max(20_000)
          .optional()
          .describe('What the child should know: files, conventions, what the other parts do'),
        model: z
          .string()
          .trim()
          .min(1)
          .optional()
          .describe("The child's model as provider:model; default: this session's model"),
      }),
      async execute(input: { task: string; context?: string; model?: string }) {
        const child = await desk.spawn(input);
        return answer({
          output: `Spawned child ${child.id} (${child.model}): it is running. Call wait_children to wait for it.`,
          summary: `spawned ${child.id}`,
          events: [
            { type: 'child.spawned', childId: child.id, kind: 'child', task: child.task, model: child.model },
          ],
        });
      },
    }),
    defineTool({
      name: 'wait_children',
      description:
        "Wait until children end (default: every child still running) and get each one's state with its " +
        'summary or the reason it did not deliver. A delivered child passed its gate and review; read its ' +
        'change with child_result and take it in with integrate_child.',
      inputSchema: z.object({
        ids: z
          .array(z.string().min(1))
          .max(50)
          .optional()
          .describe('Children to wait for; default: all running'),
      }),
      async execute(input: { ids?: string[] }, { signal }) {
        const { reports, interrupted } = await desk.wait(input.ids, signal);
        const lines = reports.map(reportLine);
        const output =
          reports.length === 0
            ? 'No children to wait for.'
            : `${interrupted ? 'Stopped waiting: this run is stopping (cancelled, or handed to another worker). As they stand now (if you go on, call wait_children again):\n' : ''}${lines.join('\n')}`;
        return answer({ output, summary: `${reports.length} children: ${countStates(reports)}` });
      },
    }),
    defineTool({
      name: 'child_result',
      description:
        "A child's result in full: state, summary or reason, its change as a diff (truncated), its gate's " +
        "verdict on the checks, and its reviewer's findings.",
      inputSchema: z.object({ id: z.string().min(1).describe('The child id') }),
      async execute(input: { id: string }) {
        const child = await desk.result(input.id);
        const output = [
          reportLine(child),
          `Checks: ${child.checks ?? 'never ran'}`,
          `Findings: ${child.findings.length === 0 ? 'none' : `\n${child.findings.map((f) => `- ${f}`).join('\n')}`}`,
          child.diff === '' ? 'Change: none' : `Change:\n${truncateText(child.diff, CHILD_DIFF_CHARS)}`,
        ].join('\n');
        return answer({ output, summary: `${child.id} ${child.state}` });
      },
    }),
    defineTool({
      name: 'message_child',
      description:
        'Send a child a message. A running child reads it before its next step; a delivered or bowed-out ' +
        'child starts a new turn on the same workspace with it (to fix what you found, or to try again ' +
        'after a bow-out). A failed or cancelled child cannot take one: spawn a new child instead.',
      inputSchema: z.object({
        id: z.string().min(1).describe('The child id'),
        text: z.string().trim().min(1).max(20_000).describe('What the child should do'),
      }),
      async execute(input: { id: string; text: string }) {
        const child = await desk.message(input.id, input.text);
        return answer({
          output: `Sent to ${child.id}; it is ${child.state}${child.state === 'queued' ? ' (a new turn, running again)' : ''}.`,
          summary: `messaged ${child.id}`,
        });
      },
    }),
    defineTool({
      name: 'cancel_child',
      description: 'Cancel a child: it stops at its next step and its change is dropped.',
      inputSchema: z.object({ id: z.string().min(1).describe('The child id') }),
      async execute(input: { id: string }) {
        const child = await desk.cancel(input.id);
        return answer({ output: reportLine(child), summary: `${child.id} ${child.state}` });
      },
    }),
    defineTool({
      name: 'integrate_child',
      description:
        "Take a delivered child's change into your workspace (uncommitted, merged with your own changes). " +
        'Returns the files it touched; where it collided with changes already here the file holds git ' +
        'conflict markers (<<<<<<< ======= >>>>>>>): resolve them with your editing tools, then check the whole.',
      inputSchema: z.object({ id: z.string().min(1).describe('The child id') }),
      async execute(input: { id: string }) {
        const { files, conflicts } = await desk.integrate(input.id);
        const output =
          files.length === 0
            ? `${input.id} changed nothing: nothing to take in.`
            : [
                `Took in ${input.id}'s change: ${files.join(', ')}.`,
                conflicts.length === 0
                  ? 'It applied cleanly.'
                  : `Conflicts (resolve the markers in these files): ${conflicts.join(', ')}.`,
              ].join('\n');
        return answer({
          output,
          summary: `integrated ${input.id}${conflicts.length > 0 ? ` (${conflicts.length} conflicts)` : ''}`,
          events: [{ type: 'child.integrated', childId: input.id, files, conflicts }],
        });
      },
    }),
  ];
}

/** One line per child: id, state, cost, and what it said. Pure. */
export function reportLine(child: ChildReport): string {
  const said = child.summary ?? child.reason;
  return `${child.id} ${child.state} ($${child.costUsd.toFixed(4)}): ${truncateText(child.task.split('\n', 1)[0] ?? '', 120)}${said ? `\n  ${child.summary ? 'summary' : 'reason'}: ${truncateText(said, 2_000)}` : ''}`;
}

function countStates(reports: readonly ChildReport[]): string {
  const counts = new Map<string, number>();
  for (const report of reports) counts.set(report.state, (counts.get(report.state) ?? 0) + 1);
  return [...counts].map(([state, n]) => `${n} ${state}`).join(', ');
}
