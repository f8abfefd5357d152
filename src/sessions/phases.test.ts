import { describe, expect, it } from 'vitest';
import type { Outcome } from '../core/session.ts';
import {
  afterAgent,
  type Decision,
  type Interrupts,
  nextPhase,
  type Phase,
  type PhaseResult,
} from './phases.ts';

const calm: Interrupts = { cancelled: false, handingOff: false };
const cancelled: Interrupts = { cancelled: true, handingOff: false };
const stopping: Interrupts = { cancelled: false, handingOff: true };
const ready = { type: 'workspace.ready' } as never;

describe('nextPhase', () => {
  const table: [string, Phase, PhaseResult, Interrupts, Decision][] = [
    // The lifecycle, phase after phase.
    [
      'a new session is set up',
      'provisioning',
      { kind: 'done', events: [ready] },
      calm,
      { kind: 'enter', phase: 'setup', events: [ready] },
    ],
    [
      'a follow-up goes straight back to work',
      'provisioning',
      { kind: 'follow_up' },
      calm,
      { kind: 'enter', phase: 'working', reason: 'a follow-up opens a new turn' },
    ],
    [
      'an attempts session that took in its verified winner goes straight to delivering',
      'working',
      { kind: 'deliver', patch: { summary: 'fixed' } },
      calm,
      {
        kind: 'enter',
        phase: 'delivering',
        reason: 'the change was verified in the attempt it came from',
        patch: { summary: 'fixed' },
      },
    ],
    [
      'a cancel before that delivery ends the session cancelled',
      'working',
      { kind: 'deliver' },
      cancelled,
      { kind: 'end', state: 'cancelled', reason: 'cancelled by the user' },
    ],
    [
      'a stopping worker moves it to delivering and hands it off there',
      'working',
      { kind: 'deliver' },
      stopping,
      {
        kind: 'hand_off',
        move: { phase: 'delivering', reason: 'the change was verified in the attempt it came from' },
      },
    ],
    [
      'a resumed session goes on where it stood',
      'provisioning',
      { kind: 'resume', at: 'verifying' },
      calm,
      { kind: 'enter', phase: 'verifying' },
    ],
    [
      'the baseline known, the coder works',
      'setup',
      { kind: 'done' },
      calm,
      { kind: 'enter', phase: 'working' },
    ],
    [
      'a finished coder is verified',
      'working',
      { kind: 'done' },
      calm,
      { kind: 'enter', phase: 'verifying' },
    ],
    [
      'a passing gate goes to review',
      'verifying',
      { kind: 'done' },
      calm,
      { kind: 'enter', phase: 'reviewing' },
    ],
    [
      'a failing gate goes back to the coder',
      'verifying',
      { kind: 'rework', reason: 'r' },
      calm,
      { kind: 'enter', phase: 'working', reason: 'r' },
    ],
    [
      'findings go back to the coder',
      'reviewing',
      { kind: 'rework', reason: 'f' },
      calm,
      { kind: 'enter', phase: 'working', reason: 'f' },
    ],
    [
      'an approval is delivered, with its summary',
      'reviewing',
      { kind: 'done', patch: { summary: 's' } },
      calm,
      { kind: 'enter', phase: 'delivering', patch: { summary: 's' } },
    ],
    [
      'a delivery ends the session',
      'delivering',
      { kind: 'done', patch: { branch: 'b' } },
      calm,
      { kind: 'end', state: 'delivered', reason: null, patch: { branch: 'b' } },
    ],
    [
      'a bow-out ends it',
      'verifying',
      { kind: 'end', state: 'bowed_out', reason: 'x' },
      calm,
      { kind: 'end', state: 'bowed_out', reason: 'x' },
    ],
    // Cancel: ends anything that has not ended by itself.
    [
      'a cancel ends a working session',
      'working',
      { kind: 'done' },
      cancelled,
      { kind: 'end', state: 'cancelled', reason: 'cancelled by the user' },
    ],
    [
      'a cancel ends a provisioned one',
      'provisioning',
      { kind: 'done' },
      cancelled,
      { kind: 'end', state: 'cancelled', reason: 'cancelled by the user' },
    ],
    [
      'a cancel beats a hand-off',
      'working',
      { kind: 'paused' },
      { cancelled: true, handingOff: true },
      { kind: 'end', state: 'cancelled', reason: 'cancelled by the user' },
    ],
    [
      'a bow-out is not turned into a cancel',
      'reviewing',
      { kind: 'end', state: 'bowed_out', reason: 'x' },
      cancelled,
      { kind: 'end', state: 'bowed_out', reason: 'x' },
    ],
    [
      'a delivery is not turned into a cancel',
      'delivering',
      { kind: 'done' },
      cancelled,
      { kind: 'end', state: 'delivered', reason: null },
    ],
    // Hand-off: the move is kept, the next phase is left to the next worker.
    ['a paused coder is handed off', 'working', { kind: 'paused' }, stopping, { kind: 'hand_off' }],
    [
      'a paused coder is handed off even before the worker says so',
      'working',
      { kind: 'paused' },
      calm,
      { kind: 'hand_off' },
    ],
    [
      'a passed gate is handed off in review',
      'verifying',
      { kind: 'done' },
      stopping,
      { kind: 'hand_off', move: { phase: 'reviewing' } },
    ],
    [
      'a follow-up is handed off at work',
      'provisioning',
      { kind: 'follow_up' },
      stopping,
      { kind: 'hand_off', move: { phase: 'working', reason: 'a follow-up opens a new turn' } },
    ],
    [
      'a delivery is not handed off',
      'delivering',
      { kind: 'done' },
      stopping,
      { kind: 'end', state: 'delivered', reason: null },
    ],
  ];
  it.each(table)('%s', (_, phase, result, interrupts, decision) => {
    expect(nextPhase(phase, result, interrupts)).toEqual(decision);
  });
});

describe('afterAgent', () => {
  it.each([
    [{ kind: 'finished', summary: 's' }, { kind: 'done' }],
    [
      { kind: 'gave_up', reason: 'r' },
      { kind: 'end', state: 'bowed_out', reason: 'the agent gave up: r' },
    ],
    [
      { kind: 'budget_exhausted', reason: 'r' },
      { kind: 'end', state: 'bowed_out', reason: 'budget exhausted: r' },
    ],
    [
      { kind: 'loop_detected', reason: 'r' },
      { kind: 'end', state: 'bowed_out', reason: 'stuck in a loop: r' },
    ],
    [
      { kind: 'model_error', reason: 'r' },
      { kind: 'end', state: 'bowed_out', reason: 'the model failed: r' },
    ],
    [
      { kind: 'refused', reason: 'r' },
      { kind: 'end', state: 'bowed_out', reason: 'the model refused: r' },
    ],
    [
      { kind: 'cancelled', reason: 'r' },
      { kind: 'end', state: 'cancelled', reason: 'r' },
    ],
  ] as [Outcome, PhaseResult][])('%o → %o', (outcome, result) => {
    expect(afterAgent(outcome)).toEqual(result);
  });
});
