import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import { wwwAuthenticate, type BearerRefusal } from '../http-auth.js';

/** A JSON-RPC error body with no request id: what every refusal of this endpoint looks like. */
export function jsonRpcError(code: number, message: string): string {
  return JSON.stringify({ jsonrpc: '2.0', error: { code, message }, id: null });
}

/**
 * Answers with a JSON-RPC error. `close` ends the connection after the answer: for a refused body the
 * client may still be sending, and keeping the connection would mean reading (and discarding) all of it.
 */
export function reply(res: ServerResponse, status: number, code: number, message: string, close = false): void {
  if (res.headersSent) return;
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (close) headers.connection = 'close';
  res.writeHead(status, headers).end(jsonRpcError(code, message));
}

/**
 * Refuses an unauthenticated request as the MCP SDK's own `requireBearerAuth` does: 401 with an
 * RFC 6750 `WWW-Authenticate: Bearer error="invalid_token", ...` challenge (which MCP clients read)
 * and the OAuth error body `{ error, error_description }`. The connection is closed, so an unread
 * body is never read.
 */
export function refuseAuth(res: ServerResponse, refusal: BearerRefusal): void {
  const headers: Record<string, string> = { 'content-type': 'application/json', connection: 'close' };
  if (refusal.status === 401) headers['www-authenticate'] = wwwAuthenticate(refusal);
  res.writeHead(refusal.status, headers).end(JSON.stringify({ error: refusal.error, error_description: refusal.description }));
}

/** The lower-case host name of a Host or Origin value, IPv6 in brackets; undefined when unparsable. */
export function hostnameOf(value: string): string | undefined {
  try {
    return new URL(value.includes('://') ? value : `http://${value}`).hostname.toLowerCase();
  } catch {
    return undefined;
  }
}

/** The body, or 'too-large' as soon as it passes `limit` bytes (declared or received). */
export async function readBody(req: IncomingMessage, limit: number): Promise<Buffer | 'too-large'> {
  // A declared length is refused before a byte is read, so the client learns at once.
  if (Number(req.headers['content-length'] ?? 0) > limit) return 'too-large';
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) return 'too-large';
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** `::ffff:10.0.0.1` and `10.0.0.1` are one client on a dual-stack socket. */
function plainAddress(address: string): string {
  return address.toLowerCase().startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}

/** The client id an auth middleware in front of the handler verified (`req.auth`), if any. */
export function verifiedClientId(req: IncomingMessage): string | undefined {
  return (req as IncomingMessage & { auth?: AuthInfo }).auth?.clientId || undefined;
}

/**
 * Who a request comes from, for the per-client session cap: the client id an auth middleware verified
 * (`req.auth`), else the remote address. Behind a reverse proxy every socket is the proxy's, so with
 * `trustProxy` the address is the last `X-Forwarded-For` entry: the one the proxy itself appended
 * (earlier entries are whatever the client claimed).
 */
export function clientOf(req: IncomingMessage, trustProxy: boolean): string {
  const clientId = verifiedClientId(req);
  if (clientId !== undefined) return `auth:${clientId}`;
  if (trustProxy) {
    const header = req.headers['x-forwarded-for'];
    const last = (Array.isArray(header) ? header.join(',') : (header ?? '')).split(',').pop()?.trim();
    if (last) return plainAddress(last);
  }
  return plainAddress(req.socket.remoteAddress ?? 'unknown');
}

const CLIENT_ERRORS: Record<string, [number, string]> = {
  HPE_HEADER_OVERFLOW: [431, 'Request Header Fields Too Large'],
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'Request Timeout'],
};

/**
 * node:http's `clientError` listener: a request Node could not parse gets a JSON-RPC error like every
 * other refusal, instead of Node's bare status line.
 */
export function answerClientError(error: NodeJS.ErrnoException, socket: Socket): void {
  // Mid-response or already gone: there is nobody to answer, or an answer would corrupt the stream.
  if (error.code === 'ECONNRESET' || !socket.writable || socket.bytesWritten > 0) {
    socket.destroy();
    return;
  }
  const [status, text] = CLIENT_ERRORS[error.code ?? ''] ?? [400, 'Bad Request'];
  const body = jsonRpcError(-32000, `${text}: ${error.code ?? error.message}`);
  socket.end(`HTTP/1.1 ${status} ${text}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
}
