import type { CheckSummary, ReviewFinding, SessionEvent } from '../core/events.ts';
import {
  type KnowledgeItem,
  MAX_KNOWLEDGE_TITLE_CHARS,
  type NewKnowledgeItem,
  repeatsKnowledge,
} from '../core/knowledge.ts';
import { truncateText } from '../core/truncate.ts';
import { parseUnifiedDiff } from '../core/unified-diff.ts';

/** At most this many items proposed from one session: a handful a person can read at a glance. */
export const MAX_PROPOSALS_PER_SESSION = 5;

/** Tools whose calls change files, and where each names them. */
const WRITING_TOOLS = new Set(['write_file', 'edit_file', 'apply_patch']);
const OUTPUT_TAIL_LINES = 6;

export interface ProposalInput {
  repo: string;
  sessionId: string;
  /** The session's whole event log, in order. */
  events: readonly SessionEvent[];
  /** Every item the repository has already (any status): a proposal never repeats one. */
  existing: ReadonlyArray<Pick<KnowledgeItem, 'title' | 'body' | 'files'>>;
  /** The sandbox's workspace path, stripped from absolute paths the agent wrote. */
  workdir?: string;
}

/**
 * What a session taught about its repository, from what its log recorded (docs/knowledge.md), as
 * pending items: pitfalls (a check the gate failed on that the coder then fixed, with the files it
 * changed), conventions (reviewer findings the coder fixed, by file), and how the checks were set up
 * and run (the setup commands and the checks that passed). Pure and deterministic; nothing that
 * repeats an existing item or another proposal, at most MAX_PROPOSALS_PER_SESSION.
 */
export function proposeKnowledge(input: ProposalInput): NewKnowledgeItem[] {
  const labels = checkLabels(input.events);
  const candidates = [...pitfalls(input, labels), ...conventions(input), ...setup(input, labels)].map(
    (candidate) => ({ ...candidate, title: truncateText(candidate.title, MAX_KNOWLEDGE_TITLE_CHARS) }),
  );
  const kept: NewKnowledgeItem[] = [];
  for (const candidate of candidates) {
    if (kept.length >= MAX_PROPOSALS_PER_SESSION) break;
    if (repeatsKnowledge(candidate, [...input.existing, ...kept])) continue;
    kept.push(candidate);
  }
  return kept;
}

type Draft = Omit<NewKnowledgeItem, 'repo' | 'source'>;

/** How people name each check (`npm test`, `node --test`), by name: not the command drydock runs. */
function checkLabels(events: readonly SessionEvent[]): Map<string, string> {
  const labels = new Map<string, string>();
  for (const { data } of events) {
    if (data.type !== 'checks.detected') continue;
    for (const check of data.checks) labels.set(check.name, check.label ?? check.command);
  }
  return labels;
}

function item(input: ProposalInput, draft: Draft): NewKnowledgeItem {
  return { ...draft, repo: input.repo, source: input.sessionId };
}

/**
 * A gate round that failed, followed by a later one that passed: each check that failed in the first
 * and passed in the second is a pitfall, fixed by the files the coder wrote in between.
 */
function pitfalls(input: ProposalInput, labels: Map<string, string>): NewKnowledgeItem[] {
  const proposals: NewKnowledgeItem[] = [];
  const afterChecks = new Map<number, CheckSummary[]>();
  let failed: Failure | null = null;
  // Files the coder wrote since the first failing round of a run of failures.
  let written = new Set<string>();
  for (const { data } of input.events) {
    if (data.type === 'checks.completed' && data.phase === 'after') afterChecks.set(data.round, data.checks);
    if (data.type === 'tool.call' && failed !== null && isCoder(data.role)) {
      for (const path of writtenPaths(data.tool, data.input, input.workdir)) written.add(path);
    }
    if (data.type !== 'gate.verdict') continue;
    if (!data.passed) {
      const failing = (afterChecks.get(data.round) ?? []).filter((check) => !passed(check));
      // A failure after a failure keeps the files written since the first one.
      if (failed === null) written = new Set();
      failed = addFailure(failed, data.problems, failing);
      continue;
    }
    if (failed === null) continue;
    const nowPassing = new Set((afterChecks.get(data.round) ?? []).filter(passed).map((check) => check.name));
    const files = [...written].sort();
    for (const check of [...failed.checks.values()].filter((each) => nowPassing.has(each.name))) {
      const where = files.length > 0 ? ` after changes to ${listFiles(files)}` : '';
      const label = labels.get(check.name) ?? check.command;
      const problems = failed.problems.filter((problem) => problem.includes(check.name));
      proposals.push(
        item(input, {
          kind: 'pitfall',
          title: `\`${label}\` failed${where}`,
          body: [
            `The gate's \`${check.name}\` check (\`${label}\`) failed on a change here:`,
            ...[...new Set(problems.length > 0 ? problems : failed.problems)]
              .slice(0, 3)
              .map((line) => `- ${line}`),
            ...tail(check.outputTail),
            files.length > 0
              ? `It passed again once ${listFiles(files)} ${files.length === 1 ? 'was' : 'were'} fixed; run it after touching ${files.length === 1 ? 'that file' : 'those files'}.`
              : 'It passed again after the coder fixed the change.',
          ].join('\n'),
          files,
        }),
      );
    }
    failed = null;
  }
  return proposals;
}

interface Failure {
  problems: string[];
  checks: Map<string, CheckSummary>;
}

/** The gate's failures since the last pass, with one more round's. */
function addFailure(failure: Failure | null, problems: string[], failing: CheckSummary[]): Failure {
  return {
    problems: [...(failure?.problems ?? []), ...problems],
    checks: new Map([...(failure?.checks ?? []), ...failing.map((check) => [check.name, check] as const)]),
  };
}

/** Reviewer findings the coder answered `fixed`: the reviewer enforced something about that file. */
function conventions(input: ProposalInput): NewKnowledgeItem[] {
  const findings = new Map<string, ReviewFinding>();
  const proposals: NewKnowledgeItem[] = [];
  for (const { data } of input.events) {
    if (data.type === 'review.completed') {
      for (const finding of data.findings) findings.set(finding.id, finding);
      continue;
    }
    if (data.type !== 'tool.call' || data.tool !== 'respond_to_finding' || !isCoder(data.role)) continue;
    const answer = data.input as { id?: unknown; decision?: unknown; reason?: unknown };
    if (answer.decision !== 'fixed' || typeof answer.id !== 'string') continue;
    const finding = findings.get(answer.id);
    if (!finding) continue;
    const file = cleanPath(finding.file, input.workdir);
    proposals.push(
      item(input, {
        kind: 'convention',
        title: `${file}: ${firstSentence(finding.explanation)}`,
        body: [
          `A reviewer asked for this (${finding.severity}) in \`${file}\`: ${finding.explanation}`,
          ...(finding.suggestedFix ? [`Suggested: ${finding.suggestedFix}`] : []),
          ...(typeof answer.reason === 'string' ? [`How it was fixed: ${answer.reason}`] : []),
        ].join('\n'),
        files: file === '' ? [] : [file],
      }),
    );
  }
  return proposals;
}

/** The setup commands and the checks that passed (on the base commit or after the change). */
function setup(input: ProposalInput, labels: Map<string, string>): NewKnowledgeItem[] {
  let commands: string[] = [];
  let setupRan = false;
  const detected = new Map<string, { command: string; source: string }>();
  const worked = new Set<string>();
  for (const { data } of input.events) {
    if (data.type === 'environment.planned') commands = data.setup;
    if (data.type === 'environment.image' || data.type === 'environment.setup') setupRan = true;
    if (data.type === 'checks.detected') {
      for (const check of data.checks)
        detected.set(check.name, { command: labels.get(check.name) ?? check.command, source: check.source });
    }
    if (data.type === 'checks.completed')
      for (const check of data.checks.filter(passed)) worked.add(check.name);
  }
  const checks = [...detected].filter(([name]) => worked.has(name));
  if (checks.length === 0) return [];
  const files = [
    ...new Set(checks.map(([, check]) => sourceFile(check.source)).filter((file) => file !== null)),
  ].sort();
  const body = [
    ...(setupRan && commands.length > 0
      ? ['Setup (ran before the checks):', ...commands.map((command) => `- \`${command}\``)]
      : []),
    'Checks that run and pass here:',
    ...checks.map(([name, check]) => `- ${name}: \`${check.command}\` (from ${check.source})`),
  ].join('\n');
  return [
    item(input, {
      kind: 'setup',
      title: `How the checks run: ${checks.map(([, check]) => `\`${check.command}\``).join(', ')}`,
      body,
      files,
    }),
  ];
}

function passed(check: CheckSummary): boolean {
  return check.exitCode === 0 && !check.timedOut;
}

function isCoder(role: string | undefined): boolean {
  return role === undefined || role === 'coder';
}

/** The paths a file-writing tool call names, relative to the workspace. */
export function writtenPaths(tool: string, input: unknown, workdir?: string): string[] {
  if (!WRITING_TOOLS.has(tool) || typeof input !== 'object' || input === null) return [];
  const fields = input as { path?: unknown; patch?: unknown };
  if (typeof fields.path === 'string') return [cleanPath(fields.path, workdir)];
  if (typeof fields.patch === 'string') {
    return parseUnifiedDiff(fields.patch).flatMap((file) =>
      [file.oldPath, file.newPath].filter((path) => path !== null).map((path) => cleanPath(path, workdir)),
    );
  }
  return [];
}

function cleanPath(path: string, workdir?: string): string {
  let clean = path.trim();
  if (workdir && clean.startsWith(`${workdir}/`)) clean = clean.slice(workdir.length + 1);
  return clean.replace(/^(?:\.\/)+/, '').replace(/^\/+/, '');
}

/** `package.json scripts.test` → `package.json`; a source that names no file → null. */
function sourceFile(source: string): string | null {
  const first = source.split(' ')[0] ?? '';
  return /^[\w./-]+\.[\w]+$/.test(first) || first === 'go.mod' ? first : null;
}

function listFiles(files: readonly string[]): string {
  const shown = files.slice(0, 4).map((file) => `\`${file}\``);
  return files.length > 4 ? `${shown.join(', ')} and ${files.length - 4} more` : shown.join(', ');
}

function tail(outputTail: string): string[] {
  const lines = outputTail.trimEnd().split('\n').slice(-OUTPUT_TAIL_LINES);
  if (lines.join('').trim() === '') return [];
  return ['Output:', '```', ...lines.map((line) => truncateText(line, 200)), '```'];
}

function firstSentence(text: string): string {
  const sentence = text.trim().split(/(?<=[.!?])\s/)[0] ?? text;
  return truncateText(sentence, 120);
}
