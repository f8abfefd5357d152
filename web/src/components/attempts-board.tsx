import { type AttemptCard, attemptCards, describeFindings } from '../attempt-cards.ts';
import { firstLine, formatUsageCost, plural } from '../format.ts';
import { sessionPath } from '../router.ts';
import type { AttemptsChoice, Session, SessionChild } from '../types.ts';
import { InlineCode } from './inline-code.tsx';
import { Link } from './link.tsx';
import { StateBadge } from './state-badge.tsx';

/**
 * An attempts session's attempts side by side (one column each; stacked on a phone), the winner marked
 * with why it won, or "no attempt qualified" with each attempt's failure on its card.
 */
export function AttemptsBoard({
  parent,
  items,
  choice,
}: {
  parent: Session;
  items: readonly SessionChild[];
  choice: AttemptsChoice | null;
}) {
  const cards = attemptCards(parent, items, choice);
  const winner = cards.find((card) => card.winner) ?? null;
  return (
    <section className="tree-panel attempts" aria-label="Attempts" data-testid="attempts">
      <h2>
        Attempts <span className="muted small">{cards.length}</span>
      </h2>
      {choice && winner && (
        <div className="choice ok" data-testid="choice">
          <p>
            <strong>Attempt {winner.number} won</strong> <span className="mono">({winner.model})</span>
          </p>
          <p data-testid="choice-reason">
            <span className="muted">Why it won:</span> <InlineCode text={choice.reason} />
          </p>
          {choice.judge && (
            <p data-testid="judge">
              <span className="muted">
                The judge (<span className="mono">{choice.judge.model}</span>):
              </span>{' '}
              <InlineCode text={choice.judge.verdict} />
            </p>
          )}
        </div>
      )}
      {choice && choice.winnerId === null && (
        <div className="choice bad" data-testid="choice">
          <p>
            <strong>No attempt qualified</strong>
          </p>
          <p data-testid="choice-reason">
            <InlineCode text={choice.reason} />
          </p>
        </div>
      )}
      <ol className="attempt-cards">
        {cards.map((card) => (
          <AttemptCardView key={card.child?.id ?? `planned-${card.number}`} card={card} />
        ))}
      </ol>
    </section>
  );
}

function AttemptCardView({ card }: { card: AttemptCard }) {
  const { child } = card;
  return (
    <li
      className={`attempt-card${card.winner ? ' winner' : ''}`}
      data-attempt={child?.id ?? ''}
      data-winner={card.winner}
    >
      <div className="attempt-head">
        <strong>Attempt {card.number}</strong>
        {card.winner && <span className="badge winner-badge">winner</span>}
        {card.rank !== null && !card.winner && <span className="muted small">ranked {card.rank}</span>}
        <span className="spacer" />
        {child ? <StateBadge state={child.state} /> : <span className="muted small">not started</span>}
      </div>
      <div className="mono attempt-model" title={card.model}>
        {card.model}
      </div>
      {card.whyNot && (
        <p className="attempt-why bad-text" data-testid="why-not">
          <InlineCode text={card.whyNot} />
        </p>
      )}
      {child && (
        <dl className="attempt-facts">
          <div>
            <dt>outcome</dt>
            <dd data-testid="outcome">{outcomeText(child)}</dd>
          </div>
          <div>
            <dt>checks</dt>
            <dd data-testid="checks">{checksText(card, child)}</dd>
          </div>
          <div>
            <dt>findings</dt>
            <dd data-testid="findings">{card.findings ? describeFindings(card.findings) : '—'}</dd>
          </div>
          <div>
            <dt>diff</dt>
            <dd data-testid="diff-stat">
              {card.diff
                ? `${plural(card.diff.files, 'file')} +${card.diff.insertions} −${card.diff.deletions}`
                : '—'}
            </dd>
          </div>
          <div>
            <dt>cost</dt>
            <dd>{formatUsageCost(child.usage)}</dd>
          </div>
        </dl>
      )}
      {card.problems.length > 0 && (
        <ul className="bullets error-text attempt-problems">
          {card.problems.slice(0, 3).map((problem) => (
            <li key={problem}>
              <InlineCode text={firstLine(problem)} />
            </li>
          ))}
        </ul>
      )}
      {child && (
        <div className="attempt-links">
          <Link to={sessionPath(child.id)}>Open attempt</Link>
          <Link to={sessionPath(child.id, 'diff')}>Diff</Link>
        </div>
      )}
    </li>
  );
}

/** How the attempt ended (or where it is): the coder's stop, else its state. */
function outcomeText(child: SessionChild): string {
  const stop = child.digest.outcome;
  const state = child.state.replace('_', ' ');
  return stop ? `${state}; coder ${stop.kind.replace('_', ' ')}` : state;
}

/** The gate's word: passed or failed, fail→pass, and regressions when the choice counted them. */
function checksText(card: AttemptCard, child: SessionChild): string {
  const gate = child.digest.gate;
  if (!gate && card.failToPass === null) return '—';
  const parts: string[] = [];
  if (gate) parts.push(gate.passed ? 'passed' : 'failed');
  if (card.failToPass !== null) parts.push(`${card.failToPass} fail→pass`);
  if (card.regressions !== null) parts.push(plural(card.regressions, 'regression'));
  return parts.join(' · ');
}
