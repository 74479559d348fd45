import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { answerClientError, clientOf } from '../../../src/tools/mcp/http-wire';
import { serveToolLayer, type McpServerHandle } from '../../../src/tools/mcp/server';
import { testLayer } from './fixtures/layers';
import { sendRaw, type WireResponse } from './fixtures/wire';

const INIT = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } });

function post(lines: string[], body = INIT): string {
  return [`POST /mcp HTTP/1.1`, ...lines, `Content-Length: ${Buffer.byteLength(body)}`, '', body].join('\r\n');
}

function expectJsonRpcError(res: WireResponse, status: number, message: RegExp): void {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toBe('application/json');
  expect(JSON.parse(res.body)).toEqual({ jsonrpc: '2.0', error: { code: expect.any(Number), message: expect.stringMatching(message) }, id: null });
}

/** A served test layer whose body limit is 1,000 bytes, for the life of the enclosing describe. */
function serveWithSmallBodies(): { port: number } {
  const served = { port: 0 };
  let handle: McpServerHandle;
  beforeAll(async () => {
    handle = await serveToolLayer(testLayer(), { transport: 'http', maxBodyBytes: 1000 });
    served.port = Number(new URL(handle.url as string).port);
  });
  afterAll(() => handle.close());
  return served;
}

describe('the HTTP endpoint under hostile requests (raw TCP)', () => {
  const served = serveWithSmallBodies();

  it('answers an HTTP/1.1 request with no Host header with a JSON-RPC 400 that names the reason', async () => {
    const res = await sendRaw(served.port, [post(['Content-Type: application/json', 'Accept: application/json, text/event-stream'])]);
    expectJsonRpcError(res, 400, /missing Host header/);
  });

  it('answers an HTTP/1.0 request with no Host header the same way', async () => {
    const res = await sendRaw(served.port, [post(['Content-Type: application/json']).replace('HTTP/1.1', 'HTTP/1.0')], { waitForClose: true });
    expectJsonRpcError(res, 400, /missing Host header/);
  });

  it('answers a Host that is not allowed (DNS rebinding) with a JSON-RPC 403', async () => {
    const res = await sendRaw(served.port, [post([`Host: attacker.example:${served.port}`, 'Content-Type: application/json'])]);
    expectJsonRpcError(res, 403, /Invalid Host header: attacker\.example/);
  });

  it('answers a request Node cannot parse with a JSON-RPC 400 and closes the connection', async () => {
    const res = await sendRaw(served.port, ['NOT-HTTP\r\n\r\n'], { waitForClose: true });
    expectJsonRpcError(res, 400, /^Bad Request: HPE_/);
    expect(res.closedByServer).toBe(true);
  });

  it('answers oversized headers with a JSON-RPC 431', async () => {
    const res = await sendRaw(served.port, [`GET /mcp HTTP/1.1\r\nHost: localhost\r\nX-Junk: ${'a'.repeat(20_000)}\r\n\r\n`], { waitForClose: true });
    expectJsonRpcError(res, 431, /^Request Header Fields Too Large/);
  });
});

describe('answerClientError', () => {
  function fakeSocket(state: { writable?: boolean; bytesWritten?: number } = {}) {
    const calls: { ended?: string; destroyed: boolean } = { destroyed: false };
    const socket = {
      writable: state.writable ?? true,
      bytesWritten: state.bytesWritten ?? 0,
      end: (text: string) => void (calls.ended = text),
      destroy: () => void (calls.destroyed = true),
    };
    return { socket: socket as unknown as Socket, calls };
  }
  const error = (code?: string): NodeJS.ErrnoException => Object.assign(new Error('parse failed'), code === undefined ? {} : { code });

  it('answers a request that timed out with a JSON-RPC 408', () => {
    const { socket, calls } = fakeSocket();
    answerClientError(error('ERR_HTTP_REQUEST_TIMEOUT'), socket);
    expect(calls.ended).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n[\s\S]*connection: close\r\n\r\n\{"jsonrpc":"2\.0"/);
  });

  it('names the error message when Node gives no code', () => {
    const { socket, calls } = fakeSocket();
    answerClientError(error(), socket);
    expect(calls.ended).toContain('"message":"Bad Request: parse failed"');
  });

  it.each([
    ['the peer reset the connection', error('ECONNRESET'), {}],
    ['the socket can no longer be written', error('HPE_INVALID_METHOD'), { writable: false }],
    ['a response is already under way', error('HPE_INVALID_METHOD'), { bytesWritten: 10 }],
  ])('only drops the connection when %s', (_case, thrown, state) => {
    const { socket, calls } = fakeSocket(state);
    answerClientError(thrown, socket);
    expect(calls).toEqual({ destroyed: true });
  });
});

describe('the body size limit', () => {
  const served = serveWithSmallBodies();

  const head = (length: string) => `POST /mcp HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\n${length}\r\n\r\n`;

  it('refuses a declared Content-Length over maxBodyBytes before any of the body arrives, and hangs up', async () => {
    const res = await sendRaw(served.port, [head('Content-Length: 100000000')], { keepOpen: true });
    expectJsonRpcError(res, 413, /over 1000 bytes/);
    expect(res.headers['connection']).toBe('close');
    await res.closed;
  });

  it('stops reading an endless chunked body at the limit: 413, then the connection is closed', async () => {
    const chunk = `2710\r\n${'x'.repeat(10_000)}\r\n`;
    const res = await sendRaw(served.port, [head('Transfer-Encoding: chunked'), chunk], { keepOpen: true });
    expectJsonRpcError(res, 413, /over 1000 bytes/);
    expect(res.headers['connection']).toBe('close');
    // An attacker who keeps sending after the answer is cut off instead of read to the end.
    let open = true;
    void res.closed.then(() => (open = false));
    for (let i = 0; open && i < 10_000; i++) {
      res.socket.write(chunk);
      await new Promise((r) => setImmediate(r));
    }
    expect(open).toBe(false);
  });

  it('serves a body just under the limit', async () => {
    const body = INIT.padEnd(1000, ' ');
    const res = await sendRaw(served.port, [post(['Host: localhost', 'Content-Type: application/json', 'Accept: application/json, text/event-stream'], body)]);
    expect(res.status).toBe(200);
  });
});

describe('clientOf', () => {
  const req = (remoteAddress: string | undefined, headers: Record<string, string | string[]> = {}, auth?: object) =>
    ({ socket: { remoteAddress }, headers, ...(auth ? { auth } : {}) }) as unknown as IncomingMessage;

  it('counts an IPv4 client on a dual-stack socket as its IPv4 address', () => {
    expect(clientOf(req('::ffff:10.0.0.7'), false)).toBe('10.0.0.7');
    expect(clientOf(req('fd00::7'), false)).toBe('fd00::7');
  });

  it('prefers the client id an auth middleware verified over any address', () => {
    expect(clientOf(req('10.0.0.7', { 'x-forwarded-for': '10.9.9.9' }, { clientId: 'alice' }), true)).toBe('auth:alice');
  });

  it('falls back to the socket address when a trusted proxy sent no X-Forwarded-For', () => {
    expect(clientOf(req('10.0.0.7'), true)).toBe('10.0.0.7');
    expect(clientOf(req(undefined), false)).toBe('unknown');
  });
});
