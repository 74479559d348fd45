import { NoError } from '../contracts/errors.js';

/**
 * `require` where there is one (the CommonJS build, Jest), `import()` in the ESM build. The SDK
 * packages are optional peers: only a user who asks for Prometheus loads them.
 */
/** `install` is what to install when it is missing (every package the feature needs, so one command does). */
export async function loadOptional<T>(specifier: string, why: string, install = specifier): Promise<T> {
  try {
    /* istanbul ignore next -- the ESM build has no require; Jest always has one */
    return typeof require === 'function' ? (require(specifier) as T) : ((await import(specifier)) as T);
  } catch (error) {
    const code = (error as { code?: unknown })?.code;
    if (code !== 'MODULE_NOT_FOUND' && code !== 'ERR_MODULE_NOT_FOUND') throw error;
    throw new NoError('INVALID_REQUEST', `${why} needs ${specifier}, an optional peer dependency: npm install ${install}`, {
      details: { package: specifier },
    });
  }
}
