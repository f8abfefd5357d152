import { describe, expect, it } from 'vitest';
import { createMemorySandbox } from '../../test/fakes/memory-sandbox.ts';
import { createModelRouter } from '../models/router.ts';
import type { Script } from '../models/script-file.ts';
import type { ScriptedModel } from '../models/scripted-model.ts';
import { type ChangeReviewRun, runChangeReview } from './run-change-review.ts';

function fileDiff(path: string, added: string): string {
  return `diff --git a/${path} b/${path}\n--- a/${path}\n+++ b/${path}\n@@ -1 +1,2 @@\n line\n+${added}\n`;
}

const submit = (summary: string, findings: unknown[]) => ({
  toolCalls: [{ name: 'submit_review', input: { summary, findings } }],
});

function reviewRun(script: Script, overrides: Partial<ChangeReviewRun> = {}) {
  const router = createModelRouter({
    default: 'script:review',
    env: {},
    cwd: '/',
    scripts: { review: script },
  });
  const sandbox = createMemorySandbox({ 'a.js': 'line\nA\n', 'b.js': 'line\nB\n' }, (command) =>
    command === 'node repro-a.js' ? { exitCode: 1, output: 'AssertionError: a is wrong\n' } : { exitCode: 0 },
  );
  let restores = 0;
  const run: ChangeReviewRun = {
    reviewer: router.resolve('reviewer'),
    summarizer: router.resolve('summarizer'),
    sandbox,
    round: 1,
    task: 'Review main..feature\n\nAdds A and B.',
    instructions: 'Run npm test before you say anything.',
    verification: 'checks',
    diff: fileDiff('a.js', 'A') + fileDiff('b.js', 'B'),
    checks: [
      {
        name: 'test',
        command: 'npm test',
        failedBefore: false,
        failedAfter: true,
        output: '1 failing',
        exitCode: 1,
      },
    ],
    restore: async () => {
      restores += 1;
    },
    recordEvents: async () => {},
    saveArtifact: async () => 'artifact',
    nowMs: () => 0,
    signal: new AbortController().signal,
    // Room for one file's diff at a time: a part per file.
    maxChunkTokens: 30,
    ...overrides,
  };
  return { run, sandbox, restores: () => restores, reviewer: run.reviewer.model as ScriptedModel };
}

describe('a review of a change, part by part, with evidence', () => {
  it('reviews a large change file by file and merges the parts into one review, proofs run by drydock', async () => {
    const { run, sandbox, restores, reviewer } = reviewRun({
      reviewer: [
        submit('a.js is wrong.', [
          {
            file: 'a.js',
            line: 2,
            severity: 'major',
            explanation: 'A is wrong',
            proof: { command: 'node repro-a.js', expectOutput: 'AssertionError' },
          },
        ]),
        submit('b.js breaks the tests.', [
          {
            file: 'b.js',
            line: 2,
            severity: 'critical',
            explanation: 'B breaks npm test',
            proof: { check: 'test' },
          },
          { file: 'b.js', severity: 'nit', explanation: 'naming' },
        ]),
      ],
    });
    const result = await runChangeReview(run);
    expect(result.kind).toBe('reviewed');
    if (result.kind !== 'reviewed') return;
    expect(result.review.parts).toBe(2);
    expect(restores()).toBe(1);
    expect(sandbox.commands).toEqual(['node repro-a.js']);
    expect(result.review.verified).toBe(2);
    expect(result.review.summary).toBe(
      'Part 1 (a.js): a.js is wrong.\nPart 2 (b.js): b.js breaks the tests.',
    );
    // One review: ids unique across parts, the most severe first.
    expect(result.review.findings.map((f) => [f.id, f.severity, f.file, f.evidence?.verified])).toEqual([
      ['R1-2', 'critical', 'b.js', true],
      ['R1-1', 'major', 'a.js', true],
      ['R1-3', 'nit', 'b.js', undefined],
    ]);
    expect(result.review.findings[0]!.evidence).toEqual({
      command: 'npm test',
      output: '1 failing',
      verified: true,
      exitCode: 1,
    });
    expect(result.review.findings[1]!.evidence).toMatchObject({
      command: 'node repro-a.js',
      output: 'AssertionError: a is wrong',
      exitCode: 1,
    });
    // Each part's reviewer saw its own file's diff, and knew it was a part.
    const prompts = reviewer.calls.map((call) => JSON.stringify(call.prompt));
    // With the description, the repository's AGENTS.md, the checks, and the changed file as it now is.
    expect(prompts[0]).toContain('Adds A and B.');
    expect(prompts[0]).toContain('Run npm test before you say anything.');
    expect(prompts[0]).toContain('## a.js');
    expect(prompts[0]).toContain('part 1');
    expect(prompts[0]).toContain('+A');
    expect(prompts[0]).not.toContain('+B');
    expect(prompts[1]).toContain('part 2');
    expect(prompts[1]).toContain('+B');
  });

  it('lowers a finding whose check failed before the change too, and drops one its reproduction refutes', async () => {
    const { run } = reviewRun(
      {
        reviewer: [
          submit('Two problems.', [
            { file: 'a.js', severity: 'critical', explanation: 'breaks tests', proof: { check: 'test' } },
            { file: 'a.js', severity: 'major', explanation: 'wrong', proof: { command: 'node passes.js' } },
            { file: 'a.js', severity: 'major', explanation: 'bad', proof: { check: 'lint' } },
          ]),
        ],
      },
      {
        maxChunkTokens: 10_000,
        checks: [
          {
            name: 'test',
            command: 'npm test',
            failedBefore: true,
            failedAfter: true,
            output: 'x',
            exitCode: 1,
          },
        ],
      },
    );
    const result = await runChangeReview(run);
    if (result.kind !== 'reviewed') throw new Error(result.reason);
    expect(result.review.parts).toBe(1);
    expect(result.review.findings.map((f) => [f.severity, f.downgradedFrom, f.evidence?.verified])).toEqual([
      ['major', 'critical', false],
      ['minor', 'major', false],
    ]);
    expect(result.review.findings[1]!.evidence?.output).toContain('no such check (the checks: test)');
    expect(result.review.dropped).toMatchObject([
      {
        explanation: 'wrong',
        reason: "the reviewer's own reproduction passed",
        evidence: { verified: false },
      },
    ]);
    expect(result.review.verified).toBe(0);
  });

  it('fails the review when a part is not submitted', async () => {
    const { run } = reviewRun({ reviewer: [submit('fine', [])] });
    const result = await runChangeReview(run);
    expect(result).toMatchObject({ kind: 'failed', reason: expect.stringContaining('(part 2 of 2)') });
  });

  it('stops before a part once the review has spent its cost budget', async () => {
    const { run, reviewer } = reviewRun(
      { reviewer: [submit('fine', []), submit('fine', [])] },
      { maxCostUsd: 0 },
    );
    const result = await runChangeReview(run);
    expect(result).toMatchObject({ kind: 'failed', reason: expect.stringContaining('budget exhausted') });
    expect(reviewer.calls).toHaveLength(0);
  });
});
