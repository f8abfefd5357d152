import {
  BadInputError,
  type DrydockError,
  InternalError,
  NotFoundError,
  UnavailableError,
} from '../core/errors.ts';
import type { OperationErrorKind } from './supervisor.ts';

/** Maps a failed sandbox operation (from the supervisor or the host runner) to a typed error. */
export function operationFailure(kind: OperationErrorKind, code: string, message: string): DrydockError {
  switch (kind) {
    case 'bad_input':
      return new BadInputError(code, message);
    case 'not_found':
      return new NotFoundError(code, message);
    case 'internal':
      return new InternalError(code, message);
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
