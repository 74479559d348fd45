import { isIP } from 'node:net';
import { z } from 'zod';
import { NoError } from '../../contracts/errors.js';
import { defineTool, type ToolDefinition } from '../tool.js';
import { throwIfAborted, type ExecutionConfig } from './options.js';
import { deny, invalid } from './sandbox.js';

const MAX_REDIRECTS = 5;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);
/** Headers that would let a caller reach another virtual host or break framing. */
const FORBIDDEN_HEADERS = new Set([
  'host', 'connection', 'content-length', 'transfer-encoding', 'upgrade', 'keep-alive', 'te', 'trailer',
  'proxy-authorization', 'proxy-connection',
]);

export const NetworkInputSchema = z.object({
  url: z.string().min(1).max(8192),
  method: z.enum(['GET', 'HEAD']).default('GET'),
  headers: z.record(z.string().min(1).max(256), z.string().max(8192)).optional(),
  timeoutMs: z.number().int().positive().max(600_000).optional(),
});
export type NetworkInput = z.infer<typeof NetworkInputSchema>;

export interface FetchResult {
  url: string;
  status: number;
  statusText: string;
  headers: Record<string, string>;
  body: string;
  /** `utf8` for textual content types, else `base64`. */
  encoding: 'utf8' | 'base64';
  truncated: boolean;
  redirects: string[];
}

function isTextual(contentType: string | null): boolean {
  if (contentType === null) return true;
  return /^text\/|json|xml|javascript|x-www-form-urlencoded/i.test(contentType);
}

export function networkTool(config: ExecutionConfig): ToolDefinition<typeof NetworkInputSchema, FetchResult> {
  /** Parses and vets one URL (the first or a redirect's target). */
  const check = (raw: string, base?: URL): URL => {
    let url: URL;
    try {
      url = base === undefined ? new URL(raw) : new URL(raw, base);
    } catch {
      return invalid('not a valid URL', { url: raw });
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') deny('only http and https are allowed', { protocol: url.protocol });
    if (url.username !== '' || url.password !== '') deny('credentials in URLs are refused');
    const host = url.hostname.toLowerCase();
    if (!config.hosts.has(host)) {
      const literal = isIP(host.replace(/^\[|\]$/g, '')) !== 0;
      deny(literal ? 'IP literals are refused unless allow-listed' : 'the host is not on the allow-list', { host });
    }
    return url;
  };

  return defineTool({
    name: 'network-fetch',
    capability: 'network',
    description:
      'Fetches an http(s) URL on an allow-listed host (GET or HEAD), following at most 5 redirects that stay ' +
      'on allowed hosts, under a time limit and a body size cap.',
    input: NetworkInputSchema,
    mutating: false,
    async run(input, ctx) {
      throwIfAborted(ctx.signal);
      for (const name of Object.keys(input.headers ?? {})) {
        if (FORBIDDEN_HEADERS.has(name.toLowerCase())) invalid('this header cannot be set', { header: name });
      }
      let url = check(input.url);
      const timeoutMs = input.timeoutMs ?? config.defaultTimeoutMs;
      const timeout = AbortSignal.timeout(timeoutMs);
      const signal = AbortSignal.any([ctx.signal, timeout]);
      const origin = url.origin;
      let method = input.method;
      const redirects: string[] = [];
      try {
        for (;;) {
          // Caller headers (cookies, tokens) go to the first origin only.
          const headers = url.origin === origin ? input.headers : undefined;
          const response = await config.fetch(url, { method, headers, redirect: 'manual', signal });
          const location = response.headers.get('location');
          if (!REDIRECTS.has(response.status) || location === null) {
            return await readBody(response, url, redirects);
          }
          await response.body?.cancel();
          if (redirects.length >= MAX_REDIRECTS) invalid('too many redirects', { max: MAX_REDIRECTS, redirects });
          url = check(location, url);
          redirects.push(url.href);
          if (response.status === 303) method = method === 'HEAD' ? 'HEAD' : 'GET';
        }
      } catch (error) {
        if (error instanceof NoError) throw error;
        if (timeout.aborted) throw new NoError('TIMEOUT', `the fetch ran past ${timeoutMs} ms`, { details: { timeoutMs } });
        if (ctx.signal.aborted) throw new NoError('ABORTED', 'the call was aborted', { cause: ctx.signal.reason });
        throw new NoError('TASK_FAILED', 'the fetch failed', { cause: error, details: { url: url.href } });
      }
    },
  });

  async function readBody(response: Response, url: URL, redirects: string[]): Promise<FetchResult> {
    const cap = config.maxOutputBytes;
    const chunks: Uint8Array[] = [];
    let size = 0;
    let truncated = false;
    if (response.body !== null) {
      const reader = response.body.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        if (size + value.length > cap) {
          chunks.push(value.subarray(0, cap - size));
          size = cap;
          truncated = true;
          await reader.cancel();
          break;
        }
        chunks.push(value);
        size += value.length;
      }
    }
    const body = Buffer.concat(chunks);
    const textual = isTextual(response.headers.get('content-type'));
    return {
      url: url.href,
      status: response.status,
      statusText: response.statusText,
      headers: Object.fromEntries(response.headers.entries()),
      body: body.toString(textual ? 'utf8' : 'base64'),
      encoding: textual ? 'utf8' : 'base64',
      truncated,
      redirects,
    };
  }
}
