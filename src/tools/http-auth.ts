/**
 * Bearer-token authentication for every HTTP surface the package serves (Streamable HTTP MCP, A2A,
 * the observability server). It lives in tools/ because that is the lowest folder all three may
 * import (observe and a2a sit above tools); it loads nothing but node built-ins at run time.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import { NoError } from '../contracts/errors.js';

/** The shortest token accepted: shorter ones are guessable. */
export const MIN_TOKEN_LENGTH = 16;

/** Whether `host` only accepts connections from this machine. */
export function isLoopback(host: string): boolean {
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  return host === '::1' || host === '0:0:0:0:0:0:0:1';
}

/**
 * The token of an `Authorization: Bearer <token>` header, else undefined. The scheme is
 * case-insensitive and may be followed by several spaces (RFC 9110 §11.1, RFC 6750 §2.1); any other
 * scheme (Basic, ...) is no bearer token. A token is only read from this header, never from a query
 * string: URLs end up in access logs and browser history (RFC 6750 §2.3 discourages it too).
 */
export function bearerTokenOf(header: string | undefined): string | undefined {
  const token = /^Bearer[ \t]+(.+)$/i.exec(header ?? '')?.[1]?.trim();
  return token === '' ? undefined : token;
}

const digest = (text: string): Buffer => createHash('sha256').update(text).digest();

/** Compares a given token with `token` in constant time (over digests, so the length leaks nothing either). */
export function tokenMatcher(token: string): (given: string | undefined) => boolean {
  const expected = digest(token);
  return (given) => timingSafeEqual(digest(given ?? ''), expected) && given !== undefined && given !== '';
}

/**
 * Verifies a bearer token your own way (a JWT, an introspection call): `true` accepts it, an
 * `AuthInfo` accepts it as that client (`clientId` then keys per-client limits and caller ids),
 * `false` refuses it. A verifier that throws answers 500, and the error is not shown to the client.
 */
export type TokenVerifier = (token: string) => boolean | AuthInfo | Promise<boolean | AuthInfo>;

export interface BearerAuthOptions {
  /**
   * The bearer token every request must carry (`Authorization: Bearer <token>`): at least
   * MIN_TOKEN_LENGTH characters, compared in constant time, never logged. Required to serve beyond
   * loopback unless `verifyToken` is given.
   * @default undefined (no token: loopback only)
   */
  token?: string;
  /** Verifies tokens instead of comparing them with `token` (one or the other). @default undefined */
  verifyToken?: TokenVerifier;
}

/** Why a request is refused, in RFC 6750 terms (the MCP SDK's `requireBearerAuth` uses the same). */
export interface BearerRefusal {
  ok: false;
  /** 401, or 500 when `verifyToken` threw. */
  status: 401 | 500;
  /** The RFC 6750 / OAuth error code: `invalid_token` or `server_error`. */
  error: 'invalid_token' | 'server_error';
  /** What is wrong and how to fix it; never contains a token. */
  description: string;
}

export type BearerOutcome = { ok: true; auth?: AuthInfo } | BearerRefusal;

/** Checks `Authorization` header values; undefined when the options ask for no authentication. */
export type BearerAuthenticator = (header: string | undefined) => Promise<BearerOutcome>;

const refused = (description: string): BearerRefusal => ({ ok: false, status: 401, error: 'invalid_token', description });

/**
 * Validates the options (a short token, or both a token and a verifier, is a NoError) and returns
 * the check every request goes through, or undefined when none is asked for.
 *
 * @example
 * const check = bearerAuthenticator({ token: process.env.MCP_TOKEN });
 * const outcome = await check?.(req.headers.authorization);
 */
export function bearerAuthenticator(options: BearerAuthOptions): BearerAuthenticator | undefined {
  const { token, verifyToken } = options;
  if (token !== undefined && (typeof token !== 'string' || token.trim().length < MIN_TOKEN_LENGTH)) {
    throw new NoError('INVALID_REQUEST', `token must be a string of at least ${MIN_TOKEN_LENGTH} characters: use a random one, e.g. crypto.randomBytes(24).toString('base64url')`, {
      details: { minLength: MIN_TOKEN_LENGTH },
    });
  }
  if (verifyToken !== undefined && typeof verifyToken !== 'function') {
    throw new NoError('INVALID_REQUEST', 'verifyToken must be a function (token) => boolean | AuthInfo', { details: { type: typeof verifyToken } });
  }
  if (token !== undefined && verifyToken !== undefined) {
    throw new NoError('INVALID_REQUEST', 'pass token or verifyToken, not both: a verifyToken that also accepts a fixed token can compare it itself');
  }
  if (token === undefined && verifyToken === undefined) return undefined;
  // Headers carry no surrounding whitespace, so neither may the token they are compared with.
  const matches = token === undefined ? undefined : tokenMatcher(token.trim());
  return async (header) => {
    if (header === undefined || header === '') return refused('Missing Authorization header: send Authorization: Bearer <token>');
    const given = bearerTokenOf(header);
    if (given === undefined) return refused("Invalid Authorization header format, expected 'Bearer TOKEN'");
    if (matches !== undefined) return matches(given) ? { ok: true } : refused('Invalid token');
    let verdict: boolean | AuthInfo;
    try {
      verdict = await (verifyToken as TokenVerifier)(given);
    } catch {
      return { ok: false, status: 500, error: 'server_error', description: 'Internal Server Error: the token could not be verified' };
    }
    if (verdict === true) return { ok: true };
    if (typeof verdict === 'object' && verdict !== null) return { ok: true, auth: verdict };
    return refused('Invalid token');
  };
}

/**
 * Refuses to serve beyond loopback without authentication: a server on another address answers
 * anyone who can reach it. `what` says what would be exposed.
 */
export function requireAuthBeyondLoopback(options: BearerAuthOptions, host: string, what: string): void {
  if (options.token === undefined && options.verifyToken === undefined && !isLoopback(host)) {
    throw new NoError('INVALID_REQUEST', `serving on ${host} exposes ${what} beyond this machine: pass token: '<secret>' (clients send Authorization: Bearer <secret>), or bind 127.0.0.1`, {
      details: { host },
    });
  }
}

/** The `WWW-Authenticate` value of a refusal (RFC 6750 §3), as the MCP SDK's `requireBearerAuth` sends it. */
export function wwwAuthenticate(refusal: BearerRefusal): string {
  return `Bearer error="${refusal.error}", error_description="${refusal.description.replace(/["\\]/g, "'")}"`;
}
