import { HTTPException } from 'hono/http-exception';
import type { ErrorKind } from '../core/errors.ts';
import { isDrydockError } from '../core/errors.ts';

export type ErrorStatus = 400 | 401 | 403 | 404 | 409 | 413 | 415 | 500 | 503;

export interface ErrorBody {
  error: {
    code: string;
    message: string;
    fields?: Record<string, string>;
    details?: Record<string, unknown>;
  };
}

const STATUS: Record<ErrorKind, ErrorStatus> = {
  bad_input: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  too_large: 413,
  unavailable: 503,
  internal: 500,
};

/**
 * The one mapping from thrown errors to HTTP answers. Typed errors keep their code and message;
 * anything else is a 500 that says nothing about the inside. Pure.
 */
export function errorResponse(error: unknown): { status: ErrorStatus; body: ErrorBody } {
  // hono's validators throw these for input they cannot read (the routes' own checks run first, so this is
  // a fallback): bad input, not an internal error.
  if (error instanceof HTTPException && (error.status === 400 || error.status === 415)) {
    const code = error.status === 415 ? 'unsupported_media_type' : 'bad_request';
    return { status: error.status, body: { error: { code, message: error.message } } };
  }
  if (!isDrydockError(error)) {
    return {
      status: 500,
      body: { error: { code: 'internal_error', message: 'Internal error; the server log has the details.' } },
    };
  }
  const fields = error.details?.fields;
  // An error's `details.public` is structured detail a client acts on (a spend limit and when it resets).
  const details = error.details?.public;
  return {
    status: STATUS[error.kind],
    body: {
      error: {
        code: error.code,
        message: error.message,
        ...(isFieldMap(fields) ? { fields } : {}),
        ...(isRecord(details) ? { details } : {}),
      },
    },
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isFieldMap(value: unknown): value is Record<string, string> {
  return (
    typeof value === 'object' &&
    value !== null &&
    Object.values(value).every((entry) => typeof entry === 'string')
  );
}
