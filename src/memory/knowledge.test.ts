import { describe, expect, it } from 'vitest';
import type { CheckSummary, EventData, SessionEvent } from '../core/events.ts';
import type { KnowledgeItem } from '../core/knowledge.ts';
import { MAX_PROPOSALS_PER_SESSION, proposeKnowledge } from './propose-knowledge.ts';
import { retrieveKnowledge } from './retrieve-knowledge.ts';

function log(...data: EventData[]): SessionEvent[] {
  return data.map((each, index) => ({
    sessionId: 's1',
    seq: index + 1,
    at: '2026-01-01T00:00:00Z',
    data: each,
  }));
}

function check(name: string, exitCode: number, outputTail = ''): CheckSummary {
  return {
    name,
    command: `npm run ${name}`,
    exitCode,
    timedOut: false,
    tests: null,
    diagnostics: null,
    durationMs: 10,
    outputTail,
  };
}

const detected: EventData = {
  type: 'checks.detected',
  checks: [
    {
      name: 'test',
      command: 'PATH=x npm run test --reporter=junit',
      label: 'npm test',
      source: 'package.json scripts.test',
    },
    { name: 'typecheck', command: 'npm run typecheck', source: 'package.json scripts.typecheck' },
  ],
};

function write(path: string): EventData {
  return {
    type: 'tool.call',
    step: 3,
    toolCallId: `c-${path}`,
    tool: 'edit_file',
    input: { path, oldText: 'a', newText: 'b' },
  };
}

function verdict(round: number, passed: boolean, problems: string[] = []): EventData {
  return { type: 'gate.verdict', round, passed, problems, warnings: [], failToPass: [], passToPass: 0 };
}

const input = { repo: '/srv/app', sessionId: 's1', existing: [], workdir: '/workspace' };

describe('proposeKnowledge', () => {
  it('turns a gate failure the coder then fixed into a pitfall naming the check and the files', () => {
    const events = log(
      detected,
      {
        type: 'checks.completed',
        phase: 'baseline',
        round: 0,
        checks: [check('test', 0), check('typecheck', 0)],
      },
      write('src/parse.ts'),
      {
        type: 'checks.completed',
        phase: 'after',
        round: 1,
        checks: [check('test', 0), check('typecheck', 2, 'src/parse.ts(3,1): error TS2322')],
      },
      verdict(1, false, ['typecheck: 1 new diagnostic in src/parse.ts']),
      write('/workspace/src/types.ts'),
      {
        type: 'tool.call',
        step: 4,
        toolCallId: 'p',
        tool: 'apply_patch',
        input: { patch: '--- a/src/index.ts\n+++ b/src/index.ts\n@@ -1 +1 @@\n-a\n+b\n' },
      },
      // The reviewer reading files is not the coder fixing them.
      {
        type: 'tool.call',
        step: 1,
        toolCallId: 'r',
        tool: 'edit_file',
        input: { path: 'src/other.ts' },
        role: 'reviewer',
      },
      {
        type: 'checks.completed',
        phase: 'after',
        round: 2,
        checks: [check('test', 0), check('typecheck', 0)],
      },
      verdict(2, true),
    );
    const proposals = proposeKnowledge({ ...input, events });
    const pitfall = proposals.find((item) => item.kind === 'pitfall');
    expect(pitfall).toMatchObject({
      repo: '/srv/app',
      source: 's1',
      files: ['src/index.ts', 'src/types.ts'],
    });
    expect(pitfall?.title).toContain('npm run typecheck');
    expect(pitfall?.body).toContain('typecheck: 1 new diagnostic in src/parse.ts');
    expect(pitfall?.body).toContain('error TS2322');
    expect(pitfall?.body).toContain('`src/types.ts`');
    // Only the check that failed and then passed; the test check never failed.
    expect(proposals.filter((item) => item.kind === 'pitfall')).toHaveLength(1);
  });

  it('proposes no pitfall for a failure that was never fixed', () => {
    const events = log(
      detected,
      write('src/parse.ts'),
      { type: 'checks.completed', phase: 'after', round: 1, checks: [check('test', 1)] },
      verdict(1, false, ['test failed']),
    );
    expect(proposeKnowledge({ ...input, events }).filter((item) => item.kind === 'pitfall')).toEqual([]);
  });

  it('turns a reviewer finding the coder fixed into a convention for its file, and not one it rejected', () => {
    const events = log(
      {
        type: 'review.completed',
        round: 1,
        approved: false,
        summary: 's',
        findings: [
          {
            id: 'f1',
            round: 1,
            file: 'src/api/routes.ts',
            severity: 'major',
            explanation: 'Errors must go through onError. Do not catch them here.',
          },
          { id: 'f2', round: 1, file: 'src/b.ts', severity: 'major', explanation: 'Rename this.' },
        ],
      },
      {
        type: 'tool.call',
        step: 5,
        toolCallId: 'a',
        tool: 'respond_to_finding',
        input: { id: 'f1', decision: 'fixed', reason: 'removed the try/catch' },
      },
      {
        type: 'tool.call',
        step: 5,
        toolCallId: 'b',
        tool: 'respond_to_finding',
        input: { id: 'f2', decision: 'rejected', reason: 'no' },
      },
    );
    const proposals = proposeKnowledge({ ...input, events });
    expect(proposals).toHaveLength(1);
    expect(proposals[0]).toMatchObject({
      kind: 'convention',
      title: 'src/api/routes.ts: Errors must go through onError.',
      files: ['src/api/routes.ts'],
    });
    expect(proposals[0]?.body).toContain('removed the try/catch');
  });

  it('proposes how the checks run from the setup and the checks that passed', () => {
    const events = log(
      { type: 'environment.planned', source: 'detected', description: 'npm', setup: ['npm ci'], start: [] },
      { type: 'environment.image', imageId: 'i', reused: false, reason: 'new', setupMs: 5 },
      detected,
      {
        type: 'checks.completed',
        phase: 'baseline',
        round: 0,
        checks: [check('test', 0), check('typecheck', 1)],
      },
    );
    const [setup] = proposeKnowledge({ ...input, events });
    expect(setup).toMatchObject({ kind: 'setup', files: ['package.json'] });
    expect(setup?.body).toContain('`npm ci`');
    // Named as people run it, not with the reporter flags drydock adds.
    expect(setup?.body).toContain('test: `npm test`');
    expect(setup?.title).toBe('How the checks run: `npm test`');
    // typecheck never passed here: it is not a check that "works".
    expect(setup?.body).not.toContain('typecheck');
  });

  it('never repeats an existing item (normalized) and proposes at most a handful', () => {
    const events = log(detected, {
      type: 'checks.completed',
      phase: 'baseline',
      round: 0,
      checks: [check('test', 0)],
    });
    const [setup] = proposeKnowledge({ ...input, events });
    expect(setup).toBeDefined();
    const existing = [{ title: `  ${setup?.title.toUpperCase()}!`, body: 'other', files: [] }];
    expect(proposeKnowledge({ ...input, events, existing })).toEqual([]);

    const findings = Array.from({ length: 8 }, (_, index) => ({
      id: `f${index}`,
      round: 1,
      file: `src/f${index}.ts`,
      severity: 'minor' as const,
      explanation: `Finding number ${index}.`,
    }));
    const many = log(
      { type: 'review.completed', round: 1, approved: false, summary: '', findings },
      ...findings.map(
        (finding): EventData => ({
          type: 'tool.call',
          step: 2,
          toolCallId: finding.id,
          tool: 'respond_to_finding',
          input: { id: finding.id, decision: 'fixed', reason: 'done' },
        }),
      ),
    );
    expect(proposeKnowledge({ ...input, events: many })).toHaveLength(MAX_PROPOSALS_PER_SESSION);
  });
});

function approved(id: string, title: string, body: string, files: string[] = []): KnowledgeItem {
  return {
    id,
    repo: '/srv/app',
    title,
    body,
    kind: 'pitfall',
    files,
    status: 'approved',
    source: 'session-9',
    proposedAt: '2026-01-01T00:00:00Z',
    decidedBy: 'alice',
    decidedAt: '2026-01-01T00:00:00Z',
    updatedAt: '2026-01-01T00:00:00Z',
    staleFiles: null,
  };
}

describe('retrieveKnowledge', () => {
  const parser = approved(
    'k1',
    'The parser needs the grammar rebuilt',
    'Run `npm run grammar` after editing the grammar.',
    ['src/grammar.peg'],
  );
  const billing = approved('k2', 'Billing amounts are in cents', 'Never use floats for money.', [
    'src/billing/money.ts',
  ]);

  it('ranks by relevance to the task, leaves out what shares no word with it, and says where each came from', () => {
    const retrieval = retrieveKnowledge([billing, parser], {
      task: 'Fix the parser crash on empty grammar rules',
    });
    expect(retrieval.items.map((item) => item.id)).toEqual(['k1']);
    expect(retrieval.section).toContain('# Repository knowledge');
    expect(retrieval.section).toContain('The parser needs the grammar rebuilt');
    expect(retrieval.section).toContain('from session session-9, approved by alice');
    expect(retrieval.section).not.toContain('cents');
  });

  it('finds items by the files a reviewer sees changed', () => {
    const retrieval = retrieveKnowledge([billing, parser], {
      task: 'Make it faster',
      files: ['src/billing/money.ts'],
    });
    expect(retrieval.items.map((item) => item.id)).toEqual(['k2']);
  });

  it('keeps within the token budget, skipping an item too long to fit for one that fits', () => {
    const long = approved('k3', 'Parser internals', `parser ${'word '.repeat(2_000)}`);
    const retrieval = retrieveKnowledge([long, parser], { task: 'parser internals', budgetTokens: 200 });
    expect(retrieval.items.map((item) => item.id)).toEqual(['k1']);
    expect(retrieveKnowledge([long], { task: 'parser internals', budgetTokens: 200 })).toEqual({
      items: [],
      section: '',
    });
  });

  it('gives nothing for a task of only common words', () => {
    expect(retrieveKnowledge([parser], { task: 'fix it' }).items).toEqual([]);
  });
});
