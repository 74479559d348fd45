/** The levels the loop logs at, lowest first. */
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * A structured logger, pino's shape: `logger.info({ runId }, 'run completed')`. A pino or bunyan
 * instance fits as is; so does {@link jsonLogger}.
 */
export type Logger = Record<LogLevel, (obj: Record<string, unknown>, msg: string) => void>;

/** Where {@link jsonLogger} writes: `process.stdout`, a file stream, anything with `write`. */
export interface LineSink {
  write(line: string): unknown;
}

export interface JsonLoggerOptions {
  /** Lines below this level are dropped. @default 'info' */
  level?: LogLevel;
  /** Fields on every line (service name, host). */
  base?: Record<string, unknown>;
  now?: () => number;
}

/**
 * A tiny logger that writes one JSON object per line (`level`, `time` in epoch ms, `msg`, then
 * the fields), for a process without pino. A field that cannot be serialized becomes a string,
 * never an exception in the code that logged.
 *
 * @example
 * const loop = createMasterAgentLoop({ agents, logger: jsonLogger(process.stdout, { level: 'debug' }) });
 */
export function jsonLogger(sink: LineSink, options: JsonLoggerOptions = {}): Logger {
  const min = LOG_LEVELS.indexOf(options.level ?? 'info');
  if (min < 0) throw new TypeError(`jsonLogger level must be one of ${LOG_LEVELS.join(', ')}, got ${String(options.level)}`);
  const now = options.now ?? Date.now;
  const line = (level: LogLevel) => (obj: Record<string, unknown>, msg: string) => {
    if (LOG_LEVELS.indexOf(level) < min) return;
    const head = { level, time: now(), msg };
    // The line's own fields win over a field of the same name, and stay first.
    const record = Object.assign({ ...head }, options.base, obj, head);
    let text: string;
    try {
      text = JSON.stringify(record, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
    } catch (error) {
      text = JSON.stringify({ level, time: record.time, msg, logError: `fields not serializable: ${error instanceof Error ? error.message : String(error)}` });
    }
    sink.write(`${text}\n`);
  };
  return { debug: line('debug'), info: line('info'), warn: line('warn'), error: line('error') };
}
