import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isDrydockError } from '../core/errors.ts';
import type { JsonValue } from '../core/ports/store.ts';
import { CHECKPOINT_VERSION, checkpointJson, parseCheckpoint, storedVersion } from './checkpoint-schema.ts';
import { initialCheckpoint } from './session-checkpoint.ts';

/** A checkpoint drydock wrote at de2c9e4 (version 1, unversioned): the demo session, delivered. */
const v1 = JSON.parse(
  readFileSync(new URL('./fixtures/checkpoint-v1-de2c9e4.json', import.meta.url), 'utf8'),
) as Record<string, JsonValue> & { agent: Record<string, JsonValue>; gate: Record<string, JsonValue> };

const refusal = (json: JsonValue) => {
  try {
    parseCheckpoint(json);
  } catch (error) {
    if (isDrydockError(error)) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error('read');
};

describe('parseCheckpoint', () => {
  it('reads a checkpoint an older drydock wrote, as it was', () => {
    expect(storedVersion(v1)).toBe(1);
    const read = parseCheckpoint(v1);
    expect(read.agent.messages).toEqual(v1.agent.messages);
    expect(read.agent.outcome).toEqual({ kind: 'finished', summary: expect.any(String) });
    expect(read.gate.lastVerdict?.failToPass).toEqual(['mean of several numbers']);
    expect(read.workspace).toEqual(v1.workspace);
    expect(read.messagesSeenSeq).toBe(v1.messagesSeenSeq);
  });

  it('gives a verdict from before detection errors an empty list of them', () => {
    const { detectionErrors: _, ...verdict } = v1.gate.lastVerdict as Record<string, JsonValue>;
    const older = { ...v1, gate: { ...v1.gate, lastVerdict: verdict } };
    expect(parseCheckpoint(older).gate.lastVerdict?.detectionErrors).toEqual([]);
  });

  it('reads the first drydock’s checkpoint (the bare agent state) with a gate that has not run', () => {
    const v0 = v1.agent;
    expect(storedVersion(v0)).toBe(0);
    const read = parseCheckpoint(v0);
    expect(read.agent.step).toBe(v1.agent.step);
    expect(read.gate).toEqual(initialCheckpoint('t').gate);
  });

  it('writes the current version and reads back what it wrote', () => {
    const current = parseCheckpoint(v1);
    const json = checkpointJson(current);
    expect((json as { version: number }).version).toBe(CHECKPOINT_VERSION);
    expect(parseCheckpoint(JSON.parse(JSON.stringify(json)))).toEqual(current);
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
