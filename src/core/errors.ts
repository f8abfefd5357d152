/**
 * Typed errors. Every failure outside the agent loop is one of these: a stable `code` for programs,
 * a message that says what went wrong and what to do, a `cause`, and whether retrying may help.
 * Each class takes only its own codes (error-codes.ts); compare codes with the predicates below.
 */
import type {
  BadInputCode,
  ConflictCode,
  ErrorCode,
  ForbiddenCode,
  ForgeErrorCode,
  InternalCode,
  NotFoundCode,
  TooLargeCode,
  UnauthenticatedCode,
  UnavailableCode,
} from './error-codes.ts';

export type * from './error-codes.ts';

export type ErrorKind =
  | 'bad_input'
  | 'unauthenticated'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'too_large'
  | 'unavailable'
  | 'internal';

export interface DrydockErrorOptions {
  cause?: unknown;
  transient?: boolean;
  /**
   * Extra structured detail (field errors, paths) for API and CLI output; `public`, an object, is sent
   * as the HTTP body's `details`.
   */
  details?: Record<string, unknown>;
}

export class DrydockError extends Error {
  /**
   * One of `ErrorCode` for errors thrown here (each subclass narrows it); any string for an error another
   * process reported (a drydock server's answer to the CLI), whose codes this build may not know.
   */
  readonly code: string;
  readonly kind: ErrorKind;
  readonly transient: boolean;
  readonly details: Record<string, unknown> | undefined;

  constructor(kind: ErrorKind, code: string, message: string, options: DrydockErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'DrydockError';
    this.kind = kind;
    this.code = code;
    this.transient = options.transient ?? false;
    this.details = options.details;
  }
}

/** The caller asked for something invalid: an empty task, a path that is not a repository. */
export class BadInputError extends DrydockError {
  declare readonly code: BadInputCode;

  constructor(code: BadInputCode, message: string, options?: DrydockErrorOptions) {
    super('bad_input', code, message, options);
    this.name = 'BadInputError';
  }
}

export class NotFoundError extends DrydockError {
  declare readonly code: NotFoundCode;

  constructor(code: NotFoundCode, message: string, options?: DrydockErrorOptions) {
    super('not_found', code, message, options);
    this.name = 'NotFoundError';
  }
}

/** The request conflicts with the current state: cancelling a session that already ended. */
export class ConflictError extends DrydockError {
  declare readonly code: ConflictCode;

  constructor(code: ConflictCode, message: string, options?: DrydockErrorOptions) {
    super('conflict', code, message, options);
    this.name = 'ConflictError';
  }
}

/** No credentials, or credentials drydock does not know. */
export class UnauthenticatedError extends DrydockError {
  declare readonly code: UnauthenticatedCode;

  constructor(code: UnauthenticatedCode, message: string, options?: DrydockErrorOptions) {
    super('unauthenticated', code, message, options);
    this.name = 'UnauthenticatedError';
  }
}

/** Known credentials whose role does not allow the request. */
export class ForbiddenError extends DrydockError {
  declare readonly code: ForbiddenCode;

  constructor(code: ForbiddenCode, message: string, options?: DrydockErrorOptions) {
    super('forbidden', code, message, options);
    this.name = 'ForbiddenError';
  }
}

/** An input over a size limit (a request body). */
export class TooLargeError extends DrydockError {
  declare readonly code: TooLargeCode;

  constructor(code: TooLargeCode, message: string, options?: DrydockErrorOptions) {
    super('too_large', code, message, options);
    this.name = 'TooLargeError';
  }
}

/** A dependency of drydock (bubblewrap, git, a model provider) is missing or not working. */
export class UnavailableError extends DrydockError {
  declare readonly code: UnavailableCode;

  constructor(code: UnavailableCode, message: string, options?: DrydockErrorOptions) {
    super('unavailable', code, message, { transient: true, ...options });
    this.name = 'UnavailableError';
  }
}

export class InternalError extends DrydockError {
  declare readonly code: InternalCode;

  constructor(code: InternalCode, message: string, options?: DrydockErrorOptions) {
    super('internal', code, message, options);
    this.name = 'InternalError';
  }
}

export function isDrydockError(error: unknown): error is DrydockError {
  return error instanceof DrydockError;
}

/** A short, human-readable description of any thrown value. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}

/** A forge (GitHub, a local remote) refused or failed a request; `code` says which. */
export class ForgeError extends DrydockError {
  declare readonly code: ForgeErrorCode;

  constructor(code: ForgeErrorCode, message: string, options?: DrydockErrorOptions) {
    super(options?.transient ? 'unavailable' : 'bad_input', code, message, options);
    this.name = 'ForgeError';
  }
}

/** Whether `error` is a drydock error with one of `codes`. */
export function hasErrorCode<C extends ErrorCode>(
  error: unknown,
  ...codes: readonly [C, ...C[]]
): error is DrydockError & { readonly code: C } {
  return isDrydockError(error) && (codes as readonly string[]).includes(error.code);
}

function isKind(error: unknown, kind: ErrorKind, codes: readonly string[]): error is DrydockError {
  return isDrydockError(error) && error.kind === kind && (codes.length === 0 || codes.includes(error.code));
}

/** A bad-input error; with codes, one with any of them. */
export function isBadInput<C extends BadInputCode>(
  error: unknown,
  ...codes: C[]
): error is DrydockError & { readonly code: C } {
  return isKind(error, 'bad_input', codes);
}

export function isNotFound<C extends NotFoundCode>(
  error: unknown,
  ...codes: C[]
): error is DrydockError & { readonly code: C } {
  return isKind(error, 'not_found', codes);
}

export function isConflict<C extends ConflictCode>(
  error: unknown,
  ...codes: C[]
): error is DrydockError & { readonly code: C } {
  return isKind(error, 'conflict', codes);
}

export function isUnavailable<C extends UnavailableCode>(
  error: unknown,
  ...codes: C[]
): error is DrydockError & { readonly code: C } {
  return isKind(error, 'unavailable', codes);
}

/** A forge's refusal or failure (transient or not); with codes, one with any of them. */
export function isForgeError<C extends ForgeErrorCode>(
  error: unknown,
  ...codes: C[]
): error is ForgeError & { readonly code: C } {
  return (
    error instanceof ForgeError && (codes.length === 0 || (codes as readonly string[]).includes(error.code))
  );
}
