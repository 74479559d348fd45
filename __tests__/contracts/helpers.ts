import type { z } from 'zod';
import { isNoError, parseWith } from '../../src/contracts/index';

/** Asserts the schema refuses `value` with a typed error whose message names `field`. */
export function expectRejected(schema: z.ZodType, value: unknown, field: string): void {
  let caught: unknown;
  try {
    parseWith(schema, value, { what: 'value' });
  } catch (error) {
    caught = error;
  }
  expect(isNoError(caught, 'INVALID_REQUEST')).toBe(true);
  const err = caught as Error & { details: { issues: Array<{ path: string }> } };
  expect(err.details.issues.map((i) => i.path)).toContain(field);
  expect(err.message).toContain(field === '' ? 'invalid value' : `${field}:`);
}
