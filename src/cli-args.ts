/** What both subcommands of the `langgraph-no` command share: the usage error and flag parsing. */
import { parseArgs, type ParseArgsConfig } from 'node:util';

/** A bad command line: printed with the usage, exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export const list = (values: string[] | undefined): string[] => (values ?? []).flatMap((v) => v.split(',')).map((v) => v.trim()).filter((v) => v !== '');

export function positiveNumber(flag: string, text: string, integer: boolean): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value <= 0 || (integer && !Number.isInteger(value))) {
    throw new UsageError(`${flag} needs a positive ${integer ? 'integer' : 'number'}, got '${text}'`);
  }
  return value;
}

/** The parsed flags of `options`, as `parseArgs` types them. */
type Flags<T extends NonNullable<ParseArgsConfig['options']>> = ReturnType<typeof parseArgs<{ args: string[]; options: T; strict: true; allowPositionals: false }>>['values'];

/** Parses a subcommand's flags (no positionals, no unknown flags); a mistake is a UsageError. */
export function parseFlags<T extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: T): Flags<T> {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals: false }).values;
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/** A grace flag in seconds (`--shutdown-grace 10`), as milliseconds. */
export function graceFlag(flag: string, text: string): number {
  return Math.round(positiveNumber(flag, text, false) * 1000);
}
