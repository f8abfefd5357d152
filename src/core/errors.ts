/**
 * Typed errors. Every failure outside the agent loop is one of these: a stable `code` for programs,
 * a message that says what went wrong and what to do, a `cause`, and whether retrying may help.
 */
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
  /** Extra structured detail (field errors, paths) for API and CLI output. */
  details?: Record<string, unknown>;
}

export class DrydockError extends Error {
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
  constructor(code: string, message: string, options?: DrydockErrorOptions) {
    super('bad_input', code, message, options);
    this.name = 'BadInputError';
  }
}

export class NotFoundError extends DrydockError {
  constructor(code: string, message: string, options?: DrydockErrorOptions) {
    super('not_found', code, message, options);
    this.name = 'NotFoundError';
  }
}

/** The request conflicts with the current state: cancelling a session that already ended. */
export class ConflictError extends DrydockError {
  constructor(code: string, message: string, options?: DrydockErrorOptions) {
    super('conflict', code, message, options);
    this.name = 'ConflictError';
  }
}

/** No credentials, or credentials drydock does not know. */
export class UnauthenticatedError extends DrydockError {
  constructor(code: string, message: string, options?: DrydockErrorOptions) {
    super('unauthenticated', code, message, options);
    this.name = 'UnauthenticatedError';
  }
}

/** Known credentials whose role does not allow the request. */
export class ForbiddenError extends DrydockError {
  constructor(code: string, message: string, options?: DrydockErrorOptions) {
    super('forbidden', code, message, options);
    this.name = 'ForbiddenError';
  }
}

/** An input over a size limit (a request body). */
export class TooLargeError extends DrydockError {
  constructor(code: string, message: string, options?: DrydockErrorOptions) {
    super('too_large', code, message, options);
    this.name = 'TooLargeError';
  }
}

/** A dependency of drydock (bubblewrap, git, a model provider) is missing or not working. */
export class UnavailableError extends DrydockError {
  constructor(code: string, message: string, options?: DrydockErrorOptions) {
    super('unavailable', code, message, { transient: true, ...options });
    this.name = 'UnavailableError';
  }
}

export class InternalError extends DrydockError {
  constructor(code: string, message: string, options?: DrydockErrorOptions) {
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
  constructor(code: string, message: string, options?: DrydockErrorOptions) {
    super(options?.transient ? 'unavailable' : 'bad_input', code, message, options);
    this.name = 'ForgeError';
  }
}
