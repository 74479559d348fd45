import { stat } from 'node:fs/promises';
import { z } from 'zod';
import { defineTool, type ToolDefinition } from '../tool.js';
import { bwrapArgs, findInView, requireSandbox, sandboxView, STATUS_FD, type Mount } from './bubblewrap.js';
import { findExecutable, refusePathInsideRoot } from './executable.js';
import { COMMAND_NAME, throwIfAborted, type ExecutionConfig } from './options.js';
import { runCapped, type ProcessResult } from './run-capped.js';
import { deny, fsError, invalid, locate, parseRelative } from './sandbox.js';

export { findExecutable } from './executable.js';
export type { ProcessResult } from './run-capped.js';

const MAX_TIMEOUT_MS = 600_000;

export const ProcessInputSchema = z.object({
  /** An allow-listed executable name (never a path). */
  command: z.string().min(1).max(128),
  /** Passed as argv, literally: no shell ever sees them. */
  args: z.array(z.string().max(65_536)).max(1024).default([]),
  /** Working directory, relative to the sandbox root. @default the root */
  cwd: z.string().max(4096).optional(),
  timeoutMs: z.number().int().positive().max(MAX_TIMEOUT_MS).optional(),
  /** Written to the child's stdin, which is then closed. */
  stdin: z.string().max(10 * 1024 * 1024).optional(),
});
export type ProcessInput = z.infer<typeof ProcessInputSchema>;

/**
 * `process-execution`. The allow-list, the argv-only call and the working-directory check decide what
 * may be started; what a started program can reach is decided by the OS sandbox alone (see
 * {@link bwrapArgs}), because no check of arguments can foresee what a program does with them.
 */
export function processTool(config: ExecutionConfig): ToolDefinition<typeof ProcessInputSchema, ProcessResult> {
  const bubblewrap = config.sandbox.kind === 'bubblewrap' ? config.sandbox : undefined;
  let view: Promise<Mount[]> | undefined;

  const resolveCwd = async (cwd: string | undefined): Promise<string> => {
    const root = await config.realRoot();
    if (cwd === undefined) return root;
    const segments = parseRelative(cwd);
    const located = await locate(root, segments).catch((error: unknown) => {
      throw fsError(error, cwd);
    });
    if (!located.exists) invalid('the working directory does not exist', { cwd });
    const stats = await stat(located.real);
    if (!stats.isDirectory()) invalid('the working directory is not a directory', { cwd });
    return located.real;
  };

  return defineTool({
    name: 'process-execution',
    capability: 'process',
    description:
      'Runs an allow-listed command with literal arguments (no shell) ' +
      (bubblewrap === undefined
        ? 'UNCONFINED (the layer has no sandbox)'
        : `in a sandbox that sees only the root (read-write, at its own path) and the system folders (read-only), ${bubblewrap.network ? 'with' : 'without'} network`) +
      ', under a time limit and an output cap; returns exit code, signal, stdout, stderr.',
    input: ProcessInputSchema,
    mutating: true,
    async run(input, ctx) {
      throwIfAborted(ctx.signal);
      if (!COMMAND_NAME.test(input.command)) {
        deny('the command must be a plain executable name', { command: input.command });
      }
      if (!config.commands.has(input.command)) deny('the command is not on the allow-list', { command: input.command });
      if (input.args.some((arg) => arg.includes('\0'))) invalid('arguments cannot contain NUL bytes');
      const root = await config.realRoot();
      const searchPath = config.env.PATH ?? '';
      await refusePathInsideRoot(searchPath, root);
      const box =
        bubblewrap === undefined
          ? undefined
          : { bwrap: await requireSandbox(bubblewrap.bwrap, ctx.signal), view: await (view ??= sandboxView(root, bubblewrap)), network: bubblewrap.network };
      const executable = box === undefined ? await findExecutable(input.command, searchPath) : await findInView(input.command, searchPath, box.view, root);
      if (executable === undefined) invalid('the command was not found on PATH', { command: input.command });
      const cwd = await resolveCwd(input.cwd);
      throwIfAborted(ctx.signal);
      const common = {
        ...(input.stdin === undefined ? {} : { stdin: input.stdin }),
        timeoutMs: input.timeoutMs ?? config.defaultTimeoutMs,
        signal: ctx.signal,
        maxOutputBytes: config.maxOutputBytes,
        command: input.command,
      };
      if (box === undefined) return runCapped({ ...common, file: executable, args: input.args, argv0: input.command, cwd, env: config.env });
      const args = bwrapArgs({ view: box.view, env: config.env, network: box.network, cwd, argv: [executable, ...input.args] });
      return runCapped({ ...common, file: box.bwrap, args, cwd: '/', env: {}, statusFd: STATUS_FD });
    },
  });
}
