/** What the subcommands of the `langgraph-no` command share: the usage error, flag parsing, the token flags. */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { MIN_TOKEN_LENGTH } from './tools/http-auth.js';

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

/**
 * The token of --token-env or --token-file. A mistake names the variable or file, never the value:
 * usage errors are printed, and this one would print the secret.
 */
export function tokenOf(values: { 'token-env'?: string; 'token-file'?: string }, env: NodeJS.ProcessEnv): string | undefined {
  const { 'token-env': variable, 'token-file': file } = values;
  if (variable !== undefined && file !== undefined) throw new UsageError('--token-env and --token-file contradict each other: pass one');
  let token: string | undefined;
  if (variable !== undefined) {
    token = env[variable];
    if (token === undefined) throw new UsageError(`--token-env ${variable}: the environment variable ${variable} is not set`);
  } else if (file !== undefined) {
    try {
      token = readFileSync(resolve(file), 'utf8');
    } catch (error) {
      throw new UsageError(`--token-file '${file}' cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
    }
  }
  if (token === undefined) return undefined;
  token = token.trim();
  const source = variable !== undefined ? `the environment variable ${variable}` : `the file '${file}'`;
  if (token.length < MIN_TOKEN_LENGTH || /\s/.test(token)) {
    throw new UsageError(`${source} must hold one token of at least ${MIN_TOKEN_LENGTH} characters without spaces, e.g. from: openssl rand -base64 32`);
  }
  return token;
}
