import type { EvalSummary } from '../core/eval-summary.ts';
import { describeCost } from '../core/session.ts';
import type { InstanceRecord, ResultsDocument } from './results-document.ts';

/** The self-check models: the oracle applies each instance's own fix, null gives up at once. */
export const ORACLE_MODEL = 'oracle';
export const NULL_MODEL = 'null';

/** report.md: the summary, the per-repository breakdown, what went wrong and every instance. Pure. */
export function reportMarkdown(document: ResultsDocument): string {
  const { run, summary } = document;
  const oracle = run.model === ORACLE_MODEL;
  const lines = [
    `# drydock eval: ${run.name} · ${run.model}`,
    '',
    `${run.dataset} · drydock ${run.drydockVersion} · started ${run.createdAt} · ${run.state} (${summary.finished} of ${run.total} finished)`,
    '',
    ...summaryTable(summary),
  ];
  if (oracle) lines.push('', oracleNote(summary));
  if (document.by_repo.length > 1) {
    lines.push(
      '',
      '## By repository',
      '',
      '| Repository | Instances | Resolved | Delivered | Bad deliveries | Cost |',
    );
    lines.push('|---|---:|---:|---:|---:|---:|');
    for (const repo of document.by_repo) {
      lines.push(
        `| ${cell(repo.repo)} | ${repo.total} | ${repo.resolved} | ${repo.delivered} | ${repo.badDeliveries} | ${cost(repo.costUsd, repo.costUnknown)} |`,
      );
    }
  }
  const bad = document.instances.filter((i) => i.status === 'delivered' && i.resolved === false);
  if (bad.length > 0) {
    lines.push(
      '',
      oracle ? '## Broken instances' : '## Bad deliveries',
      '',
      oracle
        ? "The instance's own fix, delivered through drydock, does not pass its hidden tests: the dataset, the environment or the grading is wrong for these, not a model."
        : 'Delivered, and the hidden tests say the change is wrong: what the gate and the reviewer exist to stop.',
      '',
    );
    for (const instance of bad) lines.push(`- ${badLine(instance)}`);
  }
  const ended = document.instances.filter((i) => i.status === 'bowed_out' || i.status === 'failed');
  if (ended.length > 0) {
    lines.push('', oracle ? '## Not delivered (broken instances)' : '## Bowed out and failed', '');
    for (const instance of ended) {
      lines.push(
        `- \`${instance.instance_id}\` ${instance.status.replace('_', ' ')}: ${firstLine(instance.reason)}`,
      );
    }
  }
  lines.push(
    '',
    '## Instances',
    '',
    '| Instance | Status | Resolved | F2P | P2P | Steps | Cost | Time | Session |',
  );
  lines.push('|---|---|---|---:|---:|---:|---:|---:|---|');
  for (const instance of document.instances) lines.push(instanceRow(instance));
  return `${lines.join('\n')}\n`;
}

function summaryTable(summary: EvalSummary): string[] {
  return ['| | |', '|---|---|', ...summaryRows(summary).map(([name, value]) => `| ${name} | ${value} |`)];
}

/** The headline figures, as name and value. Pure. */
export function summaryRows(summary: EvalSummary): Array<[string, string]> {
  const of = (count: number, rate: number | null) => `${count} (${percent(rate)})`;
  return [
    ['Resolved', of(summary.resolved, summary.resolveRate)],
    ['Delivered', of(summary.delivered, summary.deliveredRate)],
    ['Precision (resolved ÷ delivered)', percent(summary.precision)],
    ['Bad deliveries (delivered, not resolved)', of(summary.badDeliveries, summary.badDeliveryRate)],
    ['Bowed out', of(summary.bowedOut, summary.bowOutRate)],
    ['Failed', String(summary.failed)],
    ['Grading errors', String(summary.gradingErrors)],
    [
      'Cost',
      `${cost(summary.costUsd, summary.costUnknown)} total · ${summary.costPerResolvedUsd === null ? 'n/a' : cost(summary.costPerResolvedUsd, summary.costUnknown)} per resolved`,
    ],
    ['Tokens', `${count(summary.inputTokens)} in · ${count(summary.outputTokens)} out`],
    ['Time per instance', `p50 ${duration(summary.wallMsP50)} · p95 ${duration(summary.wallMsP95)}`],
  ];
}

function oracleNote(summary: EvalSummary): string {
  const broken = summary.finished - summary.resolved;
  return broken === 0
    ? `Oracle self-check: every finished instance is resolved by its own fix, so the dataset, the environments and the grading agree.`
    : `Oracle self-check: ${broken} instance${broken === 1 ? ' is' : 's are'} not resolved by ${broken === 1 ? 'its' : 'their'} own fix: broken instances (listed below), not model failures.`;
}

function badLine(instance: InstanceRecord): string {
  const tallies = `F2P ${tally(instance.fail_to_pass)}, P2P ${tally(instance.pass_to_pass)}`;
  const why = instance.grading_error
    ? `grading error: ${firstLine(instance.grading_error)}`
    : `not passing: ${instance.not_passing.slice(0, 5).join(', ')}${instance.not_passing.length > 5 ? ', …' : ''}`;
  return `\`${instance.instance_id}\`: ${tallies}; ${why}${instance.session_id ? ` (session ${instance.session_id})` : ''}`;
}

function instanceRow(instance: InstanceRecord): string {
  const resolved = instance.resolved === null ? '' : instance.resolved ? 'yes' : 'no';
  return `| ${cell(instance.instance_id)} | ${instance.status.replace('_', ' ')} | ${resolved} | ${tally(instance.fail_to_pass)} | ${tally(instance.pass_to_pass)} | ${instance.steps} | ${cost(instance.cost_usd, instance.cost_unknown)} | ${duration(instance.wall_ms)} | ${instance.session_id ?? ''} |`;
}

export function percent(rate: number | null): string {
  return rate === null ? 'n/a' : `${(rate * 100).toFixed(1)}%`;
}

/** A cost that may leave out calls to models without a known price: never a made-up figure. */
export function cost(amount: number, unknown: boolean): string {
  return describeCost({ costUsd: amount, ...(unknown ? { costUnknown: true as const } : {}) }, usd);
}

export function usd(amount: number): string {
  return `$${amount < 10 ? amount.toFixed(4) : amount.toFixed(2)}`;
}

/** A wall time for people: "850 ms", "42 s", "3m 05s", "1h 02m". */
export function duration(ms: number | null): string {
  if (ms === null) return 'n/a';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m ${String(seconds % 60).padStart(2, '0')}s`;
  return `${Math.floor(minutes / 60)}h ${String(minutes % 60).padStart(2, '0')}m`;
}

function tally(value: { passed: number; total: number } | null): string {
  return value === null ? '' : `${value.passed}/${value.total}`;
}

function count(tokens: number): string {
  if (tokens >= 1_000_000) return `${(tokens / 1_000_000).toFixed(1)}M`;
  if (tokens >= 1000) return `${(tokens / 1000).toFixed(1)}k`;
  return String(tokens);
}

function firstLine(text: string | null): string {
  const line =
    text
      ?.split('\n')
      .find((l) => l.trim() !== '')
      ?.trim() ?? 'no reason recorded';
  return line.length > 200 ? `${line.slice(0, 199)}…` : line;
}

/** Table cells hold no pipe or newline. */
function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}
