import type { EvalSummary } from '../core/eval-summary.ts';
import { cost, duration, percent } from './report.ts';

export interface ProgressInput {
  summary: EvalSummary;
  /** Instances this process finished, and how long it has been running. */
  finishedHere: number;
  elapsedMs: number;
  /** Terminal columns for the bar; none for a plain line. */
  width?: number;
}

/**
 * The progress line: a bar, done/total, resolved and bad deliveries so far, cost so far, and the time
 * left estimated from this process's pace (unknown until it finished one). Pure.
 */
export function formatProgress(input: ProgressInput): string {
  const { summary } = input;
  const left = summary.total - summary.finished;
  const eta =
    left === 0
      ? 'done'
      : input.finishedHere === 0
        ? 'ETA …'
        : `ETA ${duration((input.elapsedMs / input.finishedHere) * left)}`;
  const text = [
    `${summary.finished}/${summary.total}`,
    `${summary.resolved} resolved (${percent(summary.resolveRate)})`,
    `${summary.badDeliveries} bad`,
    `${summary.bowedOut} bowed out`,
    cost(summary.costUsd, summary.costUnknown),
    eta,
  ].join(' · ');
  if (input.width === undefined) return text;
  const barWidth = Math.max(10, Math.min(30, input.width - text.length - 4));
  const filled = summary.total === 0 ? barWidth : Math.round((summary.finished / summary.total) * barWidth);
  return `[${'█'.repeat(filled)}${'░'.repeat(barWidth - filled)}] ${text}`.slice(
    0,
    Math.max(0, input.width - 1),
  );
}
