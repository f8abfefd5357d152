import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isDrydockError } from '../core/errors.ts';
import type { JsonValue } from '../core/ports/store.ts';
import {
  CHECKPOINT_VERSION,
  checkpointJson,
  parseCheckpoint,
  parseCheckpointHead,
  readCheckpoint,
  storedVersion,
} from './checkpoint-schema.ts';
import { initialCheckpoint } from './session-checkpoint.ts';

/** A checkpoint drydock wrote at de2c9e4 (version 1, unversioned): the demo session, delivered. */
const v1 = JSON.parse(
  readFileSync(new URL('./fixtures/checkpoint-v1-de2c9e4.json', import.meta.url), 'utf8'),
) as Record<string, JsonValue> & { agent: Record<string, JsonValue>; gate: Record<string, JsonValue> };

/** The same session's checkpoint as drydock wrote it at cd854a1 (version 2: messages inline). */
const v2 = JSON.parse(
  readFileSync(new URL('./fixtures/checkpoint-v2-cd854a1.json', import.meta.url), 'utf8'),
) as Record<string, JsonValue> & { agent: Record<string, JsonValue> };

const refusal = (json: JsonValue, log: JsonValue[] = []) => {
  try {
    parseCheckpoint(json, log);
  } catch (error) {
    if (isDrydockError(error)) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error('read');
};

describe('parseCheckpoint', () => {
  it('reads a checkpoint an older drydock wrote, as it was', () => {
    expect(storedVersion(v1)).toBe(1);
    const read = parseCheckpoint(v1, []);
    expect(read.agent.messages).toEqual(v1.agent.messages);
    expect(read.agent.outcome).toEqual({ kind: 'finished', summary: expect.any(String) });
    expect(read.gate.lastVerdict?.failToPass).toEqual(['mean of several numbers']);
    expect(read.workspace).toEqual(v1.workspace);
    expect(read.messagesSeenSeq).toBe(v1.messagesSeenSeq);
  });

  it('gives a verdict from before detection errors an empty list of them', () => {
    const { detectionErrors: _, ...verdict } = v1.gate.lastVerdict as Record<string, JsonValue>;
    const older = { ...v1, gate: { ...v1.gate, lastVerdict: verdict } };
    expect(parseCheckpoint(older, []).gate.lastVerdict?.detectionErrors).toEqual([]);
  });

  it('reads the first drydock’s checkpoint (the bare agent state) with a gate that has not run', () => {
    const v0 = v1.agent;
    expect(storedVersion(v0)).toBe(0);
    const read = parseCheckpoint(v0, []);
    expect(read.agent.step).toBe(v1.agent.step);
    expect(read.gate).toEqual(initialCheckpoint('t').gate);
  });

  it('reads a version 2 checkpoint, its conversation inline, without a log', () => {
    expect(storedVersion(v2)).toBe(2);
    const read = parseCheckpoint(v2, []);
    expect(read).toEqual(parseCheckpoint(v1, []));
    expect(read.agent.messages).toEqual(v2.agent.messages);
  });

  it('writes the current version: the document without the conversation, the messages as the log', () => {
    const current = parseCheckpoint(v1, []);
    const { document, log } = checkpointJson(current);
    const stored = JSON.parse(JSON.stringify(document)) as Record<string, JsonValue> & {
      agent: Record<string, JsonValue>;
    };
    expect(stored.version).toBe(CHECKPOINT_VERSION);
    expect(stored.agent).not.toHaveProperty('messages');
    expect(stored).not.toHaveProperty('messages');
    expect(stored.messageCount).toBe(current.agent.messages.length);
    expect(log).toEqual(current.agent.messages);
    expect(parseCheckpoint(stored, JSON.parse(JSON.stringify(log)))).toEqual(current);
  });

  it('keeps the usage breakdown and a refusal; older checkpoints read without them', () => {
    const old = parseCheckpoint(v1, []);
    expect(old.agent.usage).not.toHaveProperty('cacheReadTokens');
    const usage = {
      ...old.agent.usage,
      cacheReadTokens: 9,
      cacheWriteTokens: 8,
      reasoningTokens: 7,
      costUnknown: true as const,
    };
    const current = {
      ...old,
      agent: { ...old.agent, usage, outcome: { kind: 'refused' as const, reason: 'r' } },
    };
    const { document, log } = checkpointJson(current);
    expect(parseCheckpoint(JSON.parse(JSON.stringify(document)), JSON.parse(JSON.stringify(log)))).toEqual(
      current,
    );
  });

  it('keeps the agent’s plan (todo) across a write and a read; a checkpoint without one reads without', () => {
    const current = parseCheckpoint(v1, []);
    expect(current.agent).not.toHaveProperty('todos');
    const todos = [
      { id: '1', text: 'reproduce the bug', status: 'done' as const },
      { id: 'fix', text: 'fix parse()', status: 'in_progress' as const },
    ];
    const { document, log } = checkpointJson({ ...current, agent: { ...current.agent, todos } });
    const read = parseCheckpoint(JSON.parse(JSON.stringify(document)), JSON.parse(JSON.stringify(log)));
    expect(read.agent.todos).toEqual(todos);
    const damaged = JSON.parse(JSON.stringify(document));
    damaged.agent.todos[0].status = 'maybe';
    expect(refusal(damaged, log).message).toContain('agent.todos[0].status');
  });

  it('refuses a log that does not hold as many messages as the document counts', () => {
    const { document, log } = checkpointJson(parseCheckpoint(v1, []));
    expect(refusal(document, log.slice(0, -1)).message).toMatch(
      new RegExp(`log holds ${log.length - 1} messages where its document counts ${log.length}`),
    );
  });

  it('says which message of the log is damaged', () => {
    const { document, log } = checkpointJson(parseCheckpoint(v1, []));
    const damaged = log.map((entry, index) => (index === 2 ? { role: 'nobody', content: 'x' } : entry));
    expect(refusal(document, damaged).message).toMatch(/messages\[2\]/);
  });

  it('reads the head of any version without the conversation or the log', () => {
    const { document } = checkpointJson(parseCheckpoint(v1, []));
    for (const stored of [document, v2, v1]) {
      const head = parseCheckpointHead(stored);
      expect(head.workspace).toEqual(v1.workspace);
      expect(head.messagesSeenSeq).toBe(v1.messagesSeenSeq);
      expect(head.agent.step).toBe(v1.agent.step);
      expect(head.agent).not.toHaveProperty('messages');
      expect(head).not.toHaveProperty('messages');
      expect(head).not.toHaveProperty('messageCount');
    }
  });

  it('reads the log from the store only for a document that has one', async () => {
    const current = parseCheckpoint(v1, []);
    const { document, log } = checkpointJson(current);
    const reads: string[] = [];
    const store = (stored: JsonValue) => ({
      loadCheckpoint: async () => stored,
      loadCheckpointLog: async () => {
        reads.push('log');
        return log;
      },
    });
    expect(await readCheckpoint(store(document), 's1')).toEqual(current);
    expect(reads).toEqual(['log']);
    expect(await readCheckpoint(store(v2), 's1')).toEqual(current);
    expect(reads).toEqual(['log']);
    await expect(readCheckpoint(store('not a checkpoint'), 's1')).rejects.toMatchObject({
      code: 'checkpoint_unreadable',
    });
  });

  it('refuses a newer drydock’s checkpoint rather than misread it', () => {
    expect(refusal({ ...v1, version: CHECKPOINT_VERSION + 1 })).toEqual({
      code: 'checkpoint_unreadable',
      message: expect.stringContaining('written by a newer drydock'),
    });
  });

  it('says which field is wrong in a damaged checkpoint', () => {
    const damaged = { ...v1, agent: { ...v1.agent, step: 'three' } };
    expect(refusal(damaged).message).toMatch(/agent\.step/);
    expect(refusal(null).message).toMatch(/not a JSON object/);
  });
});
