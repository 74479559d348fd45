/** The bearer check every HTTP surface shares (MCP over HTTP, A2A, the observability server). */
import { isNoError } from '../../src/contracts/errors';
import { bearerAuthenticator, bearerTokenOf, isLoopback, MIN_TOKEN_LENGTH, requireAuthBeyondLoopback, tokenMatcher, wwwAuthenticate } from '../../src/tools/http-auth';
import * as observe from '../../src/observe/server';

const token = 'http-auth-test-token-0123456789';

describe('bearerTokenOf', () => {
  it('reads the token of a Bearer header, whatever the scheme case and however many spaces', () => {
    expect(bearerTokenOf(`Bearer ${token}`)).toBe(token);
    expect(bearerTokenOf(`bearer ${token}`)).toBe(token);
    expect(bearerTokenOf(`BEARER \t  ${token}  `)).toBe(token);
  });

  it('finds no token in another scheme, a bare token, an empty one, or no header', () => {
    for (const header of [`Basic ${token}`, token, 'Bearer', 'Bearer ', 'Bearer    ', `Bearer${token}`, `Token ${token}`, '', undefined]) {
      expect([header, bearerTokenOf(header)]).toEqual([header, undefined]);
    }
  });
});

describe('tokenMatcher', () => {
  it('matches only the exact token', () => {
    const matches = tokenMatcher(token);
    expect(matches(token)).toBe(true);
    for (const other of [token.slice(0, -1), `${token}x`, token.toUpperCase(), '', undefined]) expect([other, matches(other)]).toEqual([other, false]);
  });
});

describe('bearerAuthenticator', () => {
  it('asks for nothing when neither token nor verifyToken is given', () => {
    expect(bearerAuthenticator({})).toBeUndefined();
    expect(bearerAuthenticator({ token: undefined })).toBeUndefined();
  });

  it('refuses a short, blank or non-string token, and both a token and a verifier, without echoing the token', () => {
    const short = 'shortsecret';
    for (const bad of [short, ' '.repeat(MIN_TOKEN_LENGTH + 4), 42 as unknown as string]) {
      let thrown: unknown;
      try {
        bearerAuthenticator({ token: bad });
      } catch (error) {
        thrown = error;
      }
      expect(isNoError(thrown, 'INVALID_REQUEST')).toBe(true);
      expect((thrown as Error).message).toContain(`at least ${MIN_TOKEN_LENGTH} characters`);
      expect(JSON.stringify(thrown)).not.toContain(short);
    }
    expect(() => bearerAuthenticator({ token, verifyToken: () => true })).toThrow(/token or verifyToken, not both/);
    expect(() => bearerAuthenticator({ verifyToken: 'yes' as never })).toThrow(/verifyToken must be a function/);
  });

  it('lets the token in and refuses the rest with invalid_token, saying what is wrong', async () => {
    const check = bearerAuthenticator({ token })!;
    await expect(check(`Bearer ${token}`)).resolves.toEqual({ ok: true });
    await expect(bearerAuthenticator({ token: `  ${token}\n` })!(`Bearer ${token}`)).resolves.toEqual({ ok: true });
    await expect(check(undefined)).resolves.toMatchObject({ ok: false, status: 401, error: 'invalid_token', description: expect.stringContaining('Missing Authorization header') });
    await expect(check(`Basic ${token}`)).resolves.toMatchObject({ ok: false, status: 401, description: expect.stringContaining("expected 'Bearer TOKEN'") });
    await expect(check('Bearer wrong-token-wrong-token')).resolves.toMatchObject({ ok: false, status: 401, description: 'Invalid token' });
  });

  it('hands tokens to verifyToken: true accepts, AuthInfo accepts as that client, false refuses, a throw is a 500', async () => {
    const auth = { token: 'jwt', clientId: 'alice', scopes: [] };
    const check = bearerAuthenticator({ verifyToken: async (given) => (given === 'jwt-alice' ? auth : given === 'jwt-anon') })!;
    await expect(check('Bearer jwt-alice')).resolves.toEqual({ ok: true, auth });
    await expect(check('Bearer jwt-anon')).resolves.toEqual({ ok: true });
    await expect(check('Bearer jwt-mallory')).resolves.toMatchObject({ ok: false, status: 401, error: 'invalid_token' });
    const broken = bearerAuthenticator({
      verifyToken: () => {
        throw new Error(`jwks down while checking ${token}`);
      },
    })!;
    const outcome = await broken(`Bearer ${token}`);
    expect(outcome).toMatchObject({ ok: false, status: 500, error: 'server_error' });
    expect(JSON.stringify(outcome)).not.toContain(token);
  });
});

describe('requireAuthBeyondLoopback', () => {
  it('refuses a non-loopback host without token or verifier, saying how to fix it', () => {
    expect(() => requireAuthBeyondLoopback({}, '0.0.0.0', 'the tools')).toThrow(/serving on 0\.0\.0\.0 exposes the tools beyond this machine: pass token.*or bind 127\.0\.0\.1/);
    expect(() => requireAuthBeyondLoopback({}, '127.0.0.1', 'the tools')).not.toThrow();
    expect(() => requireAuthBeyondLoopback({ token }, '0.0.0.0', 'the tools')).not.toThrow();
    expect(() => requireAuthBeyondLoopback({ verifyToken: () => true }, '10.0.0.1', 'the tools')).not.toThrow();
  });

  it('counts only this machine’s addresses as loopback', () => {
    expect(['127.0.0.1', '127.3.4.5', '::1', 'localhost'].map(isLoopback)).toEqual([true, true, true, true]);
    expect(['0.0.0.0', '::', '10.0.0.1', 'example.com', '::ffff:127.0.0.1'].map(isLoopback)).toEqual([false, false, false, false, false]);
  });
});

describe('wwwAuthenticate', () => {
  it('is an RFC 6750 challenge as the MCP SDK sends it, with quotes in the description made safe', () => {
    expect(wwwAuthenticate({ ok: false, status: 401, error: 'invalid_token', description: "expected 'Bearer TOKEN'" })).toBe(
      `Bearer error="invalid_token", error_description="expected 'Bearer TOKEN'"`,
    );
    expect(wwwAuthenticate({ ok: false, status: 401, error: 'invalid_token', description: 'a "quoted" \\ word' })).toBe(`Bearer error="invalid_token", error_description="a 'quoted' ' word"`);
  });
});

it('is the module the observability server re-exports its helpers from', () => {
  expect(observe.isLoopback).toBe(isLoopback);
  expect(observe.MIN_TOKEN_LENGTH).toBe(MIN_TOKEN_LENGTH);
});
