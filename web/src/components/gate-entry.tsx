import type { TimelineItem } from '../timeline-item.ts';

type GateItem = Extract<TimelineItem, { kind: 'gate' }>;

/** The verification gate's verdict: passed or not, and why. */
export function GateEntry({ item }: { item: GateItem }) {
  return (
    <div>
      <div className="entry-title">
        <span className={`verdict ${item.passed ? 'pass' : 'fail'}`}>
          {item.passed ? 'passed' : 'failed'}
        </span>{' '}
        verification gate, round {item.round}
        <span className="muted small">
          {' '}
          · {item.failToPass.length} fail→pass · {item.passToPass} pass→pass
        </span>
      </div>
      {item.problems.length > 0 && (
        <ul className="bullets error-text">
          {item.problems.map((p) => (
            <li key={p}>{p}</li>
          ))}
        </ul>
      )}
      {item.detectionErrors.length > 0 && (
        <ul className="bullets warn-text">
          {item.detectionErrors.map((e) => (
            <li key={e}>could not read test results: {e}</li>
          ))}
        </ul>
      )}
      {item.warnings.length > 0 && (
        <ul className="bullets warn-text">
          {item.warnings.map((w) => (
            <li key={w}>{w}</li>
          ))}
        </ul>
      )}
    </div>
  );
}
