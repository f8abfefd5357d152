import {
  type BadInputCode,
  BadInputError,
  DrydockError,
  type InternalCode,
  InternalError,
  type NotFoundCode,
  NotFoundError,
  UnavailableError,
} from '../core/errors.ts';
import type { OperationErrorCode, OperationErrorKind } from './supervisor.ts';

/** The supervisor's codes by kind: each is one of core's codes of that kind. */
const OPERATION_CODES = {
  bad_input: ['empty_command', 'is_directory', 'not_directory', 'permission_denied'],
  not_found: ['cwd_not_found', 'file_not_found'],
  internal: ['io_error', 'supervisor_error'],
} as const satisfies {
  bad_input: readonly (BadInputCode & OperationErrorCode)[];
  not_found: readonly (NotFoundCode & OperationErrorCode)[];
  internal: readonly (InternalCode & OperationErrorCode)[];
};

function known<C extends string>(codes: readonly C[], code: string): code is C {
  return (codes as readonly string[]).includes(code);
}

/**
 * Maps a failed sandbox operation (from the supervisor or the host runner) to a typed error. The code
 * crossed a pipe as a string: one this build does not know (a supervisor of another version) keeps its
 * kind and code on a plain DrydockError.
 */
export function operationFailure(kind: OperationErrorKind, code: string, message: string): DrydockError {
  switch (kind) {
    case 'bad_input':
      return known(OPERATION_CODES.bad_input, code)
        ? new BadInputError(code, message)
        : new DrydockError(kind, code, message);
    case 'not_found':
      return known(OPERATION_CODES.not_found, code)
        ? new NotFoundError(code, message)
        : new DrydockError(kind, code, message);
    case 'internal':
      return known(OPERATION_CODES.internal, code)
        ? new InternalError(code, message)
        : new DrydockError(kind, code, message);
  }
}

/** The sandbox's processes are gone without destroy(): the session needs a new sandbox. */
export function sandboxDied(sandboxId: string, reason: string, cause?: unknown): UnavailableError {
  return new UnavailableError(
    'sandbox_died',
    `Sandbox ${sandboxId} stopped unexpectedly (${reason}). Its processes are gone: create a new sandbox for the session.`,
    { cause },
  );
}

/** A call on a sandbox after destroy(): a bug in the caller, so retrying will not help. */
export function sandboxDestroyed(sandboxId: string): UnavailableError {
  return new UnavailableError(
    'sandbox_destroyed',
    `Sandbox ${sandboxId} was destroyed: create a new sandbox for the session.`,
    { transient: false },
  );
}

/** The sandbox lived out its wall-clock limit: everything in it was stopped. Retrying will not help. */
export function sandboxWallTimeExceeded(sandboxId: string, wallTimeMs: number): UnavailableError {
  return new UnavailableError(
    'sandbox_wall_time',
    `Sandbox ${sandboxId} reached its wall-clock limit of ${wallTimeMs} ms and every process in it was ` +
      'stopped: create a new sandbox for the session, with a larger limits.wallTimeMs if the work needs it.',
    { transient: false, details: { wallTimeMs } },
  );
}
