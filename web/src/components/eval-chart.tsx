import { CHART, layoutEvalChart } from '../eval-chart.ts';
import { formatCost, formatRate } from '../format.ts';
import type { EvalRunListItem } from '../types.ts';

/** Resolve rate (bars) and cost (a line) per run, oldest on the left: plain SVG. */
export function EvalChart({ runs }: { runs: EvalRunListItem[] }) {
  const layout = layoutEvalChart(runs);
  if (layout.columns.length === 0) return null;
  const midY = (layout.baseY + layout.topY) / 2;
  const right = CHART.width - CHART.right;
  const line = layout.columns.map((column) => `${column.point.x},${column.point.y}`).join(' ');
  return (
    <figure className="eval-chart">
      <svg
        viewBox={`0 0 ${CHART.width} ${CHART.height}`}
        role="img"
        aria-label="Resolve rate and cost per evaluation run"
      >
        {[layout.topY, midY, layout.baseY].map((y) => (
          <line key={y} className="grid" x1={CHART.left} x2={right} y1={y} y2={y} />
        ))}
        <text className="axis" x={CHART.left - 6} y={layout.topY + 4} textAnchor="end">
          100%
        </text>
        <text className="axis" x={CHART.left - 6} y={midY + 4} textAnchor="end">
          50%
        </text>
        <text className="axis" x={CHART.left - 6} y={layout.baseY + 4} textAnchor="end">
          0%
        </text>
        <text className="axis cost" x={right + 6} y={layout.topY + 4}>
          {formatCost(layout.maxCostUsd)}
        </text>
        <text className="axis cost" x={right + 6} y={layout.baseY + 4}>
          $0
        </text>
        {layout.columns.map((column) => (
          <g key={column.id} data-run-id={column.id}>
            <title>{`${column.name} · ${column.model}: resolved ${formatRate(column.resolveRate)}, cost ${formatCost(column.costUsd)}`}</title>
            {column.bar && (
              <rect
                className="bar"
                data-resolve-rate={column.resolveRate ?? ''}
                x={column.bar.x}
                y={column.bar.y}
                width={column.bar.width}
                height={column.bar.height}
              />
            )}
            <text className="axis" x={column.x} y={layout.baseY + 16} textAnchor="middle">
              {shorten(column.name)}
            </text>
            <text className="axis" x={column.x} y={layout.baseY + 30} textAnchor="middle">
              {shorten(column.model)}
            </text>
          </g>
        ))}
        <polyline className="cost-line" points={line} />
        {layout.columns.map((column) => (
          <circle
            key={column.id}
            className="cost-point"
            data-run-id={column.id}
            data-cost-usd={column.costUsd}
            cx={column.point.x}
            cy={column.point.y}
            r={3.5}
          />
        ))}
      </svg>
      <figcaption className="muted small">
        <span className="legend bar" /> resolve rate <span className="legend cost-line" /> cost per run
        {runs.length > layout.columns.length ? ` (the newest ${layout.columns.length} runs)` : ''}
      </figcaption>
    </figure>
  );
}

/** Axis labels fit their slot. */
function shorten(label: string): string {
  return label.length > 14 ? `${label.slice(0, 13)}…` : label;
}
