export const TODO_STATUSES = ['pending', 'in_progress', 'done'] as const;

export type TodoStatus = (typeof TODO_STATUSES)[number];

/** One item of the agent's plan (the `todo` tool): the whole list is replaced on each call. */
export interface TodoItem {
  /** Stable across updates when the agent gives one; else its position, from 1. */
  id: string;
  text: string;
  status: TodoStatus;
}
