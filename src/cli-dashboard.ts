/** `langgraph-no dashboard`: serves the live dashboard over a demo workload. */
import { isLoopback } from './observe/server.js';
import { createDashboardDemo } from './observe/dashboard/demo.js';
import { DEFAULT_DASHBOARD_PORT, serveDashboard, type DashboardServer } from './observe/dashboard/serve.js';
import { parseFlags, positiveNumber, tokenOf, UsageError } from './cli-args.js';

export const DASHBOARD_USAGE = `Usage: langgraph-no dashboard --demo [options]

Runs a small demo workload (a research pipeline with a flaky reviewer, so retries show) every few
seconds and serves the live dashboard over it. To watch your own loops, call
serveDashboard({ loops: { name: loop } }) from 'langgraph-no/observe' in the process that runs them.
SIGTERM or SIGINT stops starting runs, lets running ones end and closes the server.

  --demo                run the demo workload (required)
  --port N              port to serve on (default: ${DEFAULT_DASHBOARD_PORT}; 0 = any free port)
  --host ADDR           listen address (default: 127.0.0.1); any other needs a token
  --token-env VAR       read the bearer token from environment variable VAR (at least 16 characters);
                        never on the command line, where other users see it in ps
  --token-file PATH     the same, the token read from a file (one line; e.g. a mounted secret)
  --every S             start a demo run every S seconds (default: 5)
  -h, --help            show this help
`;

/** How long a signal lets running demo runs end before they are cancelled. */
const DASHBOARD_GRACE_MS = 5_000;

export interface DashboardCommand {
  port: number;
  host: string;
  token?: string;
  everyMs: number;
}

export function parseDashboardArgs(args: string[], env: NodeJS.ProcessEnv = process.env): DashboardCommand | 'help' {
  const flags = parseFlags(args, {
    demo: { type: 'boolean' },
    port: { type: 'string' },
    host: { type: 'string' },
    'token-env': { type: 'string' },
    'token-file': { type: 'string' },
    every: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (flags.help) return 'help';
  if (!flags.demo) throw new UsageError('dashboard needs --demo (to watch your own loops, call serveDashboard in the process that runs them)');
  const port = flags.port === undefined ? DEFAULT_DASHBOARD_PORT : flags.port === '0' ? 0 : positiveNumber('--port', flags.port, true);
  if (port > 65_535) throw new UsageError(`--port must be at most 65535, got ${port}`);
  const host = flags.host ?? '127.0.0.1';
  const token = tokenOf(flags, env);
  if (token === undefined && !isLoopback(host)) {
    throw new UsageError(`--host ${host} serves beyond this machine: add --token-env VAR or --token-file PATH with a secret of at least 16 characters`);
  }
  return { port, host, everyMs: flags.every === undefined ? 5_000 : positiveNumber('--every', flags.every, false) * 1_000, ...(token === undefined ? {} : { token }) };
}

export async function runDashboard(args: string[], stdout: NodeJS.WritableStream, stderr: NodeJS.WritableStream): Promise<number> {
  let command: DashboardCommand | 'help';
  try {
    command = parseDashboardArgs(args);
  } catch (error) {
    stderr.write(`langgraph-no dashboard: ${(error as Error).message}\n\n${DASHBOARD_USAGE}`);
    return 2;
  }
  if (command === 'help') {
    stdout.write(DASHBOARD_USAGE);
    return 0;
  }
  const demo = createDashboardDemo();
  let server: DashboardServer;
  try {
    server = await serveDashboard({
      loops: { demo: demo.loop },
      toolLayers: [demo.tools],
      port: command.port,
      host: command.host,
      ...(command.token === undefined ? {} : { token: command.token }),
    });
  } catch (error) {
    stderr.write(`langgraph-no dashboard: ${(error as Error).message}\n`);
    return 1;
  }
  demo.start(command.everyMs);
  stdout.write(`langgraph-no dashboard: open ${server.url}/ (demo runs every ${command.everyMs / 1000} s; Ctrl-C stops)\n`);
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop).off('SIGTERM', stop);
      void demo.stop(DASHBOARD_GRACE_MS).then(() => server.close()).then(resolve, resolve);
    };
    process.on('SIGINT', stop).on('SIGTERM', stop);
  });
  stderr.write('langgraph-no dashboard: stopped\n');
  return 0;
}
