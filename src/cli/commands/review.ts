import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { styleText } from 'node:util';
import type { Command } from 'commander';
import { atLeast, type ChangeReview, describeCounts, type ReviewSeverity } from '../../core/change-review.ts';
import { BadInputError } from '../../core/errors.ts';
import type { ReviewFinding } from '../../core/events.ts';
import type { Session } from '../../core/session.ts';
import { modelSpecFromEnv } from '../../models/router.ts';
import { defaultReviewRefs } from '../../sessions/review-run/default-refs.ts';
import { reviewChange } from '../../sessions/review-run/review-change.ts';
import type { SessionDeps } from '../../sessions/session-deps.ts';
import type { EmbeddedOptions } from '../cli-context.ts';
import { EXIT } from '../exit-codes.ts';
import { EventRenderer } from '../render-event.ts';
import { sandboxChoice } from '../sandbox-flags.ts';
import { Spinner } from '../spinner.ts';
import { sweepAtStartup } from '../startup-sweep.ts';

interface ReviewFlags {
  repo: string;
  base?: string;
  head?: string;
  model?: string;
  description?: string;
  failOn?: string;
  json?: boolean;
  sandbox?: string;
}

/** `drydock review`: registered on the program by main.ts. */
export function registerReviewCommand(
  program: Command,
  embedded: (options: EmbeddedOptions) => Promise<SessionDeps>,
  setExitCode: (code: number) => void,
): void {
  program
    .command('review')
    .description(
      "Review a change (base..head of a local repository) in a sandbox, with findings backed by evidence; the repository's working tree, index and branches are left as they are",
    )
    .requiredOption('--repo <path>', 'path of a local git repository')
    .option(
      '--base <ref>',
      "the branch the change goes into (default: the head branch's upstream, else main, else master)",
    )
    .option('--head <ref>', 'the branch or commit with the change (default: the current branch)')
    .option('--model <provider:model>', 'model (default: $DRYDOCK_MODEL, else anthropic:claude-sonnet-4-5)')
    .option(
      '--description <text>',
      'what the change says it does (a pull request description, a linked issue)',
    )
    .option('--fail-on <severity>', 'exit 3 when a finding is at least this severe: critical, major or minor')
    .option('--json', 'print the review as JSON')
    .option('--sandbox <kind>', 'bubblewrap (default) or none (no isolation: warns on every run)')
    .action(async (flags: ReviewFlags) => {
      const failOn = failOnFlag(flags.failOn);
      const sandbox = sandboxChoice(flags.sandbox, process.env);
      const deps = await embedded({ sandbox });
      setExitCode(await runReviewCommand(deps, flags, failOn));
    });
}

/** `--fail-on`: a severity at which the review fails the build. Pure. */
export function failOnFlag(value: string | undefined): ReviewSeverity | null {
  if (value === undefined) return null;
  const severity = value.trim().toLowerCase();
  if (severity === 'critical' || severity === 'major' || severity === 'minor') return severity;
  throw new BadInputError(
    'invalid_flag',
    `--fail-on "${value}" is not a severity: use critical, major or minor.`,
  );
}

async function runReviewCommand(
  deps: SessionDeps,
  flags: ReviewFlags,
  failOn: ReviewSeverity | null,
): Promise<number> {
  const err = process.stderr;
  const out = process.stdout;
  const warning = deps.sandboxes.capabilities.warning;
  if (warning) err.write(`\n${styleText(['bold', 'yellow'], `WARNING: ${warning}`)}\n\n`);
  const refs = await defaultReviewRefs(flags.repo, flags);
  const model = modelSpecFromEnv(flags.model, process.env);
  await deps.sandboxes.check();
  await sweepAtStartup(deps);
  const renderer = new EventRenderer();
  const spinner = new Spinner(err);
  const controller = new AbortController();
  const onSigint = () => {
    err.write('\ncancelling (Ctrl-C again to force quit)...\n');
    controller.abort();
    process.off('SIGINT', onSigint);
  };
  process.on('SIGINT', onSigint);
  try {
    const { session, review } = await reviewChange(
      deps,
      {
        repo: flags.repo,
        ...refs,
        model,
        ...(flags.description ? { description: flags.description } : {}),
      },
      {
        signal: controller.signal,
        onCreated: (created) =>
          err.write(
            `drydock review ${created.id}: ${refs.base}..${refs.head} of ${created.repo} (${created.baseCommit?.slice(0, 10)}..${created.headCommit?.slice(0, 10)}, ${model})\n`,
          ),
        // Progress goes to stderr: stdout is the review alone (for --json and pipes).
        onEvent: (event) => {
          spinner.stop();
          const line = renderer.render(event);
          if (line !== null) err.write(`${line}\n`);
        },
        onModelWait: (waiting) => (waiting ? spinner.start('waiting for the model') : spinner.stop()),
        owner: `cli:${hostname()}:${process.pid}/${randomUUID()}`,
      },
    );
    spinner.stop();
    if (session.state !== 'delivered' || review === null) return ended(session);
    out.write(
      flags.json
        ? `${JSON.stringify(reviewJson(review, session.id), null, 2)}\n`
        : formatReview(review, session.id),
    );
    return failOn !== null && review.findings.some((finding) => atLeast(finding.severity, failOn))
      ? EXIT.bowedOut
      : EXIT.ok;
  } finally {
    spinner.stop();
    process.off('SIGINT', onSigint);
  }
}

/** A review that did not complete: why, on stderr, and the exit code for it. */
function ended(session: Session): number {
  process.stderr.write(
    `review ${session.id} ${session.state}${session.reason ? `: ${session.reason}` : ''}\ndetails: drydock show ${session.id} · log: drydock logs ${session.id}\n`,
  );
  return session.state === 'cancelled' ? EXIT.cancelled : EXIT.internal;
}

/** `--json`: the review as a CI step reads it. Pure. */
export function reviewJson(review: ChangeReview, sessionId: string) {
  return {
    summary: review.summary,
    findings: review.findings.map((finding) => ({
      file: finding.file,
      line: finding.line ?? null,
      severity: finding.severity,
      explanation: finding.explanation,
      suggestedFix: finding.suggestedFix ?? null,
      evidence: finding.evidence
        ? {
            command: finding.evidence.command,
            output: finding.evidence.output,
            verified: finding.evidence.verified,
          }
        : null,
      ...(finding.downgradedFrom ? { downgradedFrom: finding.downgradedFrom } : {}),
    })),
    verified: review.verified,
    dropped: review.dropped.length,
    sessionId,
  };
}

const INDENT = '    ';

function indent(text: string, prefix: string): string {
  return text
    .split('\n')
    .map((line) => `${prefix}${line}`)
    .join('\n');
}

function formatFinding(finding: ReviewFinding): string {
  const where = finding.line ? `${finding.file}:${finding.line}` : finding.file;
  const lines = [`${where}  ${finding.severity}  ${finding.explanation.replace(/\s*\n\s*/g, ' ')}`];
  if (finding.downgradedFrom)
    lines.push(`${INDENT}lowered from ${finding.downgradedFrom}: no evidence showed it`);
  if (finding.suggestedFix) lines.push(indent(`fix: ${finding.suggestedFix}`, INDENT));
  const evidence = finding.evidence;
  if (evidence) {
    const exit =
      evidence.exitCode === undefined || evidence.exitCode === null ? '' : ` (exit ${evidence.exitCode})`;
    lines.push(
      `${INDENT}evidence, ${evidence.verified ? 'verified' : 'not verified'}: $ ${evidence.command}${exit}`,
    );
    if (evidence.output.trim() !== '') lines.push(indent(evidence.output, `${INDENT}  `));
  }
  return lines.join('\n');
}

/** The review for people: each finding as `file:line  severity  explanation`, then the summary line. Pure. */
export function formatReview(review: ChangeReview, sessionId: string): string {
  const parts = review.findings.map(formatFinding);
  if (parts.length === 0) parts.push('No findings.');
  parts.push(review.summary);
  parts.push(`${describeCounts(review)} · ${review.base}..${review.head} · session ${sessionId}`);
  return `${parts.join('\n\n')}\n`;
}
