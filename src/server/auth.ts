import type { MiddlewareHandler } from 'hono';
import { ForbiddenError, UnauthenticatedError } from '../core/errors.ts';
import type { ApiToken, Store, TokenRole } from '../core/ports/store.ts';
import type { AppEnv } from './server-deps.ts';
import { hashToken, roleAllows } from './tokens.ts';

/**
 * Authenticates `/api/*` with a bearer token (its SHA-256 looked up in the store). The events stream
 * also takes `?access_token=`, since EventSource cannot set headers.
 */
export function authenticate(store: Store): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const header = c.req.header('authorization');
    let secret: string | undefined;
    if (header !== undefined) {
      const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
      if (!match) {
        throw new UnauthenticatedError(
          'invalid_authorization',
          'Send the token as: Authorization: Bearer <token>.',
        );
      }
      secret = match[1];
    } else if (c.req.method === 'GET' && c.req.path.endsWith('/events')) {
      secret = c.req.query('access_token');
    }
    if (!secret) {
      throw new UnauthenticatedError(
        'missing_token',
        'This route needs a token: Authorization: Bearer <token> (drydock token create --role viewer).',
      );
    }
    const token = await store.findTokenByHash(hashToken(secret));
    if (!token) throw new UnauthenticatedError('unknown_token', 'The token is not known to this server.');
    c.set('token', token);
    await next();
  };
}

/** Refuses tokens below `role`. Runs after authenticate. */
export function requireRole(role: TokenRole): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    requireTokenRole(c.get('token'), role);
    await next();
  };
}

/** Throws ForbiddenError `role_too_low` unless `token` has `role` or a higher one. Pure. */
export function requireTokenRole(token: ApiToken, role: TokenRole): void {
  if (roleAllows(token.role, role)) return;
  throw new ForbiddenError(
    'role_too_low',
    `This needs the ${role} role; token "${token.name}" is a ${token.role}.`,
  );
}
