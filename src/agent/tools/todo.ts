import { z } from 'zod';
import { TODO_STATUSES, type TodoItem } from '../../core/todo.ts';
import { truncateText } from '../../core/truncate.ts';
import { defineTool, ToolError } from '../tool.ts';

const MAX_ITEMS = 50;

export const todoTool = defineTool({
  name: 'todo',
  description:
    'Keep your plan for a task of several steps: send the whole list each time (it replaces the previous ' +
    'one), each item with a status: pending, in_progress or done. Keep one item in_progress at a time and ' +
    'mark an item done as soon as it is, not in a batch at the end. The plan is kept with the session (it ' +
    'survives a restart and a summarised conversation) and shown to people as a checklist. Skip it for a ' +
    'one-step task.',
  inputSchema: z.object({
    items: z
      .array(
        z.object({
          id: z.string().min(1).max(40).optional().describe('A short stable id; defaults to its position'),
          text: z.string().trim().min(1, 'an item needs text').max(500),
          status: z.enum(TODO_STATUSES),
        }),
      )
      .max(MAX_ITEMS, `at most ${MAX_ITEMS} items: keep the plan at the level of steps`),
  }),
  async execute({ items }) {
    const todos: TodoItem[] = items.map((item, index) => ({
      id: item.id ?? String(index + 1),
      text: item.text,
      status: item.status,
    }));
    const ids = todos.map((item) => item.id);
    const repeated = ids.find((id, index) => ids.indexOf(id) !== index);
    if (repeated !== undefined)
      throw new ToolError(`Two items have the id "${repeated}": give each its own.`);
    return { output: renderTodos(todos), summary: todoSummary(todos), todos };
  },
});

const MARK: Record<TodoItem['status'], string> = { pending: '[ ]', in_progress: '[~]', done: '[x]' };

/** The plan as the model reads it back: one line per item, with what is done out of how many. */
export function renderTodos(todos: readonly TodoItem[]): string {
  if (todos.length === 0) return 'The plan is empty.';
  const done = todos.filter((item) => item.status === 'done').length;
  return [
    `Plan (${done} of ${todos.length} done):`,
    ...todos.map((item) => `${MARK[item.status]} ${item.id}. ${item.text}`),
  ].join('\n');
}

function todoSummary(todos: readonly TodoItem[]): string {
  const done = todos.filter((item) => item.status === 'done').length;
  const now = todos.find((item) => item.status === 'in_progress');
  return `plan: ${done}/${todos.length} done${now ? `; now: ${truncateText(now.text, 80)}` : ''}`;
}
