import { truncateText } from '../../../src/core/truncate.ts';
import { formatDuration } from '../format.ts';
import { useSessionLive } from '../session-live.ts';
import type { TimelineItem } from '../timeline-item.ts';
import { LiveToolOutput } from './live-tool-output.tsx';
import { RunningClock } from './running-clock.tsx';
import { ToolImages } from './tool-images.tsx';

type ToolItem = Extract<TimelineItem, { kind: 'tool' }>;

/** The call in one line: `$ npm test` for bash, the path for file tools, compact JSON otherwise. */
export function describeInput(input: unknown): string {
  if (typeof input !== 'object' || input === null) return input === undefined ? '' : String(input);
  const fields = input as Record<string, unknown>;
  if (typeof fields.command === 'string') return `$ ${fields.command}`;
  if (typeof fields.path === 'string') return fields.path;
  for (const key of ['summary', 'reason', 'query', 'pattern', 'text']) {
    if (typeof fields[key] === 'string') return fields[key];
  }
  const json = JSON.stringify(input);
  return truncateText(json, 160);
}

/** A tool call and its result; the output folds away, errors stay visible. */
export function ToolEntry({ item }: { item: ToolItem }) {
  const { result } = item;
  const live = useSessionLive();
  const status = result === null ? 'running' : result.isError ? 'error' : 'ok';
  const hasDetail = result !== null && (result.output !== '' || item.input !== undefined);
  const streaming = result === null && item.liveOutput !== undefined;
  return (
    <details
      className={`tool ${status}`}
      data-tool={item.tool}
      data-status={status}
      open={streaming || (result?.images.length ?? 0) > 0}
    >
      <summary>
        <span className="tool-name">{item.tool}</span>
        <span className="tool-input mono">{describeInput(item.input)}</span>
        <span className="spacer" />
        {result && <span className="tool-summary">{result.summary}</span>}
        {result ? (
          <span className="muted small">{formatDuration(result.durationMs)}</span>
        ) : (
          live && <RunningClock since={item.at} />
        )}
        <span className={`dot ${status}`} title={status} />
      </summary>
      {item.repaired && <p className="muted small">drydock repaired this call: {item.repaired}</p>}
      {hasDetail ? (
        <div className="tool-detail">
          {item.input !== undefined && describeInput(item.input).length > 80 && (
            <pre className="code small">{JSON.stringify(item.input, null, 2)}</pre>
          )}
          {result && result.output !== '' && <pre className="code output">{result.output}</pre>}
          {result && <ToolImages images={result.images} />}
          {result?.artifactId && (
            <p className="muted small">Output truncated; the full output is artifact {result.artifactId}.</p>
          )}
        </div>
      ) : streaming ? (
        <div className="tool-detail">
          <LiveToolOutput text={item.liveOutput ?? ''} />
        </div>
      ) : (
        <div className="tool-detail muted small">{result === null ? 'Running…' : 'No output.'}</div>
      )}
    </details>
  );
}
