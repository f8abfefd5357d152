import {
  FRAME,
  layoutHorizontalBars,
  layoutOutcomeBars,
  layoutSeries,
  OUTCOME_LABELS,
  OUTCOME_ORDER,
  type PlotArea,
} from '../analytics-chart.ts';
import type { AnalyticsReport, KeyedTotals } from '../types.ts';

const right = FRAME.width - FRAME.right;

/** Grid lines at the top, middle and bottom, labelled by `format`, and the dates under the axis. */
function Axes({ area, max, format }: { area: PlotArea; max: number; format: (value: number) => string }) {
  const midY = (area.baseY + area.topY) / 2;
  return (
    <>
      {[
        [area.topY, max],
        [midY, max / 2],
        [area.baseY, 0],
      ].map(([y = 0, value = 0]) => (
        <g key={y}>
          <line className="grid" x1={FRAME.left} x2={right} y1={y} y2={y} />
          <text className="axis" x={FRAME.left - 6} y={y + 4} textAnchor="end">
            {format(value)}
          </text>
        </g>
      ))}
      {area.slots
        .filter((slot) => slot.labelled)
        .map((slot) => (
          <text key={slot.day} className="axis" x={slot.x} y={area.baseY + 16} textAnchor="middle">
            {slot.day.slice(5)}
          </text>
        ))}
    </>
  );
}

function Figure({
  title,
  label,
  children,
  legend,
}: {
  title: string;
  label: string;
  children: React.ReactNode;
  legend: React.ReactNode;
}) {
  return (
    <figure className="analytics-chart" data-chart={label}>
      <h2>{title}</h2>
      <svg viewBox={`0 0 ${FRAME.width} ${FRAME.height}`} role="img" aria-label={title}>
        {children}
      </svg>
      <figcaption className="muted small">{legend}</figcaption>
    </figure>
  );
}

/** Sessions per day, stacked by outcome. */
export function OutcomeChart({ report }: { report: AnalyticsReport }) {
  const { area, max, bars } = layoutOutcomeBars(report.days);
  return (
    <Figure
      title="Sessions per day by outcome"
      label="outcomes"
      legend={OUTCOME_ORDER.map((outcome) => (
        <span key={outcome}>
          <span className={`legend outcome-${outcome}`} /> {OUTCOME_LABELS[outcome]}
        </span>
      ))}
    >
      <Axes
        area={area}
        max={max}
        format={(value) => (Number.isInteger(value) ? String(value) : value.toFixed(1))}
      />
      {bars.map((bar) => (
        <g key={bar.day} data-day={bar.day}>
          {bar.segments.map((segment) => (
            <rect
              key={segment.outcome}
              className={`outcome-${segment.outcome}`}
              data-outcome={segment.outcome}
              data-count={segment.count}
              x={segment.x}
              y={segment.y}
              width={segment.width}
              height={segment.height}
            >
              <title>{`${bar.day}: ${segment.count} ${OUTCOME_LABELS[segment.outcome]}`}</title>
            </rect>
          ))}
        </g>
      ))}
    </Figure>
  );
}

interface LineSpec {
  name: string;
  className: string;
  values: Array<number | null>;
}

/** Values per day as lines with points; a day without a value breaks its line. */
export function LineChart({
  report,
  title,
  label,
  lines,
  max,
  format,
}: {
  report: AnalyticsReport;
  title: string;
  label: string;
  lines: LineSpec[];
  max?: number;
  format: (value: number) => string;
}) {
  const days = report.days.map((day) => day.day);
  const layout = layoutSeries(days, lines, max);
  return (
    <Figure
      title={title}
      label={label}
      legend={lines.map((line) => (
        <span key={line.name}>
          <span className={`legend line ${line.className}`} /> {line.name}
        </span>
      ))}
    >
      <Axes area={layout.area} max={layout.max} format={format} />
      {layout.series.map((series, index) => {
        const className = lines[index]?.className ?? '';
        return (
          <g key={series.name} className={className} data-series={series.name}>
            {series.lines.map((points) => (
              <polyline
                key={points.map((point) => point.x).join()}
                className="series-line"
                points={points.map((point) => `${point.x},${point.y}`).join(' ')}
              />
            ))}
            {series.points.map((point) => (
              <circle
                key={point.day}
                className="series-point"
                data-day={point.day}
                data-value={point.value}
                cx={point.x}
                cy={point.y}
                r={3}
              >
                <title>{`${point.day}: ${series.name} ${format(point.value)}`}</title>
              </circle>
            ))}
          </g>
        );
      })}
    </Figure>
  );
}

const LABEL_WIDTH = 150;

/** Horizontal bars, one a row, stacked by `keys` (outcomes, severities). */
export function BarsChart({
  title,
  label,
  rows,
  keys,
  names,
}: {
  title: string;
  label: string;
  rows: Array<{ label: string; values: Record<string, number> }>;
  keys: readonly string[];
  names: Record<string, string>;
}) {
  const rowHeight = 22;
  const layout = layoutHorizontalBars(rows, keys, {
    left: LABEL_WIDTH,
    width: FRAME.width - LABEL_WIDTH - 48,
    rowHeight,
  });
  const height = Math.max(rowHeight, layout.height) + 8;
  return (
    <figure className="analytics-chart" data-chart={label}>
      <h2>{title}</h2>
      <svg viewBox={`0 0 ${FRAME.width} ${height}`} role="img" aria-label={title}>
        {layout.bars.map((bar) => (
          <g key={bar.label} data-row={bar.label}>
            <text className="axis" x={LABEL_WIDTH - 8} y={bar.y + 15} textAnchor="end">
              {bar.label.length > 24 ? `…${bar.label.slice(-23)}` : bar.label}
            </text>
            {bar.segments.map((segment) => (
              <rect
                key={segment.key}
                className={`key-${segment.key}`}
                data-key={segment.key}
                data-value={segment.value}
                x={segment.x}
                y={bar.y + 4}
                width={segment.width}
                height={rowHeight - 8}
              >
                <title>{`${bar.label}: ${segment.value} ${names[segment.key] ?? segment.key}`}</title>
              </rect>
            ))}
            <text
              className="axis"
              x={LABEL_WIDTH + (bar.segments.reduce((w, s) => w + s.width, 0) || 0) + 6}
              y={bar.y + 15}
            >
              {bar.total}
            </text>
          </g>
        ))}
      </svg>
      <figcaption className="muted small">
        {keys.map((key) => (
          <span key={key}>
            <span className={`legend key-${key}`} /> {names[key] ?? key}
          </span>
        ))}
      </figcaption>
    </figure>
  );
}

/** A breakdown (per repository, model or trigger) as bars stacked by outcome. */
export function BreakdownChart({
  title,
  label,
  groups,
}: {
  title: string;
  label: string;
  groups: KeyedTotals[];
}) {
  return (
    <BarsChart
      title={title}
      label={label}
      rows={groups.slice(0, 12).map((group) => ({ label: group.key, values: { ...group.outcomes } }))}
      keys={OUTCOME_ORDER}
      names={OUTCOME_LABELS}
    />
  );
}
