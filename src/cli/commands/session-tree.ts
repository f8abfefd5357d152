import { describeCost, type Session } from '../../core/session.ts';
import { oneLine } from '../render-event.ts';

/**
 * `drydock show` on a manager: its children, one line each (id, state, cost, task), oldest first. Their
 * cost is already in the manager's (docs/attempts.md): the lines show each one's part of it. Pure.
 */
export function formatChildren(children: readonly Session[]): string {
  if (children.length === 0) return 'children none yet\n';
  const rows = children.map((child) => [
    child.id,
    child.state,
    describeCost(child.usage),
    oneLine(child.task, 70),
  ]);
  const widths = [0, 1, 2].map((i) => Math.max(...rows.map((row) => row[i]!.length)));
  const lines = rows.map((row) =>
    row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  '),
  );
  return `children (${children.length}, their cost included above):\n${lines.map((line) => `  ${line}`).join('\n')}\n`;
}
