import { NoError } from '../contracts/errors.js';

/** Size limits a request must stay within; every one is enforced before anything is planned. */
export interface RequestLimits {
  /** @default DEFAULT_REQUEST_LIMITS.maxTasks (50,000) */
  maxTasks: number;
  /** Dependencies summed over all tasks. @default 500,000 */
  maxDependencies: number;
  /** Serialized size of one task's input. @default 1 MiB */
  maxTaskInputBytes: number;
  /** Serialized size of all inputs together. @default 32 MiB */
  maxTotalInputBytes: number;
}

export const DEFAULT_REQUEST_LIMITS: Readonly<RequestLimits> = Object.freeze({
  maxTasks: 50_000,
  maxDependencies: 500_000,
  maxTaskInputBytes: 1024 * 1024,
  maxTotalInputBytes: 32 * 1024 * 1024,
});

/**
 * REQUEST_TOO_LARGE for one of the limits, saying which option raises it (the scheduler's `limits`,
 * which a master loop takes as `scheduler: { limits }`).
 */
function tooLarge(limit: keyof RequestLimits, message: string, details: Record<string, unknown>): NoError {
  return new NoError(
    'REQUEST_TOO_LARGE',
    `${message}: split the request, or raise the limit with createIntelligenceScheduler({ limits: { ${limit}: n } }) (in a master loop: scheduler: { limits: { ${limit}: n } })`,
    { details: { limit, ...details } },
  );
}

const NUMERIC_TASK_FIELDS = ['estimatedDurationMs', 'priority', 'timeoutMs', 'retries'] as const;

function badNumber(value: unknown): boolean {
  return typeof value === 'number' && (!Number.isFinite(value) || value < 0);
}

function numberError(path: string, value: number): NoError {
  return new NoError('INVALID_NUMBER', `invalid request: ${path} must be a finite, non-negative number, got ${String(value)}`, {
    details: { path, value: String(value) },
  });
}

function checkMap(map: unknown, path: string): void {
  if (typeof map !== 'object' || map === null) return;
  for (const [key, value] of Object.entries(map)) if (badNumber(value)) throw numberError(`${path}.${key}`, value as number);
}

function inputBytes(input: unknown, path: string): number {
  if (input === undefined) return 0;
  let text: string | undefined;
  try {
    text = JSON.stringify(input);
  } catch (error) {
    throw new NoError('INVALID_REQUEST', `invalid request: ${path} is not serializable (${(error as Error).message})`, {
      details: { path },
    });
  }
  return text === undefined ? 0 : Buffer.byteLength(text);
}

/** Counts and top-level numbers: cheap checks that come before anything is parsed. */
export function checkRequestShape(request: unknown, limits: RequestLimits): void {
  if (typeof request !== 'object' || request === null) return;
  const { tasks, resources, constraints } = request as { tasks?: unknown; resources?: unknown; constraints?: unknown };
  checkMap(resources, 'resources');
  checkMap(constraints, 'constraints');
  if (Array.isArray(tasks) && tasks.length > limits.maxTasks) {
    throw tooLarge('maxTasks', `request has ${tasks.length} tasks; the limit is ${limits.maxTasks}`, { value: tasks.length, max: limits.maxTasks });
  }
}

/** Bad numbers in tasks (NaN, ±Infinity, negatives) get their own code, naming the field. */
export function checkTaskNumbers(tasks: readonly unknown[]): void {
  tasks.forEach((task: unknown, i) => {
    if (typeof task !== 'object' || task === null) return;
    const t = task as Record<string, unknown>;
    for (const field of NUMERIC_TASK_FIELDS) if (badNumber(t[field])) throw numberError(`tasks[${i}].${field}`, t[field] as number);
    checkMap(t['resources'], `tasks[${i}].resources`);
  });
}

/** Dependency count and serialized input sizes. */
export function checkTaskSizes(tasks: readonly unknown[], limits: RequestLimits): void {
  let dependencies = 0;
  let totalBytes = 0;
  tasks.forEach((task: unknown, i) => {
    if (typeof task !== 'object' || task === null) return;
    const t = task as Record<string, unknown>;
    if (Array.isArray(t['dependsOn'])) dependencies += t['dependsOn'].length;
    const bytes = inputBytes(t['input'], `tasks[${i}].input`);
    if (bytes > limits.maxTaskInputBytes) {
      throw tooLarge('maxTaskInputBytes', `tasks[${i}].input is ${bytes} bytes; the limit is ${limits.maxTaskInputBytes}`, { path: `tasks[${i}].input`, value: bytes, max: limits.maxTaskInputBytes });
    }
    totalBytes += bytes;
  });
  if (dependencies > limits.maxDependencies) {
    throw tooLarge('maxDependencies', `request has ${dependencies} dependencies; the limit is ${limits.maxDependencies}`, { value: dependencies, max: limits.maxDependencies });
  }
  if (totalBytes > limits.maxTotalInputBytes) {
    throw tooLarge('maxTotalInputBytes', `task inputs total ${totalBytes} bytes; the limit is ${limits.maxTotalInputBytes}`, { value: totalBytes, max: limits.maxTotalInputBytes });
  }
}
