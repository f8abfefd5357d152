import { formatDuration, plural } from '../format.ts';
import type { TimelineItem } from '../timeline-item.ts';
import type { CheckSummary } from '../types.ts';

type ChecksItem = Extract<TimelineItem, { kind: 'checks' }>;

function outcome(check: CheckSummary): { ok: boolean; text: string } {
  if (check.timedOut) return { ok: false, text: 'timed out' };
  const ok = check.exitCode === 0;
  if (check.tests) {
    const { passed, failed, skipped } = check.tests;
    return { ok, text: `${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}` };
  }
  if (check.diagnostics !== null) return { ok, text: plural(check.diagnostics, 'diagnostic') };
  if (check.testsUnreadable)
    return { ok, text: `exit ${check.exitCode ?? '?'}, tests unknown: ${check.testsUnreadable}` };
  return { ok, text: `exit ${check.exitCode ?? '?'}` };
}

/** A check run (baseline or after the change): one line per check, the output tail folded. */
export function ChecksEntry({ item }: { item: ChecksItem }) {
  return (
    <div>
      <div className="entry-title">
        {item.phase === 'baseline'
          ? 'Baseline checks on the base commit'
          : `Checks after the change, round ${item.round}`}
      </div>
      <ul className="check-list">
        {item.checks.map((check) => {
          const { ok, text } = outcome(check);
          return (
            <li key={check.name}>
              <details>
                <summary>
                  <span className={`dot ${ok ? 'ok' : 'error'}`} />
                  <code>{check.name}</code> <span className={ok ? '' : 'error-text'}>{text}</span>
                  <span className="muted small"> {formatDuration(check.durationMs)}</span>
                </summary>
                <pre className="code output">
                  $ {check.command}
                  {'\n'}
                  {check.outputTail}
                </pre>
              </details>
            </li>
          );
        })}
      </ul>
    </div>
  );
}
