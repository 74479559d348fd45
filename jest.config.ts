import type { Config } from 'jest';

const config: Config = {
  testEnvironment: 'node',
  roots: ['<rootDir>/__tests__'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] },
  // Sources import siblings with explicit `.js` extensions (required for the ESM build).
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  collectCoverageFrom: ['src/**/*.ts', '!src/**/index.ts'],
  coverageReporters: ['text-summary', 'lcov'],
  // The quality gate: a change that leaves code untested fails here.
  coverageThreshold: { global: { lines: 95, branches: 90 } },
  testTimeout: 30_000,
};

export default config;
