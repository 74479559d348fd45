import { BAD_INPUT_ERROR_CODES, NoError, NO_ERROR_CODES } from '../../src/contracts/errors';
import { classifyFailure } from '../../src/resilience/index';
import { toToolError } from '../../src/tools/errors';

// "The input is wrong" is one fact: the loop (which fails the task at once instead of retrying) and a
// tool result (which reports it as the caller's mistake) must read it from the same codes.
describe('bad input, one list', () => {
  it.each([...BAD_INPUT_ERROR_CODES])('%s is bad input to the loop and to a tool result', (code) => {
    const error = new NoError(code, 'wrong');
    expect(classifyFailure(error)).toBe('bad-input');
    const toolError = toToolError(error);
    expect([code, 'INVALID_INPUT']).toContain(toolError.code);
    expect(toolError.retryable).not.toBe(true);
  });

  it.each(NO_ERROR_CODES.filter((code) => !BAD_INPUT_ERROR_CODES.has(code)))('%s is not bad input to the loop', (code) => {
    expect(classifyFailure(new NoError(code, 'x'))).not.toBe('bad-input');
  });
});
