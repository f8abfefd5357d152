import { describe, expect, it } from 'vitest';
import {
  BadInputError,
  ConflictError,
  DrydockError,
  ForgeError,
  hasErrorCode,
  isBadInput,
  isConflict,
  isForgeError,
  isNotFound,
  isUnavailable,
  NotFoundError,
  UnavailableError,
} from './errors.ts';

describe('error code predicates', () => {
  const takenOver = new ConflictError('session_taken_over', 'another run owns it');
  const died = new UnavailableError('sandbox_died', 'gone');

  it('match by kind, and by any of the codes given', () => {
    expect(isConflict(takenOver)).toBe(true);
    expect(isConflict(takenOver, 'session_taken_over')).toBe(true);
    expect(isConflict(takenOver, 'lease_lost', 'session_taken_over')).toBe(true);
    expect(isConflict(takenOver, 'lease_lost')).toBe(false);
    expect(isUnavailable(takenOver)).toBe(false);
    expect(isUnavailable(died, 'sandbox_died')).toBe(true);
    expect(isNotFound(new NotFoundError('session_not_found', 'no'), 'session_not_found')).toBe(true);
    expect(isBadInput(new BadInputError('empty_task', 'empty'), 'empty_task', 'task_too_long')).toBe(true);
    expect(hasErrorCode(died, 'sandbox_died', 'session_taken_over')).toBe(true);
    expect(hasErrorCode(new Error('sandbox_died'), 'sandbox_died')).toBe(false);
    expect(isConflict({ kind: 'conflict', code: 'session_taken_over' })).toBe(false);
  });

  it('take a forge error by class, transient or not', () => {
    const permanent = new ForgeError('forge_no_access', 'no access');
    const transient = new ForgeError('forge_failed', 'GitHub answered 502', { transient: true });
    expect(permanent.kind).toBe('bad_input');
    expect(transient.kind).toBe('unavailable');
    expect(isForgeError(permanent, 'forge_no_access')).toBe(true);
    expect(isForgeError(transient, 'forge_no_access')).toBe(false);
    expect(isForgeError(transient)).toBe(true);
    expect(isForgeError(new BadInputError('invalid_input', 'x'))).toBe(false);
  });

  it('read a code another process reported, which this build may not know', () => {
    const remote = new DrydockError('conflict', 'code_from_a_newer_server', 'refused');
    expect(isConflict(remote)).toBe(true);
    expect(isConflict(remote, 'session_ended')).toBe(false);
  });

  it('do not compile with a misspelt code or one of another kind', () => {
    // Checked by `tsc --noEmit`: each line below is an error the compiler must report.
    // @ts-expect-error 'session_taken_ovr' is no code.
    expect(isConflict(takenOver, 'session_taken_ovr')).toBe(false);
    // @ts-expect-error sandbox_died is an unavailable code, not a conflict.
    expect(isConflict(died, 'sandbox_died')).toBe(false);
    // @ts-expect-error constructors take only their own codes.
    expect(new ConflictError('sandbox_died', 'x').kind).toBe('conflict');
  });
});
