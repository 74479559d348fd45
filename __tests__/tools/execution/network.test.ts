import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { NoError } from '../../../src/contracts/errors';
import { call, context, REFUSALS, refusal, toolsFor } from './helpers';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;
let main: Server;
let other: Server;
let base: string;
let otherBase: string;
const hits: string[] = [];

function listen(handler: Handler): Promise<Server> {
  const server = createServer(handler);
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}
const portOf = (server: Server) => (server.address() as AddressInfo).port;

beforeAll(async () => {
  other = await listen((req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ token: req.headers['x-token'] ?? null }));
  });
  otherBase = `http://127.0.0.1:${portOf(other)}`;
  main = await listen((req, res) => {
    hits.push(req.url ?? '');
    const url = new URL(req.url ?? '/', 'http://x');
    const redirect = (to: string, status = 302) => {
      res.statusCode = status;
      res.setHeader('location', to);
      res.end('moved');
    };
    switch (url.pathname) {
      case '/text': res.setHeader('content-type', 'text/plain'); res.end(`hello ${req.method} ${req.headers['x-token'] ?? ''}`); return;
      case '/binary': res.setHeader('content-type', 'application/octet-stream'); res.end(Buffer.from([0, 1, 255])); return;
      case '/big': res.setHeader('content-type', 'text/plain'); res.write('a'.repeat(600)); res.end('b'.repeat(600)); return;
      case '/endless': { const timer = setInterval(() => res.write('z'.repeat(4096)), 1); res.on('close', () => clearInterval(timer)); return; }
      case '/slow': return; // never answers
      case '/to-text': redirect('/text'); return;
      case '/to-303': redirect('/text', 303); return;
      case '/to-other': redirect(`${otherBase}/echo`, 307); return;
      case '/to-evil': redirect('http://evil.example/steal'); return;
      case '/to-file': redirect('file:///etc/passwd'); return;
      case '/to-ip': redirect('http://10.0.0.1/'); return;
      case '/to-creds': redirect(`http://user:pw@127.0.0.1:${portOf(main)}/text`); return;
      case '/loop': redirect(`/loop?n=${Number(url.searchParams.get('n') ?? 0) + 1}`, 301); return;
      case '/no-location': res.statusCode = 302; res.end('nowhere'); return;
      default: res.statusCode = 404; res.end('not found');
    }
  });
  base = `http://127.0.0.1:${portOf(main)}`;
});
afterAll(async () => {
  main.closeAllConnections();
  other.closeAllConnections();
  await Promise.all([new Promise((r) => main.close(r)), new Promise((r) => other.close(r))]);
});

const fetchTool = (options: Record<string, unknown> = {}) =>
  toolsFor({ root: '/tmp', hosts: ['127.0.0.1'], maxOutputBytes: 1000, ...options })['network-fetch']!;
const get = (params: Record<string, unknown>, options: Record<string, unknown> = {}) => call(fetchTool(options), params);

describe('network-fetch', () => {
  it('fetches from an allowed host, GET and HEAD, text and binary', async () => {
    const result = await get({ url: `${base}/text`, headers: { 'x-token': 't1' } });
    expect(result).toMatchObject({ status: 200, body: 'hello GET t1', encoding: 'utf8', truncated: false, redirects: [] });
    expect(result.headers['content-type']).toBe('text/plain');
    expect(await get({ url: `${base}/text`, method: 'HEAD' })).toMatchObject({ status: 200, body: '' });
    expect(await get({ url: `${base}/binary` })).toMatchObject({ body: 'AAH/', encoding: 'base64' });
    expect(await get({ url: `${base}/missing` })).toMatchObject({ status: 404, body: 'not found' });
  });

  it('caps the body, streaming and stopping at the cap', async () => {
    const big = await get({ url: `${base}/big` });
    expect(big).toMatchObject({ truncated: true });
    expect(big.body).toBe('a'.repeat(600) + 'b'.repeat(400));
    const endless = await get({ url: `${base}/endless` });
    expect(endless.truncated).toBe(true);
    expect(endless.body.length).toBe(1000);
  });

  it('follows redirects on allowed hosts only, re-checking every hop', async () => {
    expect(await get({ url: `${base}/to-text` })).toMatchObject({ body: 'hello GET ', redirects: [`${base}/text`] });
    expect(await get({ url: `${base}/to-303`, method: 'HEAD' })).toMatchObject({ status: 200, body: '' });
    expect(await get({ url: `${base}/to-no-location`.replace('to-', '') })).toMatchObject({ status: 302, body: 'nowhere' });
    for (const hop of ['/to-evil', '/to-file', '/to-ip', '/to-creds']) {
      await refusal(get({ url: base + hop }), 'PERMISSION_DENIED');
    }
    await refusal(get({ url: `${base}/loop` }), 'INVALID_INPUT');
    expect(hits.filter((h) => h.startsWith('/loop')).length).toBe(6);
  });

  it('sends caller headers to the first origin only', async () => {
    const moved = await get({ url: `${base}/to-other`, headers: { 'x-token': 'secret' } });
    expect(JSON.parse(moved.body)).toEqual({ token: null });
    expect(JSON.parse((await get({ url: `${otherBase}/echo`, headers: { 'x-token': 'secret' } })).body)).toEqual({ token: 'secret' });
  });

  it.each([
    ['ftp://127.0.0.1/x', 'PERMISSION_DENIED'],
    ['file:///etc/passwd', 'PERMISSION_DENIED'],
    ['http://localhost/', 'PERMISSION_DENIED'],
    ['http://127.0.0.2/', 'PERMISSION_DENIED'],
    ['http://[::1]/', 'PERMISSION_DENIED'],
    ['http://evil.example/', 'PERMISSION_DENIED'],
    ['http://127.0.0.1.evil.example/', 'PERMISSION_DENIED'],
    ['http://user:pw@127.0.0.1/', 'PERMISSION_DENIED'],
    ['not a url', 'INVALID_INPUT'],
  ])('refuses %s', async (url, code) => {
    await refusal(get({ url }), code);
  });

  it('refuses IP literals unless listed, matches hosts exactly and case-insensitively', async () => {
    const fake = jest.fn(async () => new Response('ok'));
    await refusal(get({ url: 'http://10.0.0.1/' }, { hosts: ['api.example.com'], fetch: fake }), 'PERMISSION_DENIED');
    const e = await refusal(get({ url: 'http://127.0.0.1/' }, { hosts: ['localhost'], fetch: fake }), 'PERMISSION_DENIED');
    expect(e.message).toMatch(/IP literal/);
    expect(await get({ url: 'http://API.Example.com/x' }, { hosts: ['api.example.COM'], fetch: fake })).toMatchObject({ body: 'ok' });
    expect(await get({ url: 'http://[::1]:8080/' }, { hosts: ['::1'], fetch: fake })).toMatchObject({ body: 'ok' });
    await refusal(get({ url: 'http://sub.api.example.com/' }, { hosts: ['api.example.com'], fetch: fake }), 'PERMISSION_DENIED');
    expect(fake).toHaveBeenCalledTimes(2);
    await refusal(get({ url: `${base}/text`, headers: { Host: 'evil.example' } }), 'INVALID_INPUT');
  });

  it('times out, aborts, and reports connection failures as typed errors', async () => {
    await expect(get({ url: `${base}/slow`, timeoutMs: 200 })).rejects.toMatchObject({ code: 'TIMEOUT' });
    await expect(get({ url: `${base}/slow` }, { defaultTimeoutMs: 200 })).rejects.toMatchObject({ code: 'TIMEOUT' });
    const controller = new AbortController();
    const pending = call(fetchTool(), { url: `${base}/slow` }, context({ signal: controller.signal }));
    setTimeout(() => controller.abort(), 50);
    await expect(pending).rejects.toMatchObject({ code: 'ABORTED' });
    await expect(call(fetchTool(), { url: `${base}/text` }, context({ signal: controller.signal }))).rejects.toMatchObject({ code: 'ABORTED' });
    const closed = await listen(() => undefined);
    const port = portOf(closed);
    await new Promise((r) => closed.close(r));
    await expect(get({ url: `http://127.0.0.1:${port}/` })).rejects.toMatchObject({ code: 'TASK_FAILED' });
  });

  it('with no hosts configured there is no network at all (property: any URL is refused before fetch)', async () => {
    const fake = jest.fn(async () => new Response('leak'));
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.webUrl({ withQueryParameters: true, withFragments: true }), fc.string({ minLength: 1, maxLength: 40 })), async (url) => {
        const outcome = await get({ url }, { hosts: [], fetch: fake }).then((r: unknown) => r, (e: unknown) => e);
        expect(outcome).toBeInstanceOf(NoError);
        expect(REFUSALS).toContain((outcome as NoError).code);
      }),
      { numRuns: 200 },
    );
    expect(fake).not.toHaveBeenCalled();
  });
});
