import { describe, expect, it } from 'vitest';
import { buildTimeline } from './timeline.ts';
import type { EventData, StreamEvent } from './types.ts';

const events = (...data: EventData[]): StreamEvent[] =>
  data.map((each, i) => ({ sessionId: 'p', seq: i + 1, at: '2026-01-01T00:00:00.000Z', data: each }));

describe("a parent's timeline", () => {
  it('says what happened to its children in one line each, not as raw fields', () => {
    const items = buildTimeline(
      events(
        {
          type: 'child.spawned',
          childId: 'c1',
          kind: 'attempt',
          task: 'Fix it\nwith details',
          model: 'script:a',
        },
        { type: 'child.ended', childId: 'c1', state: 'bowed_out', reason: 'the gate failed' },
        { type: 'child.ended', childId: 'c2', state: 'delivered', reason: null },
        { type: 'child.integrated', childId: 'c2', files: ['a.ts', 'b.ts'], conflicts: ['b.ts'] },
        { type: 'attempts.chosen', winnerId: 'c2', reason: 'fixed it', ranking: [] },
        { type: 'attempts.chosen', winnerId: null, reason: 'none passed', ranking: [] },
      ),
    );
    expect(items.map((item) => (item.kind === 'note' ? item.text : item.kind))).toEqual([
      'started attempt c1 (script:a): Fix it',
      'c1 bowed out: the gate failed',
      'c2 delivered',
      "took in c2's change (2 files; conflicts in b.ts)",
      'chose c2: fixed it',
      'no attempt qualified: none passed',
    ]);
  });
});
