import type { NoError } from '../../src/contracts/index';

/** The error `fn` throws (fails the test when it does not throw). */
export function thrown(fn: () => unknown): NoError {
  try {
    fn();
  } catch (error) {
    return error as NoError;
  }
  throw new Error('expected a throw');
}
