/**
 * Signing a browser in to a dashboard served with a `token`: a browser cannot send a bearer header,
 * so the sign-in form takes the token once (POST, never in a URL) and answers with an HttpOnly,
 * SameSite=Strict session cookie. The cookie holds an HMAC of the token, not the token itself, and
 * is compared in constant time.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ServerAccess } from '../server.js';
import { tokenMatcher } from '../../tools/http-auth.js';

/** The session cookie's name. */
export const SESSION_COOKIE = 'no_dashboard_session';
/** Largest sign-in form body read. */
const MAX_FORM_BYTES = 4_096;

const session = (token: string): string => createHmac('sha256', token).update('langgraph-no dashboard session').digest('base64url');

function cookieOf(request: IncomingMessage, name: string): string | undefined {
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key === name) return value.join('=');
  }
  return undefined;
}

const PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

function page(response: ServerResponse, status: number, message: string): void {
  response.writeHead(status, PAGE_HEADERS);
  response.end(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign in · langgraph-no dashboard</title>
<style>body{font:16px/1.5 system-ui,sans-serif;color:#1b1f24;max-width:32rem;margin:3rem auto;padding:0 1rem}
label{display:block;font-weight:600;margin:.5rem 0 .25rem}input{font:inherit;width:100%;padding:.4rem;border:1px solid #6e7781;border-radius:4px}
button{font:inherit;margin-top:.75rem;padding:.4rem 1rem;border:1px solid #1b1f24;border-radius:4px;background:#1b1f24;color:#fff}
:focus-visible{outline:3px solid #0a55c2;outline-offset:2px}p.error{color:#a40e26;font-weight:600}</style></head>
<body><main><h1>Sign in to the dashboard</h1>
${message === '' ? '<p>This dashboard was started with a token. Enter it to watch the runs; your browser keeps a session cookie.</p>' : `<p class="error" role="alert">${message}</p>`}
<form method="post" action="login"><label for="token">Token</label><input id="token" name="token" type="password" autocomplete="current-password" required>
<button type="submit">Sign in</button></form></main></body></html>`);
}

async function formToken(request: IncomingMessage): Promise<string | undefined> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_FORM_BYTES) return undefined;
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8')).get('token') ?? undefined;
}

/**
 * The sign-in form at `/login`, the session cookie it sets, and a redirect there for a browser that
 * opens the page without a session. API clients keep sending `Authorization: Bearer <token>`.
 */
export function browserSignIn(token: string): ServerAccess {
  const matches = tokenMatcher(token);
  const expected = Buffer.from(session(token));
  return {
    publicRoutes: {
      '/login': async (request, response) => {
        if (request.method === 'GET' || request.method === 'HEAD') return page(response, 200, '');
        if (request.method !== 'POST') {
          response.writeHead(405, { allow: 'GET, HEAD, POST', 'content-type': 'text/plain; charset=utf-8' });
          return void response.end('the sign-in form takes GET and POST\n');
        }
        const given = await formToken(request);
        if (!matches(given)) return page(response, 401, 'That is not the token this dashboard was started with. Try again.');
        response.writeHead(303, {
          location: './',
          'set-cookie': `${SESSION_COOKIE}=${session(token)}; HttpOnly; SameSite=Strict; Path=/`,
          'cache-control': 'no-store',
        });
        response.end();
      },
    },
    alsoAccepts(request) {
      const given = Buffer.from(cookieOf(request, SESSION_COOKIE) ?? '');
      return given.length === expected.length && timingSafeEqual(given, expected);
    },
    onRefused(request, response) {
      const path = (request.url ?? '/').split('?')[0];
      if (request.method !== 'GET' || (path !== '/' && path !== '/index.html')) return false;
      response.writeHead(303, { location: 'login', 'cache-control': 'no-store' });
      response.end();
      return true;
    },
  };
}
