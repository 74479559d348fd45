import * as root from '../../src/index';
import { CHECKS, CURRENT_EXPORTS, type Surface } from './surface-spec';

describe('the current package surface, from the root module', () => {
  const surface = root as unknown as Surface;
  it('exports all 18 names as values', () => {
    const missing = CURRENT_EXPORTS.filter((n) => surface[n] === undefined);
    expect(missing).toEqual([]);
  });
  it.each(CURRENT_EXPORTS)('%s has its kind and shape', async (exportName) => {
    await CHECKS[exportName](surface);
  });
});

