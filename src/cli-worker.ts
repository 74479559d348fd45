/** `langgraph-no worker`: runs pool agents' jobs from a BullMQ queue (see langgraph-no/workers). */
import { list, parseFlags, positiveNumber, UsageError } from './cli-args.js';
import { loadAgentsModule, selectAgents } from './distribution/agents-module.js';
import { DEFAULT_CRASH_BOUND_MS, DEFAULT_QUEUE_PREFIX, DEFAULT_REDIS_URL } from './distribution/names.js';
import { createWorker, type AgentWorker } from './distribution/worker.js';

export const WORKER_USAGE = `Usage: langgraph-no worker --agents <module> [options]

Runs the agents of <module> on the jobs that coordinators publish with jobQueue() (langgraph-no/workers).
The module exports the same agent definitions the coordinator's loop has: \`export const agents = [...]\`
or \`export default [...]\`. SIGTERM or SIGINT stops taking jobs and lets running ones finish; a
second signal abandons them (another worker takes them up within --crash-bound).

  --agents PATH         the agents module (required); needs bullmq and ioredis installed
  --only a,b            run only these agents of the module (default: all)
  --redis URL           Redis (default: ${DEFAULT_REDIS_URL})
  --prefix NAME         queue key prefix, the coordinator's (default: ${DEFAULT_QUEUE_PREFIX})
  --concurrency N       jobs of one agent this process runs at once (default: the agent's maxConcurrency)
  --crash-bound S       seconds before a job of a dead worker is taken by another (default: ${DEFAULT_CRASH_BOUND_MS / 1000})
  -h, --help            show this help
`;

/** What `worker` was asked to do, after validation. */
export interface WorkerCommand {
  agents: string;
  only: string[];
  redis: string;
  prefix: string;
  concurrency?: number;
  crashBoundMs?: number;
}

/** Parses `worker`'s flags; throws UsageError for anything wrong. */
export function parseWorkerArgs(args: string[]): WorkerCommand | 'help' {
  const values = parseFlags(args, {
    agents: { type: 'string' },
    only: { type: 'string', multiple: true },
    redis: { type: 'string' },
    prefix: { type: 'string' },
    concurrency: { type: 'string' },
    'crash-bound': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help === true) return 'help';
  if (values.agents === undefined) throw new UsageError('--agents is required: the module that exports your agent definitions');
  const redis = values.redis ?? DEFAULT_REDIS_URL;
  if (!/^rediss?:\/\//.test(redis)) throw new UsageError(`--redis needs a redis:// or rediss:// URL, got '${redis}'`);
  const command: WorkerCommand = { agents: values.agents, only: list(values.only), redis, prefix: values.prefix ?? DEFAULT_QUEUE_PREFIX };
  if (command.prefix.trim() === '') throw new UsageError('--prefix needs a non-empty name');
  if (values.concurrency !== undefined) command.concurrency = positiveNumber('--concurrency', values.concurrency, true);
  if (values['crash-bound'] !== undefined) {
    const seconds = positiveNumber('--crash-bound', values['crash-bound'], false);
    if (seconds < 1) throw new UsageError(`--crash-bound needs at least 1 second, got '${values['crash-bound']}'`);
    command.crashBoundMs = Math.round(seconds * 1000);
  }
  return command;
}

/** Loads the agents module and starts the worker; resolves once it takes jobs. */
export async function startWorker(command: WorkerCommand): Promise<AgentWorker> {
  const agents = selectAgents(await loadAgentsModule(command.agents), command.only);
  return createWorker({
    agents,
    connection: command.redis,
    prefix: command.prefix,
    ...(command.concurrency !== undefined ? { concurrency: command.concurrency } : {}),
    ...(command.crashBoundMs !== undefined ? { crashBoundMs: command.crashBoundMs } : {}),
    onError: (error) => process.stderr.write(`langgraph-no worker: ${error.message}\n`),
  });
}

export async function runWorker(args: string[], stdout: NodeJS.WritableStream, stderr: NodeJS.WritableStream): Promise<number> {
  let command: WorkerCommand | 'help';
  try {
    command = parseWorkerArgs(args);
  } catch (error) {
    stderr.write(`langgraph-no worker: ${(error as Error).message}\n\n${WORKER_USAGE}`);
    return 2;
  }
  if (command === 'help') {
    stdout.write(WORKER_USAGE);
    return 0;
  }
  let worker: AgentWorker;
  try {
    worker = await startWorker(command);
  } catch (error) {
    stderr.write(`langgraph-no worker: ${(error as Error).message}\n`);
    return 1;
  }
  stderr.write(`langgraph-no worker: running ${worker.agentIds.join(', ')} (pid ${process.pid}, prefix ${command.prefix})\n`);
  let signals = 0;
  const closed = new Promise<void>((resolve) => {
    const stop = (): void => {
      signals++;
      // The first signal lets running jobs finish; a second abandons them to the crash bound.
      void worker.close(signals > 1).then(resolve);
    };
    process.on('SIGINT', stop).on('SIGTERM', stop);
  });
  await closed;
  stderr.write('langgraph-no worker: stopped\n');
  return 0;
}
