import { connect } from 'node:net';

/**
 * One raw HTTP/1.1 connection: sends `text` at once and more with `send` (a request that arrives
 * on a busy connection while the server drains), and collects everything the server writes until
 * the connection closes.
 */
export function rawConnection(port: number, text: string): { send(more: string): void; received: Promise<string> } {
  const socket = connect(port, '127.0.0.1', () => socket.write(text));
  const received = new Promise<string>((resolve, reject) => {
    let all = '';
    socket.on('data', (chunk) => (all += chunk.toString('utf8')));
    socket.on('close', () => resolve(all));
    socket.on('error', reject);
  });
  return { send: (more) => void socket.write(more), received };
}

/** A raw POST with a JSON body. */
export function rawPost(path: string, body: unknown, headers: Record<string, string> = {}): string {
  const text = JSON.stringify(body);
  const lines = Object.entries({ host: '127.0.0.1', 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)), ...headers });
  return `POST ${path} HTTP/1.1\r\n${lines.map(([k, v]) => `${k}: ${v}`).join('\r\n')}\r\n\r\n${text}`;
}

/** A promise and the function that resolves it. */
export function gate(): { opened: Promise<void>; open(): void } {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}
