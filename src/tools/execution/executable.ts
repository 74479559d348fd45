import { constants } from 'node:fs';
import { access, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { deny, isInside } from './sandbox.js';

/** Finds `name` on PATH: absolute entries only, so a relative entry cannot run a file from the sandbox. */
export async function findExecutable(name: string, searchPath: string): Promise<string | undefined> {
  for (const dir of searchPath.split(path.delimiter)) {
    if (!path.isAbsolute(dir)) continue;
    const candidate = path.join(dir, name);
    try {
      const stats = await stat(candidate);
      if (!stats.isFile()) continue;
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      continue;
    }
  }
  return undefined;
}

/** The real path of `target`, or of its nearest existing ancestor joined with the rest. */
export async function resolveLoose(target: string): Promise<string> {
  try {
    return await realpath(target);
  } catch {
    const parent = path.dirname(target);
    return parent === target ? target : path.join(await resolveLoose(parent), path.basename(target));
  }
}

/**
 * Refuses a PATH whose entry is (or will be, once created) inside the root: the file-system tool and
 * the commands themselves write there, so an agent could put its own `ls` first on the PATH, both for
 * the allow-listed command and for every program that command starts.
 */
export async function refusePathInsideRoot(searchPath: string, root: string): Promise<void> {
  for (const entry of searchPath.split(path.delimiter)) {
    if (isInside(root, await resolveLoose(entry))) {
      deny('a PATH entry of the layer lies inside the sandbox root, where agents can write programs; remove it from env.PATH', { entry });
    }
  }
}
