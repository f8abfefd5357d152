import type { TimelineItem } from '../timeline-item.ts';

type ReviewItem = Extract<TimelineItem, { kind: 'review' }>;

/** The reviewer's verdict and findings, coloured by severity. */
export function ReviewEntry({ item }: { item: ReviewItem }) {
  return (
    <div>
      <div className="entry-title">
        <span className={`verdict ${item.approved ? 'pass' : 'fail'}`}>
          {item.approved ? 'approved' : 'changes requested'}
        </span>{' '}
        review, round {item.round}
      </div>
      {item.summary && <p className="prose">{item.summary}</p>}
      {item.findings.length > 0 && (
        <ul className="findings">
          {item.findings.map((f) => (
            <li key={f.id} className={`finding sev-${f.severity}`}>
              <span className={`sev sev-${f.severity}`}>{f.severity}</span>
              <code>
                {f.file}
                {f.line ? `:${f.line}` : ''}
              </code>
              <p className="prose">{f.explanation}</p>
              {f.suggestedFix && <p className="muted small">Suggested: {f.suggestedFix}</p>}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
